from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from crm.access.permissions import may_administer


def admin_page(view):
    """A settings page: signed-in admins only. Anyone else gets a 404, so the pages
    do not even tell other roles that they exist (ARCHITECTURE.md, habit 13)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_administer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
