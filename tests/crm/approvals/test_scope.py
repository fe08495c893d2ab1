"""Who sees a request: its submitter, its approvers (and those a task was handed
over from), whoever may see its subject; nobody else (404, as if missing),
nobody on another tenant's host, nobody whose role the admin hid approvals from."""

import datetime

import pytest
from django.utils import timezone

from crm.access.models import ModulePermission
from crm.approvals.models import ApprovalTask, Delegation
from crm.teams.models import Team, TeamMembership
from tests.tenancy import api_client, in_tenant, user_of

from .conftest import deal_of, submit, task_for

pytestmark = pytest.mark.django_db


def get(tenant, local, path):
    return api_client(tenant, user_of(tenant, local)).get(path)


def test_a_sales_user_cannot_see_another_teams_request(tenant_a, org):
    theirs = submit(tenant_a, deal_of(tenant_a, owner="sales2"), by="sales2")
    with in_tenant(tenant_a):
        task = ApprovalTask.objects.get(request=theirs)
    assert get(tenant_a, "sales", f"/api/v1/approval-requests/{theirs.pk}/").status_code == 404
    assert get(tenant_a, "sales", f"/api/v1/approvals/{task.pk}/").status_code == 404
    missing = get(tenant_a, "sales", "/api/v1/approval-requests/999999/")
    assert get(tenant_a, "sales", f"/api/v1/approval-requests/{theirs.pk}/").json() == missing.json()
    assert get(tenant_a, "sales", "/api/v1/approval-requests/").json()["count"] == 0


def test_nor_a_subjects_requests_by_asking_for_the_subject(tenant_a, org):
    theirs = submit(tenant_a, deal_of(tenant_a, owner="sales2"), by="sales2")
    listed = get(tenant_a, "sales", f"/api/v1/approval-requests/?kind=deal_registration&subject={theirs.subject_id}")
    assert listed.status_code == 200 and listed.json()["count"] == 0


def test_the_submitter_and_the_approver_see_it(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    for local in ("sales", "manager"):
        assert get(tenant_a, local, f"/api/v1/approval-requests/{request.pk}/").status_code == 200


def test_whoever_may_see_the_subject_sees_its_requests(tenant_a, org):
    # The director sees every deal, though no task of this request is theirs.
    request = submit(tenant_a, deal_of(tenant_a))
    assert get(tenant_a, "director", f"/api/v1/approval-requests/{request.pk}/").status_code == 200
    path = f"/api/v1/approval-requests/?kind=deal_registration&subject={request.subject_id}"
    listed = get(tenant_a, "director", path)
    assert [row["id"] for row in listed.json()["results"]] == [request.pk]


def test_the_one_who_delegated_still_sees_the_request(tenant_a, org):
    with in_tenant(tenant_a):
        Delegation.objects.create(
            user=user_of(tenant_a, "manager"),
            delegate=user_of(tenant_a, "sales2"),
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "sales2")
    assert get(tenant_a, "sales2", f"/api/v1/approvals/{task.pk}/").status_code == 200
    assert get(tenant_a, "manager", f"/api/v1/approval-requests/{request.pk}/").status_code == 200


def test_an_approval_of_tenant_b_is_a_404_on_tenant_a(tenant_a, tenant_b):
    with in_tenant(tenant_b):
        team = Team.objects.create(name="B team", manager=user_of(tenant_b, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_b, "sales"), team=team)
    request = submit(tenant_b, deal_of(tenant_b))
    task = task_for(tenant_b, request, "manager")
    for path in (f"/api/v1/approvals/{task.pk}/", f"/api/v1/approval-requests/{request.pk}/"):
        assert get(tenant_b, "manager", path).status_code == 200
        assert get(tenant_a, "admin", path).status_code == 404
    refused = api_client(tenant_a, user_of(tenant_a, "manager")).post(
        f"/api/v1/approvals/{task.pk}/approve/", {"comment": ""}, format="json"
    )
    assert refused.status_code == 404
    with in_tenant(tenant_b):
        assert ApprovalTask.objects.get(pk=task.pk).status == "pending"


def test_a_role_the_admin_hid_approvals_from_sees_none_of_it(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    with in_tenant(tenant_a):
        ModulePermission.objects.create(role="manager", module="approvals", hidden=True)
    client = api_client(tenant_a, user_of(tenant_a, "manager"))
    assert client.get("/api/v1/approvals/?status=pending").status_code == 403
    assert client.get(f"/api/v1/approval-requests/{request.pk}/").status_code == 403
