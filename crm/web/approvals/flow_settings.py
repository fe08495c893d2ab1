"""Settings → Approvals (admin): each kind's flow (steps, who approves, any or
all, conditions), the reminder setting. Every change of a flow is one call of
crm.approvals.flows.save_flow with the whole new list of steps (a new version;
requests in progress keep theirs)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.approvals import flows, registry, selectors, services
from crm.web.approvals import display
from crm.web.approvals.forms import ApprovalSettingsForm, FlowNameForm, StepForm
from crm.web.approvals.http import SignedInRequest
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import saved


def _kind(name: str) -> registry.Kind:
    if not registry.is_registered(name):
        raise Http404
    return registry.kind_of(name)


def _step_view(step: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "title": step.get("name") or display.approvers_text(step),
        "approvers": display.approvers_text(step),
        "mode": display.mode_text(step),
        "conditions": display.conditions_text(step, kind),
    }


def _named(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A named user's step shows their name (the flow stores their id).
    names = selectors.user_names(step["user"] for step in steps if step.get("user"))
    return [{**step, "user_name": names.get(step["user"], "") if step.get("user") else ""} for step in steps]


@admin_page
def approvals_settings(request: SignedInRequest) -> HttpResponse:
    form = ApprovalSettingsForm(
        request.POST or None, initial={"remind_after_hours": selectors.approval_settings().remind_after_hours}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Approval settings saved."), reverse("settings-approvals"))
    by_kind = {flow.kind: flow for flow in selectors.flows()}
    kinds = []
    for kind in registry.kinds():
        flow = by_kind.get(kind.name)
        steps = _named(flows.steps_of(flow)) if flow else [dict(step) for step in flows.DEFAULT_STEPS]
        kinds.append({"kind": kind, "flow": flow, "steps": [_step_view(step, kind.name) for step in steps]})
    context = {"form": form, "kinds": kinds, "action": reverse("settings-approvals")}
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/approvals/settings/home.html", context, status=status)


def _current(kind: str) -> tuple[Any, list[dict[str, Any]]]:
    flow = selectors.flow_for(kind)
    return flow, flows.steps_of(flow) if flow else []


def _save(request: SignedInRequest, kind: registry.Kind, steps: list[dict[str, Any]], name: str | None = None) -> Any:
    flow, _steps = _current(kind.name)
    return flows.save_flow(
        by=request.user,
        kind=kind.name,
        name=name or (flow.name if flow else str(kind.label)),
        steps=steps,
    )


@admin_page
def flow_page(request: SignedInRequest, kind: str) -> HttpResponse:
    found = _kind(kind)
    flow, steps = _current(kind)
    name_form = FlowNameForm(
        request.POST if request.POST.get("action") == "rename" else None,
        initial={"name": flow.name if flow else str(found.label)},
    )
    here = reverse("settings-approval-flow", args=[kind])
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create" and flow is None:
            _save(request, found, [dict(step) for step in flows.DEFAULT_STEPS])
            return saved(request, _("Flow set up."), here)
        if action == "rename" and flow is not None and name_form.is_valid():
            try:
                _save(request, found, steps, name=name_form.cleaned_data["name"])
            except ValidationError as error:
                add_service_errors(name_form, error)
            else:
                return saved(request, _("Flow saved."), here)
        if action == "delete" and flow is not None:
            flows.delete_flow(by=request.user, flow=flow)
            return saved(request, _("Flow removed: the submitter's manager approves again."), here)
    shown = _named(steps) if flow else [dict(step) for step in flows.DEFAULT_STEPS]
    context = {
        "kind": found,
        "flow": flow,
        "steps": [{"number": n, **_step_view(step, kind)} for n, step in enumerate(shown, start=1)],
        "name_form": name_form,
        "fields": found.fields,
    }
    return render(request, "crm/approvals/settings/flow.html", context, status=400 if name_form.errors else 200)


@admin_page
def step_create(request: SignedInRequest, kind: str) -> HttpResponse:
    return _step_form(request, _kind(kind), None)


@admin_page
def step_edit(request: SignedInRequest, kind: str, number: int) -> HttpResponse:
    return _step_form(request, _kind(kind), number)


def _step_form(request: SignedInRequest, kind: registry.Kind, number: int | None) -> HttpResponse:
    _flow, steps = _current(kind.name)
    if number is not None and not 1 <= number <= len(steps):
        raise Http404
    initial = StepForm.initial_for(steps[number - 1]) if number else {"levels": 1, "mode": "any"}
    form = StepForm(request.POST or None, initial=initial, kind=kind)
    here = reverse("settings-approval-flow", args=[kind.name])
    if request.method == "POST" and form.is_valid():
        changed = list(steps)
        if number is None:
            changed.append(form.step())
        else:
            changed[number - 1] = form.step()
        try:
            _save(request, kind, changed)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Flow saved."), here)
    title = _("Step %(number)d") % {"number": number} if number else _("New step")
    context = {"form": form, "kind": kind, "title": title, "cancel": here, "action": request.path}
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/approvals/settings/step_form.html", context, status=status)


@admin_page
def step_delete(request: SignedInRequest, kind: str, number: int) -> HttpResponse:
    found = _kind(kind)
    _flow, steps = _current(kind)
    if not 1 <= number <= len(steps):
        raise Http404
    if request.method == "POST":
        _save(request, found, steps[: number - 1] + steps[number:])
        return saved(request, _("Step removed."), reverse("settings-approval-flow", args=[kind]))
    return redirect("settings-approval-flow", kind=kind)


@admin_page
def step_move(request: SignedInRequest, kind: str, number: int) -> HttpResponse:
    """POST direction=up|down: swap the step with its neighbour."""
    found = _kind(kind)
    _flow, steps = _current(kind)
    if not 1 <= number <= len(steps):
        raise Http404
    other = number - 1 if request.POST.get("direction") == "up" else number + 1
    if request.method == "POST" and 1 <= other <= len(steps):
        steps[number - 1], steps[other - 1] = steps[other - 1], steps[number - 1]
        _save(request, found, steps)
    return redirect("settings-approval-flow", kind=kind)
