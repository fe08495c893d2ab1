"""How the approval pages word a request: its steps as submitted with who decided
what, the subject's values, statuses. Reads only what the selectors loaded
(plus one query for the names of users among the values)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access.masking import MASK
from crm.approvals import conditions, registry
from crm.approvals.selectors import user_names, values_seen_by
from crm.users.selectors import roles
from crm.web.money import grouped

if TYPE_CHECKING:
    from crm.users.models import User

REQUEST_STATUSES = {
    "pending": gettext_lazy("Pending"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "returned": gettext_lazy("Returned"),
    "withdrawn": gettext_lazy("Withdrawn"),
}
TASK_STATUSES = {
    "pending": gettext_lazy("Waiting"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "returned": gettext_lazy("Returned"),
    "cancelled": gettext_lazy("Not needed"),
}
STEP_STATES = {
    "skipped": gettext_lazy("Skipped: its conditions did not apply"),
    "waiting": gettext_lazy("Waiting"),
    "approved": gettext_lazy("Approved"),
    "rejected": gettext_lazy("Rejected"),
    "returned": gettext_lazy("Returned"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "later": gettext_lazy("Not reached yet"),
    "not_reached": gettext_lazy("Not reached"),
}


def kind_label(kind: str) -> str:
    return str(registry.kind_of(kind).label) if registry.is_registered(kind) else kind


def kind_or_none(kind: str) -> registry.Kind | None:
    return registry.kind_of(kind) if registry.is_registered(kind) else None


def approvers_text(step: dict[str, Any]) -> str:
    """Who a step (as snapshotted, or as the admin set it) names."""
    kind = step.get("approver_type")
    if kind == "role":
        role_name = str(step.get("role") or "")
        role = dict(roles()).get(role_name, role_name)
        return _("Everyone with the role %(role)s") % {"role": role}
    if kind == "manager":
        levels = int(step.get("levels") or 1)
        if levels == 1:
            return _("The submitter's manager")
        return _("The submitter's managers, %(levels)d levels up") % {"levels": levels}
    return step.get("user_name") or _("A named user")


def mode_text(step: dict[str, Any]) -> str:
    return _("all of them must approve") if step.get("mode") == "all" else _("the first approval decides")


def conditions_text(step: dict[str, Any], kind: str) -> list[str]:
    found = kind_or_none(kind)
    return [conditions.describe(condition, found) for condition in step.get("conditions") or []]


@dataclass
class TaskRow:
    task: Any
    status_label: str
    handover_text: str


@dataclass
class StepRow:
    number: int
    title: str
    approvers: str
    mode: str
    conditions: list[str]
    state: str
    state_label: str
    tasks: list[TaskRow] = field(default_factory=list)


def handover_text(task: Any) -> str:
    if not task.handover:
        return ""
    if task.handover == "no_approver":
        return _("nobody else could approve this step")
    name = str(task.on_behalf_of) if task.on_behalf_of_id else ""
    if task.handover == "delegated":
        return _("for %(name)s, who delegated") % {"name": name}
    return _("took over from %(name)s (deactivated)") % {"name": name}


def step_rows(request: Any) -> list[StepRow]:
    """Each step of `request` as submitted, with its state and tasks."""
    tasks_by_step: dict[int, list[Any]] = {}
    for task in request.tasks.all():
        tasks_by_step.setdefault(task.step, []).append(task)
    rows = []
    for index, step in enumerate(request.steps):
        tasks = tasks_by_step.get(index, [])
        state = _step_state(request, index, step, tasks)
        rows.append(
            StepRow(
                number=index + 1,
                title=step.get("name") or approvers_text(step),
                approvers=approvers_text(step),
                mode=mode_text(step),
                conditions=conditions_text(step, request.kind),
                state=state,
                state_label=str(STEP_STATES[state]),
                tasks=[
                    TaskRow(task, str(TASK_STATUSES.get(task.status, task.status)), handover_text(task))
                    for task in tasks
                ],
            )
        )
    return rows


def _step_state(request: Any, index: int, step: dict[str, Any], tasks: list[Any]) -> str:
    if not step.get("applies"):
        return "skipped"
    statuses = {task.status for task in tasks}
    for ending in ("rejected", "returned"):
        if ending in statuses:
            return ending
    if request.status == "pending":
        if index == request.current_step:
            return "waiting"
        return "approved" if tasks else "later"
    if request.status == "withdrawn" and index == request.current_step:
        return "withdrawn"
    if tasks and "approved" in statuses and (request.status == "approved" or index < (request.current_step or 0)):
        return "approved"
    return "not_reached"


def value_rows(requests: Iterable[Any], user: User) -> dict[int, list[tuple[str, str]]]:
    """{request id: [(label, shown value)]}: each request's subject values as
    submitted and as `user` may read them, in the order its kind declares them
    (labels from the kind); the names of users among them in one query for all."""
    requests = list(requests)
    users: set[int] = set()
    for request in requests:
        found = kind_or_none(request.kind)
        for declared_field in found.fields if found else ():
            if declared_field.type == "user" and isinstance(request.values.get(declared_field.name), int):
                users.add(request.values[declared_field.name])
    names = user_names(users)
    rows: dict[int, list[tuple[str, str]]] = {}
    for request in requests:
        found = kind_or_none(request.kind)
        declared = {f.name: f for f in found.fields} if found else {}
        shown = []
        readable = values_seen_by(user, request)
        for name in [*declared, *(key for key in readable if key not in declared)]:
            if name not in readable or readable[name] in (None, ""):
                continue
            value = readable[name]
            value_field = declared.get(name)
            if value_field is not None and value_field.type == "user":
                value = names.get(value, value)
            elif value_field is not None and value_field.type == "decimal" and value != MASK:
                value = grouped(value)
            shown.append((str(value_field.label) if value_field else name, str(value)))
        rows[request.pk] = shown
    return rows
