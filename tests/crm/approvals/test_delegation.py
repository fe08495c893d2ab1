"""Delegation windows (委托) and approvers who are deactivated: who gets the
task, and that the request says for whom and who took over."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm.approvals import services
from crm.approvals.models import ApprovalTask, Delegation
from crm.audit.models import AuditEvent
from crm.users.models import User
from tests.tenancy import in_tenant, user_of

from .conftest import deal_of, submit, tasks_of

pytestmark = pytest.mark.django_db


def away(tenant, who, to, starts_in, ends_in):
    """A delegation of `who` to `to` from `starts_in` to `ends_in` days from today (made directly:
    the service refuses windows already over)."""
    today = timezone.localdate()
    with in_tenant(tenant):
        return Delegation.objects.create(
            user=user_of(tenant, who),
            delegate=user_of(tenant, to),
            starts_on=today + datetime.timedelta(days=starts_in),
            ends_on=today + datetime.timedelta(days=ends_in),
        )


def only_task(tenant, request):
    with in_tenant(tenant):
        return ApprovalTask.objects.select_related("approver", "on_behalf_of").get(request=request)


def test_before_the_window_the_task_goes_to_the_user(tenant_a, org):
    away(tenant_a, "manager", "director", starts_in=1, ends_in=5)
    task = only_task(tenant_a, submit(tenant_a, deal_of(tenant_a)))
    assert (task.approver.email, task.on_behalf_of, task.handover) == ("manager@alpha.test", None, "")


def test_during_the_window_the_task_goes_to_the_delegate_recorded_for_whom(tenant_a, org):
    away(tenant_a, "manager", "director", starts_in=-1, ends_in=1)
    request = submit(tenant_a, deal_of(tenant_a))
    task = only_task(tenant_a, request)
    assert (task.approver.email, task.on_behalf_of.email, task.handover) == (
        "director@alpha.test",
        "manager@alpha.test",
        "delegated",
    )
    with in_tenant(tenant_a):
        handed = AuditEvent.objects.get(target_type="approvals.approvalrequest", action="approval.handed_over")
    assert (handed.payload["from_name"], handed.payload["to_name"], handed.payload["reason"]) == (
        str(user_of(tenant_a, "manager")),
        str(user_of(tenant_a, "director")),
        "delegated",
    )


def test_on_the_last_day_of_the_window_the_delegate_still_gets_it(tenant_a, org):
    away(tenant_a, "manager", "director", starts_in=-3, ends_in=0)
    assert only_task(tenant_a, submit(tenant_a, deal_of(tenant_a))).approver.email == "director@alpha.test"


def test_after_the_window_the_task_goes_to_the_user_again(tenant_a, org):
    away(tenant_a, "manager", "director", starts_in=-5, ends_in=-1)
    assert only_task(tenant_a, submit(tenant_a, deal_of(tenant_a))).approver.email == "manager@alpha.test"


def test_tasks_that_arose_before_the_window_stay_with_the_user(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    with in_tenant(tenant_a):
        services.create_delegation(
            by=user_of(tenant_a, "manager"),
            delegate=user_of(tenant_a, "director"),
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
        )
    assert tasks_of(tenant_a, request) == [(1, "manager@alpha.test", "pending")]


def test_a_delegate_who_is_away_too_passes_it_on_but_never_back(tenant_a, org):
    away(tenant_a, "manager", "director", starts_in=0, ends_in=2)
    away(tenant_a, "director", "manager", starts_in=0, ends_in=2)
    task = only_task(tenant_a, submit(tenant_a, deal_of(tenant_a)))
    assert (task.approver.email, task.on_behalf_of.email) == ("director@alpha.test", "manager@alpha.test")


@pytest.mark.parametrize(
    ("delegate", "starts_in", "ends_in", "field"),
    [("manager", 0, 1, "delegate"), ("director", 2, 1, "ends_on"), ("director", -3, -1, "ends_on")],
)
def test_a_wrong_delegation_is_refused(tenant_a, org, delegate, starts_in, ends_in, field):
    today = timezone.localdate()
    with in_tenant(tenant_a), pytest.raises(ValidationError) as refused:
        services.create_delegation(
            by=user_of(tenant_a, "manager"),
            delegate=user_of(tenant_a, delegate),
            starts_on=today + datetime.timedelta(days=starts_in),
            ends_on=today + datetime.timedelta(days=ends_in),
        )
    assert field in refused.value.message_dict
    with in_tenant(tenant_a):
        assert not Delegation.objects.exists()


def test_overlapping_windows_are_refused(tenant_a, org):
    away(tenant_a, "manager", "director", starts_in=0, ends_in=5)
    with in_tenant(tenant_a), pytest.raises(ValidationError):
        services.create_delegation(
            by=user_of(tenant_a, "manager"),
            delegate=user_of(tenant_a, "admin"),
            starts_on=timezone.localdate() + datetime.timedelta(days=5),
            ends_on=timezone.localdate() + datetime.timedelta(days=9),
        )


def test_a_deactivated_approver_is_taken_over_by_their_manager_and_the_request_says_so(tenant_a, org):
    with in_tenant(tenant_a):
        User.objects.filter(email="manager@alpha.test").update(is_active=False)
    request = submit(tenant_a, deal_of(tenant_a))
    task = only_task(tenant_a, request)
    assert (task.approver.email, task.on_behalf_of.email, task.handover) == (
        "director@alpha.test",
        "manager@alpha.test",
        "deactivated",
    )
    with in_tenant(tenant_a):
        handed = AuditEvent.objects.get(target_type="approvals.approvalrequest", action="approval.handed_over")
    assert handed.payload["to_name"] == str(user_of(tenant_a, "director"))


def test_a_task_waiting_on_someone_deactivated_since_moves_to_who_takes_over(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    with in_tenant(tenant_a):
        User.objects.filter(email="manager@alpha.test").update(is_active=False)
        assert services.hand_over_from_inactive_approvers() == 1
        assert services.hand_over_from_inactive_approvers() == 0
    task = only_task(tenant_a, request)
    assert (task.approver.email, task.on_behalf_of.email, task.handover) == (
        "director@alpha.test",
        "manager@alpha.test",
        "deactivated",
    )


def test_a_deactivated_approver_without_an_active_manager_goes_to_the_admin(tenant_a, org):
    with in_tenant(tenant_a):
        User.objects.filter(email__in=["manager@alpha.test", "director@alpha.test"]).update(is_active=False)
    task = only_task(tenant_a, submit(tenant_a, deal_of(tenant_a)))
    assert (task.approver.email, task.on_behalf_of.email) == ("admin@alpha.test", "manager@alpha.test")
