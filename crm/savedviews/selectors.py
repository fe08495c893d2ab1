"""Reads of saved views. Which views a user sees is decided here, not in
crm/access/scope.py: a view is no record (it holds a query string, never rows),
so there is nothing of the tenant's data to scope; the records it lists are
scoped by the list page's own selector when it is opened."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.http import Http404

from crm.access.permissions import may_administer
from crm.builder.selectors import custom_objects
from crm.savedviews.models import SavedView

if TYPE_CHECKING:
    from crm.users.models import User

# The built-in lists.
LISTS = tuple(SavedView.List.values)
# A custom object's list: the prefix and the object's name. The prefix keeps
# them apart from any built-in list added later (the builder does not reserve
# list names), as cx_ does for their tables.
CUSTOM_LIST_PREFIX = "cx:"


def custom_list_name(object_name: str) -> str:
    """The list name of custom object `object_name`'s records ("cx:vehicle")."""
    return f"{CUSTOM_LIST_PREFIX}{object_name}"


def custom_list_object(list_name: str) -> str | None:
    """The custom object whose list `list_name` is, or None for a built-in list."""
    return list_name[len(CUSTOM_LIST_PREFIX) :] if list_name.startswith(CUSTOM_LIST_PREFIX) else None


def lists() -> tuple[str, ...]:
    """Every list views may be saved of: the built-in ones, then each live custom object's."""
    return LISTS + tuple(custom_list_name(name) for name in custom_objects().values_list("name", flat=True))


def is_list(list_name: str) -> bool:
    """Whether views may be saved of `list_name`: a built-in list, or a live custom object's."""
    if list_name in LISTS:
        return True
    object_name = custom_list_object(str(list_name))
    return bool(object_name) and custom_objects().filter(name=object_name).exists()


def saved_views_for(user: User, list_name: str | None = None) -> QuerySet[SavedView]:
    """`user`'s own views and those anyone shared with the tenant, by name
    (of one list, or of all); each with its author loaded."""
    if not (user.is_authenticated and user.is_active):
        return SavedView.objects.none()
    views = SavedView.objects.select_related("user").filter(Q(user=user) | Q(shared=True))
    if list_name is not None:
        views = views.filter(list_name=list_name)
    return views.order_by("name", "id")


def saved_view_get_for_user(user: User, pk: int | str) -> SavedView:
    """One view `user` may use (their own or a shared one); Http404 otherwise."""
    try:
        return saved_views_for(user).get(pk=pk)
    except (SavedView.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def may_change(user: User, view: SavedView) -> bool:
    """Whether `user` may rename, re-share or delete `view`: its author, or an
    admin for a shared view. Everyone else only opens it."""
    return view.user_id == user.pk or (view.shared and may_administer(user))
