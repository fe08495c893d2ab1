from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from crm.access.permissions import may_use_module


def module_page(module):
    """A page of `module`: signed-in users only, and a hidden module is a 404 like
    any record out of scope (ARCHITECTURE.md, habit 13)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not may_use_module(request.user, module):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
