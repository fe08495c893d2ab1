"""The approvals inbox (我办理的事宜): what waits on me (approve, reject or return
in place, with htmx, from a phone as well), what I submitted, what I decided;
a request's page; the sidebar's pending count. Writes are crm.approvals.services
calls; reads its selectors (scope: crm/access/approval_scope.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import trigger_client_event

from crm.access.approval_scope import may_use_approvals
from crm.approvals import selectors, services
from crm.web.approvals import display
from crm.web.approvals.forms import DecisionForm
from crm.web.approvals.http import SignedInRequest
from crm.web.decorators import module_page
from crm.web.forms import add_service_errors

ROWS = 50
TABS = ("waiting", "submitted", "decided")
DECISIONS = {
    "approve": services.approve,
    "reject": services.reject,
    "return": services.return_to_submitter,
}
DONE = {
    "approve": gettext_lazy("Approved."),
    "reject": gettext_lazy("Rejected."),
    "return": gettext_lazy("Returned to the submitter."),
}


@module_page("approvals")
def inbox_page(request: SignedInRequest) -> HttpResponse:
    user = request.user
    tab = request.GET.get("tab")
    tab = tab if tab in TABS else "waiting"
    context: dict[str, Any] = {"tab": tab, "waiting_count": selectors.pending_count(user)}
    if tab == "waiting":
        tasks = list(selectors.inbox(user)[:ROWS])
        values = display.value_rows((task.request for task in tasks), user)
        context["items"] = [_item(task, values, DecisionForm()) for task in tasks]
    elif tab == "submitted":
        requests = list(selectors.submitted_by(user)[:ROWS])
        context["requests"] = [_request_row(approval) for approval in requests]
    else:
        context["decided"] = [
            {
                "task": task,
                "kind_label": display.kind_label(task.request.kind),
                "status_label": display.TASK_STATUSES.get(task.status, task.status),
            }
            for task in selectors.decided_by(user)[:ROWS]
        ]
    return render(request, "crm/approvals/inbox.html", context)


def _item(task: Any, values: dict[int, list[tuple[str, str]]], form: DecisionForm, **extra: Any) -> dict[str, Any]:
    """What an inbox card shows of one task."""
    step = task.request.steps[task.step] if task.step < len(task.request.steps) else {}
    return {
        "task": task,
        "kind_label": display.kind_label(task.request.kind),
        "step_title": step.get("name") or display.approvers_text(step),
        "step_number": task.step + 1,
        "step_count": len(task.request.steps),
        "handover_text": display.handover_text(task),
        "values": values.get(task.request_id, []),
        "form": form,
        "status_label": display.TASK_STATUSES.get(task.status, task.status),
        **extra,
    }


def _request_row(approval: Any) -> dict[str, Any]:
    waiting_on = [task.approver for task in approval.tasks.all() if task.status == "pending"]
    return {
        "request": approval,
        "kind_label": display.kind_label(approval.kind),
        "status_label": display.REQUEST_STATUSES.get(approval.status, approval.status),
        "waiting_on": waiting_on,
    }


@login_required
def pending_badge(request: SignedInRequest) -> HttpResponse:
    """The sidebar's count of tasks waiting on the user (htmx asks on load and every minute)."""
    count = selectors.pending_count(request.user) if may_use_approvals(request.user) else 0
    return render(request, "crm/approvals/_count.html", {"count": count})


@module_page("approvals")
def request_page(request: SignedInRequest, pk: int) -> HttpResponse:
    approval = selectors.request_get_for_user(request.user, pk)
    return render(request, "crm/approvals/request.html", request_context(request, approval))


def request_context(request: SignedInRequest, approval: Any) -> dict[str, Any]:
    """The request page: the request, its steps and tasks, the values, what the user may do, its history."""
    user = request.user
    mine = next((t for t in approval.tasks.all() if t.approver_id == user.pk and t.status == "pending"), None)
    kind = display.kind_or_none(approval.kind)
    subject_url = ""
    if kind is not None and selectors.subject_visible_to(user, approval):
        subject_url = kind.url(kind.get(approval.subject_id))
    return {
        "approval": approval,
        "kind_label": display.kind_label(approval.kind),
        "status_label": display.REQUEST_STATUSES.get(approval.status, approval.status),
        "steps": display.step_rows(approval),
        "values": display.value_rows([approval], user)[approval.pk],
        "my_task": mine,
        "form": DecisionForm(),
        "is_submitter": approval.submitted_by_id == user.pk and approval.status == "pending",
        "subject_url": subject_url,
        "history": selectors.history(approval)[:50],
    }


@module_page("approvals")
def decide(request: SignedInRequest, pk: int) -> HttpResponse:
    """POST decision=approve|reject|return with a comment on one of the user's
    tasks. With htmx the inbox card comes back (decided, or with its errors),
    else the page given as `next` (default: the request's page)."""
    task = selectors.task_get_for_user(request.user, pk)
    back = _next(request, reverse("approval", args=[task.request_id]))
    if request.method != "POST":
        return redirect(back)
    form = DecisionForm(request.POST)
    decision = request.POST.get("decision", "")
    done = False
    if decision not in DECISIONS:
        form.add_error(None, _("Choose approve, reject or return."))
    elif form.is_valid():
        try:
            DECISIONS[decision](task=task, by=request.user, comment=form.cleaned_data["comment"])
        except services.DecisionConflict as error:
            form.add_error(None, error.messages)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = True
    if request.htmx:
        task = selectors.task_get_for_user(request.user, pk)
        values = display.value_rows([task.request], request.user)
        response = render(request, "crm/approvals/_task.html", {"item": _item(task, values, form, just_decided=done)})
        if done:
            # The sidebar's count listens for this and asks again.
            trigger_client_event(response, "approvals-changed")
        return response
    if done:
        messages.success(request, DONE[decision])
    else:
        for message in [*form.non_field_errors(), *form.errors.get("comment", [])]:
            messages.error(request, str(message))
    return redirect(back)


def _next(request: SignedInRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return default
