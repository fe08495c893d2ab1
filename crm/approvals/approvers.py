"""Who approves a step: the users a step names (a role, the submitter's managers,
a named user), then where each one's task really goes (a delegate while they
are away, their manager when they are deactivated, the admin at the end)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crm.approvals.models import ApproverType, Delegation, Handover
from crm.teams.models import Team, TeamMembership
from crm.users.models import Role, User

# A delegate who is away too passes the task on, up to this many times (and
# never back to someone it already passed).
MAX_HOPS = 5
# How far up the org chart the search for an active manager goes.
MAX_CHAIN = 20


@dataclass(frozen=True)
class Assignment:
    """Where one named approver's task goes: `approver` acts, for `on_behalf_of`
    (None: themselves) because of `handover`."""

    approver: User
    on_behalf_of: User | None = None
    handover: str = Handover.NONE


def manager_chain(user: User, levels: int) -> list[User]:
    """The managers above `user`, nearest first, at most `levels` of them: the
    manager of their team, then the manager of that team's parent team, and so
    on up. A team without a manager, or managed by `user` or someone already
    named, adds nobody and the walk goes on up. Someone in no team starts from
    the team they manage. Deactivated managers are named too (their task is
    handed over, and the request says so)."""
    membership = TeamMembership.objects.filter(user=user).select_related("team").first()
    team = membership.team if membership else Team.objects.filter(manager=user).order_by("pk").first()
    chain: list[User] = []
    seen: set[int] = set()
    while team is not None and team.pk not in seen and len(chain) < levels:
        seen.add(team.pk)
        manager = team.manager
        if manager is not None and manager.pk != user.pk and manager not in chain:
            chain.append(manager)
        team = team.parent
    return chain


def named_approvers(step: Mapping[str, Any], submitter: User) -> list[User]:
    """The users a step (as snapshotted on a request) names, never the submitter:
    nobody approves their own request."""
    kind = step.get("approver_type")
    if kind == ApproverType.ROLE:
        users = list(User.objects.filter(role=step.get("role"), is_active=True).order_by("pk"))
    elif kind == ApproverType.MANAGER:
        users = manager_chain(submitter, int(step.get("levels") or 1))
    elif kind == ApproverType.USER:
        users = list(User.objects.filter(pk=int(step.get("user") or 0)))
    else:
        users = []
    return [user for user in users if user.pk != submitter.pk]


def assignments(step: Mapping[str, Any], submitter: User, today: datetime.date) -> list[Assignment]:
    """One Assignment per approver of `step` for a request of `submitter`, as of
    `today` (delegation windows are days). A step that names nobody goes to the
    tenant's admin."""
    named = named_approvers(step, submitter)
    if not named:
        admin = first_admin(exclude=submitter) or submitter
        return [Assignment(approver=admin, handover=Handover.NO_APPROVER)]
    return [route(user, today, submitter=submitter) for user in named]


def route(user: User, today: datetime.date, *, submitter: User | None = None) -> Assignment:
    """Where a task for `user` goes today: to `user`; or, while they have a
    delegation, to their delegate; or, when they are deactivated, to who takes
    over (their nearest active manager, else the admin). Followed up to
    MAX_HOPS times, never in a circle."""
    current, reason = user, Handover.NONE
    seen = {user.pk}
    for _hop in range(MAX_HOPS):
        if not current.is_active:
            following, why = taker_for(current, exclude=submitter), Handover.DEACTIVATED
        else:
            delegation = delegation_of(current, today)
            if delegation is None:
                break
            following, why = delegation.delegate, Handover.DELEGATED
        if following is None or following.pk in seen:
            break
        seen.add(following.pk)
        reason = reason or why
        current = following
    if not current.is_active:
        current = first_admin(exclude=submitter) or current
        reason = reason or Handover.DEACTIVATED
    if current.pk == user.pk:
        return Assignment(approver=user)
    return Assignment(approver=current, on_behalf_of=user, handover=reason)


def taker_for(user: User, *, exclude: User | None = None) -> User | None:
    """Who takes over the approvals of deactivated `user`: their nearest active
    manager, else the tenant's first active admin."""
    for manager in manager_chain(user, MAX_CHAIN):
        if manager.is_active and (exclude is None or manager.pk != exclude.pk):
            return manager
    return first_admin(exclude=exclude)


def delegation_of(user: User, today: datetime.date) -> Delegation | None:
    """`user`'s delegation whose window includes `today`, if any."""
    return (
        Delegation.objects.filter(user=user, starts_on__lte=today, ends_on__gte=today)
        .select_related("delegate")
        .order_by("starts_on", "id")
        .first()
    )


def first_admin(*, exclude: User | None = None) -> User | None:
    """The tenant's longest-standing active admin (the one who signed up, usually)."""
    admins = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk")
    if exclude is not None:
        admins = admins.exclude(pk=exclude.pk)
    return admins.first()
