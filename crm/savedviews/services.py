"""Writes of saved views: each validated here (errors keyed by the names the UI
and the API use: `list`, `name`, `query`), with an audit row in the same
transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.audit import services as audit
from crm.savedviews.models import SavedView
from crm.savedviews.selectors import CUSTOM_LIST_PREFIX, LISTS, is_list, may_change

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.users.models import User

NAME_MAX = 80
QUERY_MAX = 1000
# A view keeps what is listed and in which order, not where one was in it
# (nor how it was fetched: htmx and export parameters).
_NOT_KEPT = {"page", "file_format"}
_EDITABLE = ("list_name", "name", "query", "shared")


def clean_query(query: str | None) -> str:
    """`query` (a list page's query string, with or without "?") as the view keeps
    it: blank parameters and the page number dropped, the rest in order."""
    pairs = parse_qsl(str(query or "").lstrip("?"), keep_blank_values=False)
    return urlencode([(key, value.strip()) for key, value in pairs if key not in _NOT_KEPT and value.strip()])


def _validate(view: SavedView) -> None:
    errors: dict[str, Sequence[StrOrPromise]] = {}
    if not is_list(view.list_name):
        lists = ", ".join([*LISTS, f"{CUSTOM_LIST_PREFIX}<object>"])
        errors["list"] = [_("Choose one of: %(lists)s.") % {"lists": lists}]
    if not view.name:
        errors["name"] = [_("Give the view a name.")]
    elif len(view.name) > NAME_MAX:
        errors["name"] = [_("At most %(max)d characters.") % {"max": NAME_MAX}]
    elif (
        "list" not in errors
        and SavedView.objects.filter(user_id=view.user_id, list_name=view.list_name, name__iexact=view.name)
        .exclude(pk=view.pk)
        .exists()
    ):
        errors["name"] = [_("You already have a view of this list with this name.")]
    if len(view.query) > QUERY_MAX:
        errors["query"] = [_("These filters are too long to save.")]
    if errors:
        raise ValidationError(errors)


def _save(view: SavedView) -> None:
    _validate(view)
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        # Two saves of the same name at once: the second is told as if it came later.
        raise ValidationError({"name": [_("You already have a view of this list with this name.")]}) from None


@transaction.atomic
def create_saved_view(*, by: User, list_name: str, name: str, query: str = "", shared: bool = False) -> SavedView:
    """Save `query` (a list page's filters and sort) as `by`'s view `name` of
    list `list_name`; `shared` lets everyone in the tenant use it. Audit row."""
    view = SavedView(
        user=by,
        list_name=list_name,
        name=" ".join(str(name or "").split()),
        query=clean_query(query),
        shared=bool(shared),
    )
    _save(view)
    audit.record(
        actor=by,
        action="saved_view.created",
        target=view,
        payload={"list": view.list_name, "name": view.name, "shared": view.shared},
    )
    return view


def _check_may_change(by: User, view: SavedView) -> None:
    if not may_change(by, view):
        raise PermissionDenied(_("Only the person who saved this view, or an admin, may change it."))


@transaction.atomic
def update_saved_view(*, view: SavedView, by: User, **values: Any) -> SavedView:
    """Rename, re-filter, move or (un)share a view `by` can see; only its author
    (or an admin, for a shared view) may: PermissionDenied otherwise, nothing
    changed. Audit row old → new."""
    _check_may_change(by, view)
    unknown = set(values) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"update_saved_view() got unexpected fields {sorted(unknown)}")
    if "name" in values:
        values["name"] = " ".join(str(values["name"] or "").split())
    if "query" in values:
        values["query"] = clean_query(values["query"])
    if "shared" in values:
        values["shared"] = bool(values["shared"])
    diff = audit.changes(view, _EDITABLE, values)
    for field, value in values.items():
        setattr(view, field, value)
    _save(view)
    if diff:
        audit.record(actor=by, action="saved_view.updated", target=view, payload=diff)
    return view


@transaction.atomic
def delete_saved_view(*, view: SavedView, by: User) -> None:
    """Delete a view (author, or an admin for a shared one; PermissionDenied otherwise). Audit row."""
    _check_may_change(by, view)
    audit.record(
        actor=by, action="saved_view.deleted", target=view, payload={"list": view.list_name, "name": view.name}
    )
    view.delete()


def forget_list(list_name: str) -> None:
    """Delete every saved view of a list that is gone (a purged custom object's):
    an object made later under the same name starts with none."""
    SavedView.objects.filter(list_name=list_name).delete()
