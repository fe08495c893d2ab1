"""Two approvers deciding one request at the same moment, each on its own
database connection, on committed data: exactly one wins, the other is told
(409) and nothing of theirs is written."""

import threading

import pytest
from django.db import connection

from crm.accounts.models import Account
from crm.activities.models import Notification
from crm.approvals.models import ApprovalFlow, ApprovalRequest, ApprovalTask
from crm.audit.models import AuditEvent
from crm.deals.models import Deal
from crm.teams.models import Team
from tests.tenancy import api_client, in_tenant, user_of

from .conftest import deal_of, manager_step, set_flow, submit


@pytest.fixture
def committed_request(committed_db, tenant_a):
    """A deal registration waiting on `manager` and `director` (any of them), committed."""
    with in_tenant(tenant_a):
        region = Team.objects.create(name="Race region", manager=user_of(tenant_a, "director"))
        east = Team.objects.create(name="Race east", manager=user_of(tenant_a, "manager"), parent=region)
        east.memberships.create(user=user_of(tenant_a, "sales"))
    set_flow(tenant_a, manager_step(levels=2, mode="any"))
    deal = deal_of(tenant_a, name="Race deal")
    request = submit(tenant_a, deal)
    yield request
    with in_tenant(tenant_a):
        AuditEvent.objects.filter(target_type="approvals.approvalrequest", target_id=request.pk).delete()
        AuditEvent.objects.filter(target_type="deals.deal", target_id=deal.pk).delete()
        AuditEvent.objects.filter(target_type="accounts.account", target_id=deal.account_id).delete()
        AuditEvent.objects.filter(target_type="approvals.approvalflow").delete()
        Notification.objects.filter(text__contains="Race deal").delete()
        ApprovalRequest.objects.filter(pk=request.pk).delete()
        ApprovalFlow.objects.all().delete()
        Deal.objects.filter(pk=deal.pk).delete()
        Account.objects.filter(pk=deal.account_id).delete()
        Team.objects.filter(pk__in=[east.pk, region.pk]).delete()


def test_an_approval_and_a_rejection_at_once_exactly_one_wins(tenant_a, committed_request):
    with in_tenant(tenant_a):
        tasks = {t.approver.email: t.pk for t in ApprovalTask.objects.filter(request=committed_request)}
    manager, director = user_of(tenant_a, "manager"), user_of(tenant_a, "director")
    calls = [
        (api_client(tenant_a, manager), f"/api/v1/approvals/{tasks[manager.email]}/approve/"),
        (api_client(tenant_a, director), f"/api/v1/approvals/{tasks[director.email]}/reject/"),
    ]
    barrier, statuses = threading.Barrier(2), {}

    def decide(client, url):
        try:
            barrier.wait()
            statuses[url] = client.post(url, {"comment": "at once"}, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(response.status_code for response in statuses.values())
    assert codes == [200, 409], {url: r.content for url, r in statuses.items()}
    loser = next(r for r in statuses.values() if r.status_code == 409)
    assert set(loser.json()) == {"detail"}
    with in_tenant(tenant_a):
        request = ApprovalRequest.objects.get(pk=committed_request.pk)
        decided = list(ApprovalTask.objects.filter(request=request).exclude(status="cancelled"))
        endings = AuditEvent.objects.filter(
            target_type="approvals.approvalrequest",
            target_id=request.pk,
            action__in=["approval.approved", "approval.rejected"],
        ).count()
    assert request.status in ("approved", "rejected")
    assert len(decided) == 1 and endings == 1
