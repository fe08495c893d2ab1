"""Flows: steps in order, conditions that skip a step, any-of and all-of steps,
the default flow, and the snapshot a request keeps of its flow."""

import pytest
from django.core.exceptions import ValidationError

from crm.approvals import flows, services
from crm.approvals.models import ApprovalFlow, ApprovalRequest
from crm.audit.models import AuditEvent
from tests.tenancy import in_tenant, user_of

from .conftest import above, deal_of, decide, manager_step, role_step, set_flow, status_of, submit, tasks_of, user_step

pytestmark = pytest.mark.django_db


def test_a_two_step_flow_goes_to_the_manager_then_to_the_managers_manager(tenant_a, org):
    set_flow(tenant_a, manager_step(name="Team lead"), user_step(user_of(tenant_a, "director"), name="Director"))
    request = submit(tenant_a, deal_of(tenant_a))
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "pending")]
    decide(tenant_a, request, "manager")
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "approved"), (2, "director@alpha.test", "pending")]
    assert status_of(tenant_a, request) == "pending"
    decide(tenant_a, request, "director")
    assert status_of(tenant_a, request) == "approved"


def test_a_step_whose_condition_fails_is_skipped(tenant_a, org):
    set_flow(tenant_a, manager_step(), user_step(user_of(tenant_a, "director"), conditions=[above(500000)]))
    request = submit(tenant_a, deal_of(tenant_a, amount="150000.00"))
    decide(tenant_a, request, "manager")
    assert status_of(tenant_a, request) == "approved"
    assert [task[1] for task in tasks_of(tenant_a, request)] == ["manager@alpha.test"]
    with in_tenant(tenant_a):
        assert [step["applies"] for step in ApprovalRequest.objects.get(pk=request.pk).steps] == [True, False]


def test_a_step_whose_condition_holds_applies(tenant_a, org):
    set_flow(tenant_a, manager_step(), user_step(user_of(tenant_a, "director"), conditions=[above(500000)]))
    request = submit(tenant_a, deal_of(tenant_a, amount="600000.00"))
    decide(tenant_a, request, "manager")
    assert tasks_of(tenant_a, request)[-1] == (2, "director@alpha.test", "pending")


def test_a_text_condition_compares_ignoring_case(tenant_a, org):
    stage_is_proposal = {"field": "stage", "op": "eq", "value": "proposal"}
    set_flow(tenant_a, manager_step(conditions=[stage_is_proposal]))
    qualifying = submit(tenant_a, deal_of(tenant_a, name="Early", stage="Qualification"))
    proposing = submit(tenant_a, deal_of(tenant_a, name="Late", stage="Proposal"))
    assert status_of(tenant_a, qualifying) == "approved"
    assert status_of(tenant_a, proposing) == "pending"


def test_when_every_step_is_skipped_no_approval_is_needed_and_the_kind_is_told_at_once(tenant_a, org):
    set_flow(tenant_a, manager_step(conditions=[above(1000000)]), role_step("director", conditions=[above(1000000)]))
    deal = deal_of(tenant_a, amount="150000.00")
    request = submit(tenant_a, deal)
    assert status_of(tenant_a, request) == "approved"
    assert tasks_of(tenant_a, request) == []
    with in_tenant(tenant_a):
        history = list(
            AuditEvent.objects.filter(target_type="deals.deal", target_id=deal.pk)
            .order_by("id")
            .values_list("action", "actor_id")
        )
    assert history[-2:] == [("approval.submitted", user_of(tenant_a, "sales").pk), ("approval.approved", None)]


def test_a_flow_without_steps_needs_no_approval(tenant_a, org):
    set_flow(tenant_a)
    assert status_of(tenant_a, submit(tenant_a, deal_of(tenant_a))) == "approved"


def test_without_a_flow_the_submitters_manager_approves(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "pending")]


def test_a_submitter_without_a_manager_goes_to_the_admin(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a, owner="sales2"), by="sales2")
    assert tasks_of(tenant_a, request) == [(1, "admin@alpha.test", "pending")]
    with in_tenant(tenant_a):
        assert ApprovalRequest.objects.get(pk=request.pk).tasks.get().handover == "no_approver"


def test_two_levels_of_managers_all_of_them_must_approve(tenant_a, org):
    set_flow(tenant_a, manager_step(levels=2, mode="all"))
    request = submit(tenant_a, deal_of(tenant_a))
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "pending"), (1, "director@alpha.test", "pending")]
    decide(tenant_a, request, "director")
    assert status_of(tenant_a, request) == "pending"
    decide(tenant_a, request, "manager")
    assert status_of(tenant_a, request) == "approved"


def test_in_an_any_of_step_the_first_approval_decides_and_closes_the_others(tenant_a, org):
    set_flow(tenant_a, manager_step(levels=2, mode="any"))
    request = submit(tenant_a, deal_of(tenant_a))
    decide(tenant_a, request, "director")
    assert status_of(tenant_a, request) == "approved"
    assert tasks_of(tenant_a, request) == [
        (1, "manager@alpha.test", "cancelled"),
        (1, "director@alpha.test", "approved"),
    ]


def test_a_role_step_never_asks_the_submitter_themselves(tenant_a, org):
    set_flow(tenant_a, role_step("manager"))
    request = submit(tenant_a, deal_of(tenant_a, owner="manager"), by="manager")
    assert [task[1] for task in tasks_of(tenant_a, request)] == ["admin@alpha.test"]


def test_editing_the_flow_does_not_change_a_request_in_progress(tenant_a, org):
    set_flow(tenant_a, manager_step(), user_step(user_of(tenant_a, "director")))
    request = submit(tenant_a, deal_of(tenant_a))
    flow = set_flow(tenant_a, manager_step())
    assert flow.version == 2
    decide(tenant_a, request, "manager")
    assert tasks_of(tenant_a, request)[-1] == (2, "director@alpha.test", "pending")
    with in_tenant(tenant_a):
        assert ApprovalRequest.objects.get(pk=request.pk).flow_version == 1
    later = submit(tenant_a, deal_of(tenant_a, name="Later"))
    decide(tenant_a, later, "manager")
    assert status_of(tenant_a, later) == "approved"


def test_saving_the_same_flow_again_makes_no_new_version(tenant_a, org):
    set_flow(tenant_a, manager_step())
    assert set_flow(tenant_a, manager_step()).version == 1


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"approver_type": "boss"}, "choose who approves"),
        ({"approver_type": "role", "role": "king"}, "choose a role"),
        ({"approver_type": "manager", "levels": 0}, "levels up"),
        ({"approver_type": "user", "user": 999999}, "choose an active user"),
        ({"approver_type": "manager", "conditions": [{"field": "colour", "op": "eq", "value": "red"}]}, "no field"),
        ({"approver_type": "manager", "conditions": [{"field": "stage", "op": "gt", "value": "5"}]}, "above or below"),
        ({"approver_type": "manager", "conditions": [{"field": "amount", "op": "gt", "value": "lots"}]}, "number"),
    ],
)
def test_a_wrong_step_is_refused_naming_it_and_nothing_is_saved(tenant_a, org, step, message):
    with in_tenant(tenant_a), pytest.raises(ValidationError) as refused:
        flows.save_flow(by=user_of(tenant_a, "admin"), kind="deal_registration", name="X", steps=[manager_step(), step])
    assert "Step 2" in str(refused.value.message_dict["steps"]) and message in str(refused.value.message_dict["steps"])
    with in_tenant(tenant_a):
        assert not ApprovalFlow.objects.exists()


def test_an_unknown_kind_cannot_be_submitted(tenant_a, org):
    deal = deal_of(tenant_a)
    with in_tenant(tenant_a), pytest.raises(ValidationError) as refused:
        services.submit(kind="no_such_kind", subject=deal, by=user_of(tenant_a, "sales"))
    assert "kind" in refused.value.message_dict
