"""Reads of the approval engine, scoped to the acting user at the source.

Who may see a request is decided in crm/access/approval_scope.py: the people
taking part in it (submitter, approvers, those tasks were handed over from)
and whoever may see its subject. Lists here are the caller's own (what waits
on them, what they submitted, what they decided); a subject's requests are
read for a subject the caller has already fetched through its kind's scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crm.access import masking
from crm.access.approval_scope import may_see_approval, may_use_approvals
from crm.approvals.models import (
    ApprovalFlow,
    ApprovalRequest,
    ApprovalSettings,
    ApprovalTask,
    Delegation,
    RequestStatus,
    TaskStatus,
)
from crm.approvals.registry import is_registered, kind_of
from crm.audit.models import AuditEvent
from crm.audit.selectors import history_for
from crm.users.models import User

DECIDED = (TaskStatus.APPROVED, TaskStatus.REJECTED, TaskStatus.RETURNED)


def approval_settings() -> ApprovalSettings:
    """The tenant's approval settings (made with the defaults on first use)."""
    found, _created = ApprovalSettings.objects.get_or_create(pk=1)
    return found


# Flows (the admin's pages and API check the role) ---------------------------------


def flows() -> QuerySet[ApprovalFlow]:
    """Every flow with its steps (and their named users) loaded."""
    return ApprovalFlow.objects.prefetch_related("steps__user").order_by("kind")


def flow_for(kind: str) -> ApprovalFlow | None:
    """The flow of `kind`, or None when the admin has not set one up."""
    return flows().filter(kind=kind).first()


def flow_get(pk: Any) -> ApprovalFlow:
    """One flow; Http404 when there is none."""
    try:
        return flows().get(pk=pk)
    except (ApprovalFlow.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# Tasks and requests -------------------------------------------------------------


def _tasks() -> QuerySet[ApprovalTask]:
    return ApprovalTask.objects.select_related("request", "request__submitted_by", "approver", "on_behalf_of")


def inbox(user: User) -> QuerySet[ApprovalTask]:
    """What waits on `user` (我办理的): pending tasks of pending requests whose
    approver they are (their own or as a delegate), oldest first."""
    if not may_use_approvals(user):
        return ApprovalTask.objects.none()
    return (
        _tasks()
        .filter(approver=user, status=TaskStatus.PENDING, request__status=RequestStatus.PENDING)
        .order_by("created_at", "id")
    )


def pending_count(user: User) -> int:
    """How many tasks wait on `user` (the sidebar's badge)."""
    return inbox(user).count()


def decided_by(user: User) -> QuerySet[ApprovalTask]:
    """The tasks `user` decided (approved, rejected, returned), latest first."""
    if not may_use_approvals(user):
        return ApprovalTask.objects.none()
    return _tasks().filter(approver=user, status__in=DECIDED).order_by("-decided_at", "-id")


def tasks_of(user: User) -> QuerySet[ApprovalTask]:
    """Every task whose approver `user` is, newest first (the API's list;
    `?status=pending` of it is the inbox, narrowed to pending requests)."""
    if not may_use_approvals(user):
        return ApprovalTask.objects.none()
    return _tasks().filter(approver=user).order_by("-created_at", "-id")


def _requests() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.select_related("submitted_by").prefetch_related(
        "tasks__approver", "tasks__on_behalf_of"
    )


def submitted_by(user: User) -> QuerySet[ApprovalRequest]:
    """The requests `user` submitted, latest first."""
    if not may_use_approvals(user):
        return ApprovalRequest.objects.none()
    return _requests().filter(submitted_by=user).order_by("-submitted_at", "-id")


def requests_of(user: User) -> QuerySet[ApprovalRequest]:
    """The requests `user` takes part in: submitted, or has (or had) a task of,
    themselves or through a delegate; latest first."""
    if not may_use_approvals(user):
        return ApprovalRequest.objects.none()
    theirs = ApprovalTask.objects.filter(Q(approver=user) | Q(on_behalf_of=user)).values("request_id")
    return _requests().filter(Q(submitted_by=user) | Q(pk__in=theirs)).order_by("-submitted_at", "-id")


def participant_ids(request: ApprovalRequest) -> set[int]:
    """The users taking part in `request` (it prefetches its tasks)."""
    ids = {request.submitted_by_id}
    for task in request.tasks.all():
        ids.add(task.approver_id)
        if task.on_behalf_of_id:
            ids.add(task.on_behalf_of_id)
    return ids


def may_see(user: User, request: ApprovalRequest) -> bool:
    """Whether `user` may see `request` (crm.access.approval_scope decides)."""
    return may_see_approval(
        user, participant_ids=participant_ids(request), subject_visible=lambda: subject_visible_to(user, request)
    )


def subject_visible_to(user: User, request: ApprovalRequest) -> bool:
    """Whether `user` may see the subject of `request`, as its kind decides."""
    if not is_registered(request.kind):
        return False
    try:
        kind_of(request.kind).get_for_user(user, request.subject_id)
    except (Http404, ObjectDoesNotExist, PermissionDenied):
        return False
    return True


def request_get_for_user(user: User, pk: Any) -> ApprovalRequest:
    """One request `user` may see, with its tasks; Http404 if missing or out of scope alike."""
    try:
        request = _requests().get(pk=pk)
    except (ApprovalRequest.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not may_see(user, request):
        raise Http404
    return request


def task_get_for_user(user: User, pk: Any) -> ApprovalTask:
    """One task of a request `user` may see; Http404 if missing or out of scope alike."""
    try:
        task = _tasks().get(pk=pk)
    except (ApprovalTask.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not may_see(user, task.request):
        raise Http404
    return task


def requests_for_subject(kind: str, subject_id: int) -> QuerySet[ApprovalRequest]:
    """Every request of one subject, latest first. The caller has already fetched
    the subject through its kind's scope (so the user may see its requests)."""
    return _requests().filter(kind=kind, subject_id=subject_id).order_by("-submitted_at", "-id")


def subject_requests_for_user(user: User, kind: str, subject_id: Any) -> QuerySet[ApprovalRequest]:
    """The requests of one subject `user` may see: all of them when they may see
    the subject, else those they take part in."""
    mine = requests_of(user).filter(kind=kind, subject_id=subject_id)
    if not may_use_approvals(user) or not is_registered(kind):
        return mine
    try:
        subject = kind_of(kind).get_for_user(user, subject_id)
    except (Http404, ObjectDoesNotExist, PermissionDenied, ValueError, TypeError, OverflowError):
        return mine
    return requests_for_subject(kind, subject.pk)


def history(request: ApprovalRequest) -> QuerySet[AuditEvent]:
    """The request's audit rows, newest first (the caller may see the request)."""
    return history_for(request)


def user_names(ids: Iterable[int]) -> dict[int, str]:
    """{id: how the pages name the user} for the given user ids."""
    wanted = {pk for pk in ids if isinstance(pk, int)}
    return {user.pk: str(user) for user in User.objects.filter(pk__in=wanted)} if wanted else {}


# Delegations ---------------------------------------------------------------------


def delegations_of(user: User) -> QuerySet[Delegation]:
    """`user`'s delegations, soonest first, the ones already over left out."""
    return (
        Delegation.objects.filter(user=user, ends_on__gte=timezone.localdate())
        .select_related("delegate")
        .order_by("starts_on", "id")
    )


def delegations_to(user: User) -> QuerySet[Delegation]:
    """The delegations naming `user` as the delegate, not yet over."""
    return (
        Delegation.objects.filter(delegate=user, ends_on__gte=timezone.localdate())
        .select_related("user")
        .order_by("starts_on", "id")
    )


def delegation_get_for_user(user: User, pk: Any) -> Delegation:
    """One of `user`'s own delegations; Http404 otherwise."""
    try:
        return Delegation.objects.select_related("delegate").get(pk=pk, user=user)
    except (Delegation.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def possible_delegates(user: User) -> QuerySet[User]:
    """Who `user` may delegate to: any other active user of the tenant."""
    return User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("name", "email")


def active_users() -> QuerySet[User]:
    """The tenant's active users (whom a flow's step may name)."""
    return User.objects.filter(is_active=True).order_by("name", "email")


def values_seen_by(user: User, request: ApprovalRequest) -> dict[str, Any]:
    """`request`'s subject values as `user` may read them: a value copied from a
    record field `user` sees masked (its kind's ValueField.masked_as) reads
    masked, in the inbox, the request's page and the API alike."""
    values = dict(request.values)
    found = kind_of(request.kind) if is_registered(request.kind) else None
    for value_field in found.fields if found else ():
        if value_field.masked_as and value_field.name in values and masking.hides(user, *value_field.masked_as):
            values[value_field.name] = masking.shown(values[value_field.name])
    return values
