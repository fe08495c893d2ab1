from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.audit import services as audit
from crm.teams.models import Team, TeamMembership

if TYPE_CHECKING:
    from crm.users.models import User


def _check_parent(team: Team, parent: Team | None) -> None:
    node = parent
    while node is not None:
        if team.pk and node.pk == team.pk:
            raise ValidationError({"parent": [_("A team cannot be inside itself.")]})
        node = node.parent


@transaction.atomic
def create_team(
    *, by: User, name: str, manager: User | None = None, parent: Team | None = None, members: Iterable[User] = ()
) -> Team:
    team = Team.objects.create(name=name, manager=manager, parent=parent)
    set_members(team=team, members=members)
    audit.record(actor=by, action="team.created", target=team, payload={"name": name})
    return team


@transaction.atomic
def update_team(*, team: Team, by: User, members: Iterable[User] | None = None, **values: Any) -> Team:
    if "parent" in values:
        _check_parent(team, values["parent"])
    diff = audit.changes(team, ("name", "manager", "parent"), values)
    for field, value in values.items():
        setattr(team, field, value)
    team.save()
    if members is not None:
        diff["members"] = set_members(team=team, members=members)
    if diff:
        audit.record(actor=by, action="team.updated", target=team, payload=diff)
    return team


def set_members(*, team: Team, members: Iterable[User]) -> list[int]:
    """Make `members` exactly the team's members; a user moves here from any other team."""
    ids = sorted({user.pk for user in members})
    TeamMembership.objects.filter(team=team).exclude(user_id__in=ids).delete()
    for user_id in ids:
        TeamMembership.objects.update_or_create(user_id=user_id, defaults={"team": team})
    return ids


@transaction.atomic
def put_user_in_team(*, user: User, team: Team | None) -> None:
    if team is None:
        TeamMembership.objects.filter(user=user).delete()
    else:
        TeamMembership.objects.update_or_create(user=user, defaults={"team": team})


@transaction.atomic
def delete_team(*, team: Team, by: User) -> None:
    audit.record(actor=by, action="team.deleted", target=team, payload={"name": team.name})
    team.delete()
