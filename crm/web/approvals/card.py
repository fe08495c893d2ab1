"""The approval card a subject's page includes (`{% approval_card kind subject %}`,
crm/templatetags/approvals.py): the latest request's status, steps, who
decided what and their comments, and the buttons to submit, withdraw and urge.
The buttons answer with the card again (htmx) or go back to the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import trigger_client_event

from crm.approvals import registry, selectors, services
from crm.web.approvals import display
from crm.web.approvals.http import SignedInRequest
from crm.web.approvals.inbox import _next
from crm.web.decorators import module_page

EARLIER = 5


def card_context(user: Any, kind: str, subject: Any, submit_label: str = "", hint: str = "") -> dict[str, Any]:
    """What the card shows for `subject` (which the caller fetched through the
    user's scope, so the user may see its requests); `submit_label` names the
    submit button, `hint` says why to submit while it may be."""
    requests = list(selectors.requests_for_subject(kind, subject.pk)[: EARLIER + 1])
    latest = requests[0] if requests else None
    pending = latest is not None and latest.status == "pending"
    mine = latest is not None and latest.submitted_by_id == user.pk
    return {
        "kind": kind,
        "kind_label": display.kind_label(kind),
        "subject": subject,
        "latest": latest,
        "status_label": display.REQUEST_STATUSES.get(latest.status, latest.status) if latest else "",
        "steps": display.step_rows(latest) if latest else [],
        "earlier": [(r, display.REQUEST_STATUSES.get(r.status, r.status)) for r in requests[1:]],
        "my_task": next((t for t in latest.tasks.all() if t.approver_id == user.pk and t.status == "pending"), None)
        if pending and latest
        else None,
        # An approved subject is done; a rejected, returned or withdrawn one may be submitted again.
        "may_submit": latest is None or latest.status not in ("pending", "approved"),
        "may_withdraw": pending and mine,
        "may_urge": pending and mine,
        "submit_label": submit_label or _("Submit for approval"),
        "hint": hint,
        "url": reverse("approval-card", args=[kind, subject.pk]),
        "back": registry.kind_of(kind).url(subject),
    }


def _subject(user: Any, kind: str, subject_id: Any) -> Any:
    if not registry.is_registered(kind):
        raise Http404
    return registry.kind_of(kind).get_for_user(user, subject_id)


def _card_response(
    request: SignedInRequest, kind: str, subject: Any, *, message: str = "", error: str = "", changed: bool = False
) -> HttpResponse:
    context = card_context(
        request.user, kind, subject, request.POST.get("submit_label", ""), request.POST.get("hint", "")
    )
    response = render(request, "crm/approvals/_card.html", {"card": {**context, "message": message, "error": error}})
    if changed:
        trigger_client_event(response, "approvals-changed")
    return response


@module_page("approvals")
def card(request: SignedInRequest, kind: str, subject_id: int) -> HttpResponse:
    return _card_response(request, kind, _subject(request.user, kind, subject_id))


@module_page("approvals")
def submit(request: SignedInRequest) -> HttpResponse:
    """POST kind and subject: submit a subject the user may see for approval."""
    kind = request.POST.get("kind", "")
    subject = _subject(request.user, kind, request.POST.get("subject"))
    back = _next(request, registry.kind_of(kind).url(subject))
    if request.method != "POST":
        return redirect(back)
    message = error = ""
    try:
        made = services.submit(kind=kind, subject=subject, by=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        message = _("Approved: no approval was needed.") if made.status == "approved" else _("Submitted for approval.")
    return _answer(request, kind, subject, back, message, error)


@module_page("approvals")
def withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    approval = selectors.request_get_for_user(request.user, pk)
    return _on_request(request, approval, services.withdraw, _("Withdrawn."))


@module_page("approvals")
def urge(request: SignedInRequest, pk: int) -> HttpResponse:
    approval = selectors.request_get_for_user(request.user, pk)
    return _on_request(request, approval, services.urge, _("The approvers were reminded."))


def _on_request(request: SignedInRequest, approval: Any, service: Any, done: str) -> HttpResponse:
    back = _next(request, reverse("approval", args=[approval.pk]))
    if request.method != "POST":
        return redirect(back)
    message = error = ""
    try:
        service(request=approval, by=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    else:
        message = done
    subject = None
    if request.htmx and request.htmx.target == "approval-card":
        try:
            subject = _subject(request.user, approval.kind, approval.subject_id)
        except Http404:
            subject = None
    if subject is None:
        return _redirect_with(request, back, message, error)
    return _answer(request, approval.kind, subject, back, message, error)


def _answer(request: SignedInRequest, kind: str, subject: Any, back: str, message: str, error: str) -> HttpResponse:
    if request.htmx:
        return _card_response(request, kind, subject, message=message, error=error, changed=bool(message))
    return _redirect_with(request, back, message, error)


def _redirect_with(request: SignedInRequest, back: str, message: str, error: str) -> HttpResponse:
    if message:
        messages.success(request, message)
    if error:
        messages.error(request, error)
    return redirect(back)
