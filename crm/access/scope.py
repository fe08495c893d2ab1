"""The one place that decides which records a user may see and change.

Every read path (lists, details, search, kanban, worklists, exports, dashboard
counts) narrows its queryset here:
- `admin` and `director` see everything;
- everyone sees what they own and what was shared with them;
- a team's manager also sees what the members (and managers) of that team and
  of all its sub-teams own.
Outside scope is 404, for reads and writes alike (`get_visible`).
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from crm.access.models import RecordShare
from crm.teams.models import Team, TeamMembership
from crm.users.models import Role, User
from tenants import memo

_M = TypeVar("_M", bound=Model)

_SEE_ALL = frozenset({Role.ADMIN, Role.DIRECTOR})


def sees_everything(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.is_active and user.role in _SEE_ALL


def managed_team_ids(user: User) -> set[int]:
    """Ids of the teams `user` manages and all their sub-teams."""
    found: set[int]
    found, stack = set(), list(Team.objects.filter(manager=user).values_list("id", flat=True))
    if not stack:
        # Most users manage no team: no need to read the whole org chart for them.
        return found
    parents: dict[int | None, list[int]] = {}
    for team_id, parent_id in Team.objects.values_list("id", "parent_id"):
        parents.setdefault(parent_id, []).append(team_id)
    while stack:
        team_id = stack.pop()
        if team_id not in found:
            found.add(team_id)
            stack.extend(parents.get(team_id, []))
    return found


def owner_ids_in_scope(user: User) -> frozenset[int]:
    """Users whose records `user` sees as owner or manager (not counting shares),
    read once per request (several parts of a page narrow by it)."""
    return memo.remember(("owner_ids_in_scope", user.pk), lambda: _owner_ids_in_scope(user))


def _owner_ids_in_scope(user: User) -> frozenset[int]:
    teams = managed_team_ids(user)
    ids = {user.pk}
    if teams:
        ids.update(TeamMembership.objects.filter(team_id__in=teams).values_list("user_id", flat=True))
        ids.update(Team.objects.filter(id__in=teams, manager__isnull=False).values_list("manager_id", flat=True))
    return frozenset(ids)


def visible(queryset: QuerySet[_M], user: User | AnonymousUser, owner_field: str = "owner") -> QuerySet[_M]:
    """`queryset` narrowed to the rows `user` may see."""
    if not (user.is_authenticated and user.is_active):
        return queryset.none()
    if sees_everything(user):
        return queryset
    # The content type by name, inside the subquery: django-tenants empties
    # ContentType's cache on every switch of schema, so looking its id up first
    # would cost a query per list on every request.
    meta = queryset.model._meta.concrete_model._meta  # type: ignore[union-attr]  # None only before class_prepared
    shared = RecordShare.objects.filter(
        user=user, content_type__app_label=meta.app_label, content_type__model=meta.model_name
    ).values("object_id")
    return queryset.filter(Q(**{f"{owner_field}_id__in": owner_ids_in_scope(user)}) | Q(pk__in=shared))


def get_visible(queryset: QuerySet[_M], user: User | AnonymousUser, pk: int | str) -> _M:
    """One row `user` may see, or Http404 whether it is missing or out of scope."""
    try:
        return visible(queryset, user).get(pk=pk)
    # (The stubs give DoesNotExist to each model class, not to a type variable bound to Model.)
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):  # type: ignore[attr-defined]
        raise Http404 from None


def may_assign_to(user: User, owner: User) -> bool:
    """Whether `user` may make `owner` the owner of a record: themselves, or
    (managers) anyone in their teams, or (admin, director) anyone."""
    return sees_everything(user) or owner.pk in owner_ids_in_scope(user)
