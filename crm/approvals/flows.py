"""The admin's flows: saving a kind's steps (checked, versioned, audited) and the
snapshot a request takes of them at submission.

A kind without a flow uses DEFAULT_STEPS: the submitter's manager approves.
A flow with no steps, or whose steps' conditions all fail, needs no approval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.approvals import conditions
from crm.approvals.models import MAX_LEVELS, ApprovalFlow, ApprovalStep, ApproverType, Mode
from crm.approvals.registry import Kind, kind_of
from crm.audit import services as audit
from crm.users.models import Role, User

MAX_STEPS = 20
STEP_FIELDS = ("name", "approver_type", "role", "levels", "user", "mode", "conditions")
# The flow of a kind the admin has not set up: the submitter's manager, one level up.
DEFAULT_STEPS: tuple[dict[str, Any], ...] = (
    {
        "name": "",
        "approver_type": ApproverType.MANAGER.value,
        "role": "",
        "levels": 1,
        "user": None,
        "mode": Mode.ANY.value,
        "conditions": [],
    },
)


def clean_steps(raw: Any, kind: Kind) -> list[dict[str, Any]]:
    """`raw` (a list of step dicts, in order) checked and normalised to
    STEP_FIELDS; a ValidationError on `steps` naming the step otherwise."""
    if not isinstance(raw, list):
        raise ValidationError({"steps": [_("Give the steps as a list.")]})
    if len(raw) > MAX_STEPS:
        raise ValidationError({"steps": [_("A flow has at most %(count)d steps.") % {"count": MAX_STEPS}]})
    return [_clean_step(index, step, kind) for index, step in enumerate(raw, start=1)]


def _clean_step(index: int, raw: Any, kind: Kind) -> dict[str, Any]:
    def wrong(message: str) -> ValidationError:
        return ValidationError({"steps": [_("Step %(number)d: %(message)s") % {"number": index, "message": message}]})

    if not isinstance(raw, Mapping):
        raise wrong(_("give its approvers."))
    name = raw.get("name") or ""
    if not isinstance(name, str) or len(name) > 100:
        raise wrong(_("give a name of at most 100 characters."))
    approver_type = raw.get("approver_type")
    if approver_type not in ApproverType.values:
        raise wrong(_("choose who approves: a role, the submitter's managers or a named user."))
    mode = raw.get("mode") or Mode.ANY
    if mode not in Mode.values:
        raise wrong(_("choose whether any or all of the approvers must approve."))
    step: dict[str, Any] = {
        "name": name.strip(),
        "approver_type": approver_type,
        "role": "",
        "levels": 1,
        "user": None,
        "mode": mode,
    }
    if approver_type == ApproverType.ROLE:
        if raw.get("role") not in Role.values:
            raise wrong(_("choose a role."))
        step["role"] = raw["role"]
    elif approver_type == ApproverType.MANAGER:
        levels = raw.get("levels", 1)
        if isinstance(levels, bool) or not isinstance(levels, int) or not 1 <= levels <= MAX_LEVELS:
            raise wrong(_("choose between 1 and %(most)d levels up.") % {"most": MAX_LEVELS})
        step["levels"] = levels
    else:
        user = raw.get("user")
        user_id = getattr(user, "pk", user)
        if (
            isinstance(user_id, bool)
            or not isinstance(user_id, int)
            or not User.objects.filter(pk=user_id, is_active=True).exists()
        ):
            raise wrong(_("choose an active user."))
        step["user"] = user_id
    try:
        step["conditions"] = conditions.clean(raw.get("conditions"), kind)
    except ValidationError as error:
        raise wrong(" ".join(error.messages)) from None
    return step


def steps_of(flow: ApprovalFlow) -> list[dict[str, Any]]:
    """A flow's steps as dicts of STEP_FIELDS, in order."""
    return [
        {
            "name": step.name,
            "approver_type": step.approver_type,
            "role": step.role,
            "levels": step.levels,
            "user": step.user_id,
            "mode": step.mode,
            "conditions": step.conditions,
        }
        for step in flow.steps.all()
    ]


@transaction.atomic
def save_flow(*, by: User, kind: str, name: str, steps: Sequence[Mapping[str, Any]]) -> ApprovalFlow:
    """Make `steps` the flow of `kind` (creating it), as one new version. Requests
    already submitted keep the version they were submitted with. Audit row with
    the steps before and after; saving what is already there changes nothing."""
    registered = kind_of(kind)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": [_("Give the flow a name of at most 100 characters.")]})
    cleaned = clean_steps(list(steps), registered)
    flow = ApprovalFlow.objects.select_for_update().filter(kind=kind).first()
    if flow is None:
        try:
            with transaction.atomic():
                flow = ApprovalFlow.objects.create(kind=kind, name=name)
        except IntegrityError:
            # Someone created it a moment ago: edit theirs instead.
            flow = ApprovalFlow.objects.select_for_update().get(kind=kind)
        else:
            _write_steps(flow, cleaned)
            audit.record(
                actor=by,
                action="approval_flow.created",
                target=flow,
                payload={"kind": kind, "name": name, "version": flow.version, "steps": cleaned},
            )
            return flow
    before = steps_of(flow)
    if before == cleaned and flow.name == name:
        return flow
    flow.name = name
    flow.version += 1
    flow.save(update_fields=["name", "version", "updated_at"])
    _write_steps(flow, cleaned)
    audit.record(
        actor=by,
        action="approval_flow.updated",
        target=flow,
        payload={"kind": kind, "name": name, "version": flow.version, "steps": [before, cleaned]},
    )
    return flow


def _write_steps(flow: ApprovalFlow, steps: list[dict[str, Any]]) -> None:
    flow.steps.all().delete()
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            flow=flow,
            position=position,
            name=step["name"],
            approver_type=step["approver_type"],
            role=step["role"],
            levels=step["levels"],
            user_id=step["user"],
            mode=step["mode"],
            conditions=step["conditions"],
        )
        for position, step in enumerate(steps)
    )


@transaction.atomic
def delete_flow(*, by: User, flow: ApprovalFlow) -> None:
    """Remove a kind's flow: its requests from now on use DEFAULT_STEPS; those
    in progress keep their snapshot."""
    audit.record(
        actor=by,
        action="approval_flow.deleted",
        target=flow,
        payload={"kind": flow.kind, "name": flow.name, "version": flow.version},
    )
    flow.delete()


def snapshot(flow: ApprovalFlow | None, kind: Kind, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The steps a request keeps: the flow's (DEFAULT_STEPS without one), each
    with `applies` (its conditions hold on `values`) and, for a named user, the
    user's name as it was."""
    defaults = DEFAULT_STEPS if kind.default_steps is None else kind.default_steps
    steps = steps_of(flow) if flow is not None else [dict(step) for step in defaults]
    named = [step["user"] for step in steps if step["user"]]
    names = {user.pk: str(user) for user in User.objects.filter(pk__in=named)} if named else {}
    for step in steps:
        step["applies"] = conditions.all_met(step["conditions"], values, kind)
        if step["user"]:
            step["user_name"] = names.get(step["user"], "")
    return steps
