"""Deciding: rejection and resubmission, returning to the submitter, withdrawing,
one pending request per subject, only the approver decides, history on the
request and on the subject, the submitter hears the outcome."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crm.activities.models import Notification
from crm.approvals import services
from crm.approvals.models import ApprovalRequest, ApprovalTask
from crm.audit.models import AuditEvent
from tests.tenancy import in_tenant, user_of

from .conftest import deal_of, decide, manager_step, set_flow, status_of, submit, task_for, tasks_of

pytestmark = pytest.mark.django_db


def test_a_rejected_request_ends_and_the_subject_may_be_submitted_again(tenant_a, org):
    deal = deal_of(tenant_a)
    first = submit(tenant_a, deal)
    decide(tenant_a, first, "manager", "reject", comment="Customer already registered by West")
    assert status_of(tenant_a, first) == "rejected"
    second = submit(tenant_a, deal)
    assert second.pk != first.pk and status_of(tenant_a, second) == "pending"
    decide(tenant_a, second, "manager")
    assert (status_of(tenant_a, first), status_of(tenant_a, second)) == ("rejected", "approved")


def test_rejecting_needs_a_reason_and_changes_nothing_without_one(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    with pytest.raises(ValidationError) as refused:
        decide(tenant_a, request, "manager", "reject", comment="  ")
    assert "comment" in refused.value.message_dict
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "pending")]


def test_returning_sends_the_request_back_to_draft_and_it_may_be_resubmitted(tenant_a, org):
    set_flow(tenant_a, manager_step(), manager_step(levels=2))
    deal = deal_of(tenant_a)
    request = submit(tenant_a, deal)
    decide(tenant_a, request, "manager", "return", comment="Add the end customer's name")
    assert status_of(tenant_a, request) == "returned"
    with in_tenant(tenant_a):
        assert Notification.objects.filter(user=user_of(tenant_a, "sales"), text__startswith="Returned to you").exists()
    again = submit(tenant_a, deal)
    assert tasks_of(tenant_a, again) == [(1, "manager@alpha.test", "pending")]


def test_the_submitter_may_withdraw_a_pending_request(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    with in_tenant(tenant_a):
        services.withdraw(request=request, by=user_of(tenant_a, "sales"))
    assert status_of(tenant_a, request) == "withdrawn"
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "cancelled")]


def test_nobody_but_the_submitter_withdraws(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    with in_tenant(tenant_a), pytest.raises(PermissionDenied):
        services.withdraw(request=request, by=user_of(tenant_a, "manager"))
    assert status_of(tenant_a, request) == "pending"


def test_a_subject_with_a_pending_request_cannot_be_submitted_twice(tenant_a, org):
    deal = deal_of(tenant_a)
    submit(tenant_a, deal)
    with pytest.raises(ValidationError):
        submit(tenant_a, deal)
    with in_tenant(tenant_a):
        assert ApprovalRequest.objects.filter(subject_id=deal.pk).count() == 1


def test_only_the_tasks_approver_decides_it(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    with in_tenant(tenant_a), pytest.raises(PermissionDenied):
        services.approve(task=task, by=user_of(tenant_a, "director"))
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "pending")]


def test_a_decided_task_cannot_be_decided_again(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    with in_tenant(tenant_a):
        services.approve(task=task, by=user_of(tenant_a, "manager"))
        with pytest.raises(services.DecisionConflict):
            services.reject(task=task, by=user_of(tenant_a, "manager"), comment="changed my mind")
        assert ApprovalTask.objects.get(pk=task.pk).status == "approved"


def test_every_step_leaves_history_on_the_request_and_on_the_deal(tenant_a, org):
    deal = deal_of(tenant_a)
    request = submit(tenant_a, deal)
    decide(tenant_a, request, "manager", comment="Fine by me")
    with in_tenant(tenant_a):
        on_request = list(
            AuditEvent.objects.filter(target_type="approvals.approvalrequest", target_id=request.pk)
            .order_by("id")
            .values_list("action", flat=True)
        )
        on_deal = list(
            AuditEvent.objects.filter(target_type="deals.deal", target_id=deal.pk, action__startswith="approval.")
            .order_by("id")
            .values_list("action", flat=True)
        )
        approved = AuditEvent.objects.get(target_type="deals.deal", target_id=deal.pk, action="approval.task_approved")
    expected = ["approval.submitted", "approval.task_approved", "approval.approved"]
    assert on_request == expected and on_deal == expected
    assert approved.payload["comment"] == "Fine by me" and approved.actor_id == user_of(tenant_a, "manager").pk


def test_the_approver_is_notified_and_the_submitter_hears_the_outcome(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a, name="Harbour cranes"))
    with in_tenant(tenant_a):
        assert list(Notification.objects.filter(user=user_of(tenant_a, "manager")).values_list("text", "link")) == [
            ("Approval needed: Harbour cranes", f"/approvals/{request.pk}/")
        ]
    decide(tenant_a, request, "manager")
    with in_tenant(tenant_a):
        assert Notification.objects.filter(user=user_of(tenant_a, "sales"), text="Approved: Harbour cranes").exists()
