"""The approval engine's tests use its one real kind, deal registration, on
tenant_a's users: `sales` in team East (managed by `manager`), East inside
Region (managed by `director`); `sales2` in team West, which has no manager."""

import pytest

from crm.approvals import flows, services
from crm.approvals.models import ApprovalRequest, ApprovalTask
from crm.deals.registration import KIND
from crm.teams.models import Team, TeamMembership
from tests.crm.deals.factories import make_deal
from tests.tenancy import in_tenant, user_of


@pytest.fixture
def org(tenant_a):
    with in_tenant(tenant_a):
        region = Team.objects.create(name="Region", manager=user_of(tenant_a, "director"))
        east = Team.objects.create(name="East", manager=user_of(tenant_a, "manager"), parent=region)
        west = Team.objects.create(name="West")
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=east)
        TeamMembership.objects.create(user=user_of(tenant_a, "sales2"), team=west)
    return {"region": region, "east": east, "west": west}


def manager_step(levels=1, mode="any", conditions=(), name=""):
    return {"name": name, "approver_type": "manager", "levels": levels, "mode": mode, "conditions": list(conditions)}


def role_step(role, mode="any", conditions=(), name=""):
    return {"name": name, "approver_type": "role", "role": role, "mode": mode, "conditions": list(conditions)}


def user_step(user, mode="any", conditions=(), name=""):
    return {"name": name, "approver_type": "user", "user": user.pk, "mode": mode, "conditions": list(conditions)}


def above(amount):
    return {"field": "amount", "op": "gt", "value": str(amount)}


def set_flow(tenant, *steps, name="Registration"):
    with in_tenant(tenant):
        return flows.save_flow(by=user_of(tenant, "admin"), kind=KIND, name=name, steps=list(steps))


def deal_of(tenant, owner="sales", amount="150000.00", **fields):
    return make_deal(tenant, owner, name=fields.pop("name", f"Deal of {owner}"), amount=amount, **fields)


def submit(tenant, deal, by="sales"):
    with in_tenant(tenant):
        return services.submit(kind=KIND, subject=deal, by=user_of(tenant, by))


def tasks_of(tenant, request):
    """[(step number, approver e-mail, status)] of a request, in order."""
    with in_tenant(tenant):
        return [
            (task.step + 1, task.approver.email, task.status)
            for task in ApprovalTask.objects.filter(request=request).select_related("approver").order_by("step", "id")
        ]


def task_for(tenant, request, approver):
    with in_tenant(tenant):
        return ApprovalTask.objects.get(request=request, approver=user_of(tenant, approver), status="pending")


def status_of(tenant, request):
    with in_tenant(tenant):
        return ApprovalRequest.objects.get(pk=request.pk).status


def decide(tenant, request, approver, how="approve", comment="ok"):
    task = task_for(tenant, request, approver)
    with in_tenant(tenant):
        service = {"approve": services.approve, "reject": services.reject, "return": services.return_to_submitter}
        return service[how](task=task, by=user_of(tenant, approver), comment=comment)
