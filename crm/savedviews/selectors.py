"""Reads of saved views. Which views a user sees is decided here, not in
crm/access/scope.py: a view is no record (it holds a query string, never rows),
so there is nothing of the tenant's data to scope; the records it lists are
scoped by the list page's own selector when it is opened."""

from django.db.models import Q
from django.http import Http404

from crm.access.permissions import may_administer
from crm.savedviews.models import SavedView

LISTS = tuple(SavedView.List.values)


def saved_views_for(user, list_name=None):
    """`user`'s own views and those anyone shared with the tenant, by name
    (of one list, or of all); each with its author loaded."""
    if not (user.is_authenticated and user.is_active):
        return SavedView.objects.none()
    views = SavedView.objects.select_related("user").filter(Q(user=user) | Q(shared=True))
    if list_name is not None:
        views = views.filter(list_name=list_name)
    return views.order_by("name", "id")


def saved_view_get_for_user(user, pk):
    """One view `user` may use (their own or a shared one); Http404 otherwise."""
    try:
        return saved_views_for(user).get(pk=pk)
    except (SavedView.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404


def may_change(user, view):
    """Whether `user` may rename, re-share or delete `view`: its author, or an
    admin for a shared view. Everyone else only opens it."""
    return view.user_id == user.pk or (view.shared and may_administer(user))
