"""Writes of the approval engine: submitting a subject, deciding a task,
returning, withdrawing, urging; delegations and the tenant's settings.

Every function runs in one transaction and leaves audit rows: on the request
(its history) and, for what happens to the request, on the subject too (the
subject's own history page shows it). Deciding locks the request row first,
so two approvers deciding at once are served one after the other: the second
finds the task (or the request) no longer pending and gets DecisionConflict,
which the API answers with 409. E-mails leave after commit.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.activities.services import notify
from crm.approvals import approvers, flows
from crm.approvals.models import (
    ApprovalFlow,
    ApprovalRequest,
    ApprovalSettings,
    ApprovalTask,
    Delegation,
    Handover,
    Mode,
    RequestStatus,
    TaskStatus,
)
from crm.approvals.registry import Kind, kind_of
from crm.approvals.selectors import approval_settings
from crm.audit import services as audit
from crm.users.models import User

# The submitter may urge the approvers of a request once in this long.
URGE_INTERVAL = datetime.timedelta(hours=1)


class DecisionConflict(ValidationError):
    """The task or request was decided, returned or withdrawn by someone else
    first; nothing was changed. The API answers 409."""


class UrgedTooSoon(ValidationError):
    """The approvers were urged less than URGE_INTERVAL ago. The API answers 429."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__({"detail": message})
        self.retry_after = retry_after


# Submitting -------------------------------------------------------------------


def submit(*, kind: str, subject: models.Model, by: User) -> ApprovalRequest:
    """Ask for approval of `subject` (of registered `kind`; the caller has checked
    that `by` may see it). The flow of the kind is snapshotted with the
    subject's values; steps whose conditions fail are skipped, and when none
    applies the request is approved at once (the kind's on_decided is told in
    this transaction). A subject with a pending request cannot be submitted
    again (also under concurrent submits: a unique index decides): a
    ValidationError, nothing written. Returns the request."""
    registered = kind_of(kind)
    with transaction.atomic():
        if ApprovalRequest.objects.filter(kind=kind, subject_id=subject.pk, status=RequestStatus.PENDING).exists():
            raise ValidationError({"detail": _("This is already waiting for approval.")})
        # The values as they are stored, so that conditions read the same now and later.
        values = json.loads(json.dumps(dict(registered.values(subject)), cls=DjangoJSONEncoder))
        flow = ApprovalFlow.objects.filter(kind=kind).prefetch_related("steps").first()
        request = ApprovalRequest(
            kind=kind,
            subject_id=subject.pk,
            subject_label=str(subject)[:300],
            flow=flow,
            flow_version=flow.version if flow else None,
            flow_name=flow.name if flow else "",
            steps=flows.snapshot(flow, registered, values),
            values=values,
            submitted_by=by,
        )
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:
            raise ValidationError({"detail": _("This is already waiting for approval.")}) from None
        _record(
            request,
            subject,
            by,
            "approval.submitted",
            {
                "flow_version": request.flow_version,
                "skipped_steps": [index + 1 for index, step in enumerate(request.steps) if not step["applies"]],
            },
        )
        _advance(request, registered, subject, start=0, by=None)
    return request


# Deciding ---------------------------------------------------------------------


def approve(*, task: ApprovalTask, by: User, comment: str = "") -> ApprovalTask:
    """`by` (the task's approver) approves. In an any-of step that decides the
    step; in an all-of step it does once every approver of the step approved.
    Then the next step that applies opens, or, after the last, the request is
    approved and the kind's on_decided told. DecisionConflict when the task is
    no longer pending; PermissionDenied for anyone but its approver."""
    return _decide(task, by, comment, TaskStatus.APPROVED)


def reject(*, task: ApprovalTask, by: User, comment: str) -> ApprovalTask:
    """`by` (the task's approver) rejects, saying why: the request is rejected,
    its other open tasks closed, the kind's on_decided told. The subject may be
    submitted again."""
    return _decide(task, by, comment, TaskStatus.REJECTED)


def return_to_submitter(*, task: ApprovalTask, by: User, comment: str) -> ApprovalTask:
    """`by` (the task's approver) sends the request back to its submitter,
    saying what to change: the request ends as returned (the subject goes back
    to draft through on_decided) and may be submitted again."""
    return _decide(task, by, comment, TaskStatus.RETURNED)


def _decide(task: ApprovalTask, by: User, comment: str, outcome: str) -> ApprovalTask:
    comment = (comment or "").strip()
    if outcome != TaskStatus.APPROVED and not comment:
        raise ValidationError({"comment": [_("Say why, for the submitter.")]})
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=task.request_id)
        task = ApprovalTask.objects.select_related("on_behalf_of").get(pk=task.pk)
        if task.approver_id != by.pk:
            raise PermissionDenied(_("Only the approver of this task can decide it."))
        if not (task.is_pending and request.is_pending):
            raise DecisionConflict({"detail": _("This was already decided; nothing was changed.")})
        now = timezone.now()
        task.status, task.comment, task.decided_at = outcome, comment, now
        task.save(update_fields=["status", "comment", "decided_at"])
        registered = kind_of(request.kind)
        subject = _subject(registered, request)
        payload = {
            "task": task.pk,
            "step": task.step + 1,
            "comment": comment,
            "on_behalf_of": task.on_behalf_of_id,
        }
        if outcome != TaskStatus.APPROVED:
            _close(request, registered, subject, outcome, by, payload)
            return task
        _record(request, subject, by, "approval.task_approved", payload)
        waiting = request.tasks.filter(step=task.step, status=TaskStatus.PENDING)
        if request.steps[task.step].get("mode") == Mode.ANY or not waiting.exists():
            waiting.update(status=TaskStatus.CANCELLED, decided_at=now)
            _advance(request, registered, subject, start=task.step + 1, by=by)
    return task


def withdraw(*, request: ApprovalRequest, by: User) -> ApprovalRequest:
    """The submitter takes a pending request back: its open tasks close, the kind's
    on_decided is told ("withdrawn"); the subject may be submitted again.
    DecisionConflict when it is no longer pending."""
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.submitted_by_id != by.pk:
            raise PermissionDenied(_("Only the submitter can withdraw a request."))
        if not request.is_pending:
            raise DecisionConflict({"detail": _("This was already decided; nothing was changed.")})
        registered = kind_of(request.kind)
        _close(request, registered, _subject(registered, request), RequestStatus.WITHDRAWN, by, {})
    return request


def urge(*, request: ApprovalRequest, by: User) -> int:
    """The submitter urges (催办) the approvers the request waits on: each gets a
    notification and an e-mail (after commit). Once per URGE_INTERVAL per
    request (UrgedTooSoon otherwise, nothing sent). Returns how many were urged."""
    with transaction.atomic():
        request = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if request.submitted_by_id != by.pk:
            raise PermissionDenied(_("Only the submitter can urge the approvers."))
        if not request.is_pending:
            raise ValidationError({"detail": _("This request is no longer waiting for anyone.")})
        now = timezone.now()
        if request.last_urged_at is not None and now - request.last_urged_at < URGE_INTERVAL:
            wait = request.last_urged_at + URGE_INTERVAL - now
            minutes = max(1, int(wait.total_seconds() // 60))
            raise UrgedTooSoon(
                _("The approvers were urged a moment ago; you can urge again in %(minutes)d minutes.")
                % {"minutes": minutes},
                retry_after=int(wait.total_seconds()) + 1,
            )
        waiting = list(request.tasks.filter(status=TaskStatus.PENDING).select_related("approver"))
        text = _("%(who)s asks you to decide: %(subject)s") % {"who": by, "subject": request.subject_label}
        for task in waiting:
            notify(user=task.approver, text=text, link=page_of(request))
            transaction.on_commit(_mailer(task.approver.email, text, _mail_body(request)))
        request.last_urged_at = now
        request.save(update_fields=["last_urged_at"])
        registered = kind_of(request.kind)
        _record(
            request,
            _subject(registered, request),
            by,
            "approval.urged",
            {"approvers": sorted({task.approver_id for task in waiting})},
        )
    return len(waiting)


# How a request moves on ---------------------------------------------------------


def _advance(
    request: ApprovalRequest, registered: Kind, subject: models.Model | None, *, start: int, by: User | None
) -> None:
    """Open the first step from `start` on that applies, or approve the request
    when there is none left (`by`: who approved last; None: nobody needed to)."""
    for index in range(start, len(request.steps)):
        if request.steps[index].get("applies"):
            request.current_step = index
            request.save(update_fields=["current_step"])
            _open_step(request, index, subject)
            return
    _close(request, registered, subject, RequestStatus.APPROVED, by, {"automatic": by is None})


def _open_step(request: ApprovalRequest, index: int, subject: models.Model | None) -> None:
    today, now = timezone.localdate(), timezone.now()
    text = _("Approval needed: %(subject)s") % {"subject": request.subject_label}
    for assignment in approvers.assignments(request.steps[index], request.submitted_by, today):
        task = ApprovalTask.objects.create(
            request=request,
            step=index,
            approver=assignment.approver,
            on_behalf_of=assignment.on_behalf_of,
            handover=assignment.handover,
            created_at=now,
        )
        notify(user=assignment.approver, text=text, link=page_of(request))
        if assignment.handover:
            _record(request, subject, None, "approval.handed_over", _handover_payload(task, assignment.on_behalf_of))


def _close(
    request: ApprovalRequest,
    registered: Kind,
    subject: models.Model | None,
    status: str,
    by: User | None,
    payload: dict[str, Any],
) -> None:
    now = timezone.now()
    request.status, request.decided_at = status, now
    request.save(update_fields=["status", "decided_at"])
    request.tasks.filter(status=TaskStatus.PENDING).update(status=TaskStatus.CANCELLED, decided_at=now)
    _record(request, subject, by, f"approval.{status}", payload)
    if subject is not None:
        registered.on_decided(subject, status, by)
    if status != RequestStatus.WITHDRAWN and (by is None or by.pk != request.submitted_by_id):
        notify(user=request.submitted_by, text=_outcome_text(status, request), link=page_of(request))


def _outcome_text(status: str, request: ApprovalRequest) -> str:
    texts = {
        RequestStatus.APPROVED: _("Approved: %(subject)s"),
        RequestStatus.REJECTED: _("Rejected: %(subject)s"),
        RequestStatus.RETURNED: _("Returned to you: %(subject)s"),
    }
    return texts[RequestStatus(status)] % {"subject": request.subject_label}


def _subject(registered: Kind, request: ApprovalRequest) -> models.Model | None:
    """The request's subject, or None when it is gone (a deleted record's request
    can still be decided; there is nobody to tell)."""
    try:
        return registered.get(request.subject_id)
    except (ObjectDoesNotExist, Http404):
        return None


def _record(
    request: ApprovalRequest, subject: models.Model | None, actor: User | None, action: str, payload: dict[str, Any]
) -> None:
    payload = {"request": request.pk, "kind": request.kind, **payload}
    audit.record(actor=actor, action=action, target=request, payload=payload)
    if subject is not None:
        audit.record(actor=actor, action=action, target=subject, payload=payload)


def _handover_payload(task: ApprovalTask, original: User | None) -> dict[str, Any]:
    return {
        "task": task.pk,
        "step": task.step + 1,
        "reason": task.handover,
        "from": original.pk if original else None,
        "from_name": str(original) if original else "",
        "to": task.approver_id,
        "to_name": str(task.approver),
    }


def page_of(request: ApprovalRequest) -> str:
    """The request's page in the UI (notifications link to it)."""
    try:
        return reverse("approval", args=[request.pk])
    except NoReverseMatch:
        return ""


def _mail_body(request: ApprovalRequest) -> str:
    return "\n".join(filter(None, [request.subject_label, page_of(request)]))


def _mailer(to: str, subject: str, body: str) -> Any:
    def send() -> None:
        send_mail(subject[:200], body, settings.DEFAULT_FROM_EMAIL, [to])

    return send


# Reminders and hand-overs (the periodic task) -----------------------------------


def remind_waiting_approvers(now: datetime.datetime | None = None) -> int:
    """Remind the approver of every task of this tenant that has waited longer
    than the tenant's `remind_after_hours` (since it arose or since its last
    reminder): a notification and an e-mail (after commit), an audit row on the
    request. Rows are locked and skipped when locked, so two sweeps at once do
    not remind twice. Returns how many tasks were reminded."""
    hours = approval_settings().remind_after_hours
    if not hours:
        return 0
    now = now or timezone.now()
    due_before = now - datetime.timedelta(hours=hours)
    with transaction.atomic():
        due = list(
            ApprovalTask.objects.filter(status=TaskStatus.PENDING, request__status=RequestStatus.PENDING)
            .filter(
                models.Q(reminded_at__lte=due_before) | models.Q(reminded_at__isnull=True, created_at__lte=due_before)
            )
            .select_related("approver", "request")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("created_at", "id")[:500]
        )
        for task in due:
            task.reminded_at = now
            task.save(update_fields=["reminded_at"])
            text = _("Waiting for your approval: %(subject)s") % {"subject": task.request.subject_label}
            notify(user=task.approver, text=text, link=page_of(task.request))
            audit.record(
                actor=None,
                action="approval.reminded",
                target=task.request,
                payload={"task": task.pk, "to": task.approver_id},
            )
            transaction.on_commit(_mailer(task.approver.email, text, _mail_body(task.request)))
    return len(due)


def hand_over_from_inactive_approvers(*, approver: User | None = None) -> int:
    """Give each pending task whose approver is deactivated (all of them, or only
    `approver`'s) to who takes over: the approver's nearest active manager, else
    the admin. The task records for whom, the request's history names who took
    over, and the new approver is notified. Returns how many tasks moved."""
    moved = 0
    stuck = ApprovalTask.objects.filter(status=TaskStatus.PENDING, approver__is_active=False)
    if approver is not None:
        stuck = stuck.filter(approver=approver)
    for task_id, request_id in list(stuck.values_list("pk", "request_id")):
        with transaction.atomic():
            request = ApprovalRequest.objects.select_for_update().get(pk=request_id)
            task = ApprovalTask.objects.select_related("approver").get(pk=task_id)
            if not (task.is_pending and request.is_pending) or task.approver.is_active:
                continue
            previous = task.approver
            assignment = approvers.route(previous, timezone.localdate(), submitter=request.submitted_by)
            if assignment.approver.pk == previous.pk:
                continue  # nobody active to take over (no active admin either): leave it, say nothing
            task.approver = assignment.approver
            task.on_behalf_of = task.on_behalf_of or previous
            task.handover = Handover.DEACTIVATED
            task.save(update_fields=["approver", "on_behalf_of", "handover"])
            registered = kind_of(request.kind)
            _record(
                request, _subject(registered, request), None, "approval.handed_over", _handover_payload(task, previous)
            )
            notify(
                user=task.approver,
                text=_("Approval needed: %(subject)s") % {"subject": request.subject_label},
                link=page_of(request),
            )
            moved += 1
    return moved


# Delegations ----------------------------------------------------------------------


@transaction.atomic
def create_delegation(*, by: User, delegate: User, starts_on: datetime.date, ends_on: datetime.date) -> Delegation:
    """While `by` is away (both days included), approval tasks that arise for them
    go to `delegate`. Windows of one user may not overlap; the window may not
    have ended already."""
    errors: dict[str, list[str]] = {}
    if delegate.pk == by.pk:
        errors["delegate"] = [_("Choose someone other than yourself.")]
    elif not delegate.is_active:
        errors["delegate"] = [_("This user is deactivated.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day comes on or after the first.")]
    elif ends_on < timezone.localdate():
        errors["ends_on"] = [_("Choose a last day that is today or later.")]
    if errors:
        raise ValidationError(errors)
    # Locking the user's row makes two overlapping windows saved at once queue up.
    User.objects.select_for_update().filter(pk=by.pk).first()
    if Delegation.objects.filter(user=by, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise ValidationError({"starts_on": [_("You already delegate for some of these days.")]})
    delegation = Delegation.objects.create(user=by, delegate=delegate, starts_on=starts_on, ends_on=ends_on)
    audit.record(
        actor=by,
        action="approval_delegation.created",
        target=delegation,
        payload={"delegate": delegate.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return delegation


@transaction.atomic
def delete_delegation(*, delegation: Delegation, by: User) -> None:
    """End a delegation of `by`'s own; tasks already given to the delegate stay theirs."""
    if delegation.user_id != by.pk:
        raise PermissionDenied(_("Only the one who delegates can remove it."))
    audit.record(
        actor=by,
        action="approval_delegation.deleted",
        target=delegation,
        payload={"delegate": delegation.delegate_id, "starts_on": delegation.starts_on.isoformat()},
    )
    delegation.delete()


# Settings ---------------------------------------------------------------------------


@transaction.atomic
def update_settings(*, by: User, remind_after_hours: int | None) -> ApprovalSettings:
    """Change how long a task waits before its approver is reminded (None: never); audit row old → new."""
    current = ApprovalSettings.objects.select_for_update().get(pk=approval_settings().pk)
    diff = audit.changes(current, ("remind_after_hours",), {"remind_after_hours": remind_after_hours})
    current.remind_after_hours = remind_after_hours
    try:
        current.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    current.save()
    if diff:
        audit.record(actor=by, action="approval.settings_changed", target=current, payload=diff)
    return current
