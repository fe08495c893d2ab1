"""The approvals API as CONTRACT.md states it: `GET /api/v1/approvals/?status=pending`
is the caller's inbox (`id`, `subject` {kind, id, label}, `status`, `approver`),
`POST /api/v1/approvals/<id>/approve/`, `/reject/` and `/return/` with
{"comment"}; requests, flows, delegations and settings beside it."""

import datetime

import pytest
from django.utils import timezone

from crm.approvals.models import ApprovalFlow, ApprovalRequest, ApprovalTask, Delegation
from tests.crm.approvals.conftest import deal_of, manager_step, org, set_flow, submit, task_for  # noqa: F401
from tests.tenancy import api_client, in_tenant, user_of

# `org` (teams East under Region, West) for every test here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("org")]


def client_of(tenant, local):
    return api_client(tenant, user_of(tenant, local))


def test_the_inbox_lists_what_waits_on_the_caller(tenant_a):
    request = submit(tenant_a, deal_of(tenant_a, name="Harbour cranes"))
    task = task_for(tenant_a, request, "manager")
    inbox = client_of(tenant_a, "manager").get("/api/v1/approvals/?status=pending")
    assert inbox.status_code == 200
    row = inbox.json()["results"][0]
    assert inbox.json()["count"] == 1
    assert {key: row[key] for key in ("id", "subject", "status", "approver")} == {
        "id": task.pk,
        "subject": {"kind": "deal_registration", "id": request.subject_id, "label": "Harbour cranes"},
        "status": "pending",
        "approver": user_of(tenant_a, "manager").pk,
    }
    assert client_of(tenant_a, "sales").get("/api/v1/approvals/?status=pending").json()["count"] == 0


def test_approving_through_the_api(tenant_a):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    response = client_of(tenant_a, "manager").post(
        f"/api/v1/approvals/{task.pk}/approve/", {"comment": "Go"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["comment"], response.json()["request_status"]) == (
        "approved",
        "Go",
        "approved",
    )
    assert client_of(tenant_a, "manager").get("/api/v1/approvals/?status=pending").json()["count"] == 0


def test_approving_twice_is_a_409_and_changes_nothing(tenant_a):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    client = client_of(tenant_a, "manager")
    assert client.post(f"/api/v1/approvals/{task.pk}/approve/", {}, format="json").status_code == 200
    again = client.post(f"/api/v1/approvals/{task.pk}/reject/", {"comment": "No"}, format="json")
    assert again.status_code == 409 and set(again.json()) == {"detail"}
    with in_tenant(tenant_a):
        assert ApprovalTask.objects.get(pk=task.pk).status == "approved"


def test_rejecting_needs_a_comment(tenant_a):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    response = client_of(tenant_a, "manager").post(f"/api/v1/approvals/{task.pk}/reject/", {}, format="json")
    assert response.status_code == 400 and "comment" in response.json()
    with in_tenant(tenant_a):
        assert ApprovalTask.objects.get(pk=task.pk).status == "pending"


def test_returning_through_the_api(tenant_a):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    response = client_of(tenant_a, "manager").post(
        f"/api/v1/approvals/{task.pk}/return/", {"comment": "Which customer?"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["request_status"]) == ("returned", "returned")


def test_someone_who_sees_the_task_but_is_not_its_approver_gets_a_403(tenant_a):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    response = client_of(tenant_a, "sales").post(f"/api/v1/approvals/{task.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    with in_tenant(tenant_a):
        assert ApprovalTask.objects.get(pk=task.pk).status == "pending"


def test_submitting_a_deal_through_the_api_snapshots_its_values(tenant_a):
    deal = deal_of(tenant_a, amount="250000.00")
    client = client_of(tenant_a, "sales")
    response = client.post(
        "/api/v1/approval-requests/", {"kind": "deal_registration", "subject": deal.pk}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["current_step"] == 1
    assert body["values"] == {
        "amount": "250000.00",
        "currency": deal.currency,
        "stage": "Qualification",
        "owner": user_of(tenant_a, "sales").pk,
    }
    assert [(t["step"], t["approver"], t["status"]) for t in body["tasks"]] == [
        (1, user_of(tenant_a, "manager").pk, "pending")
    ]
    again = client.post("/api/v1/approval-requests/", {"kind": "deal_registration", "subject": deal.pk}, format="json")
    assert again.status_code == 400
    with in_tenant(tenant_a):
        assert ApprovalRequest.objects.filter(subject_id=deal.pk).count() == 1


def test_submitting_a_deal_the_caller_cannot_see_is_a_404(tenant_a):
    theirs = deal_of(tenant_a, owner="sales2")
    response = client_of(tenant_a, "sales").post(
        "/api/v1/approval-requests/", {"kind": "deal_registration", "subject": theirs.pk}, format="json"
    )
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not ApprovalRequest.objects.exists()


def test_withdrawing_and_urging_through_the_api(tenant_a):
    request = submit(tenant_a, deal_of(tenant_a))
    client = client_of(tenant_a, "sales")
    assert client.post(f"/api/v1/approval-requests/{request.pk}/urge/").json() == {"urged": 1}
    too_soon = client.post(f"/api/v1/approval-requests/{request.pk}/urge/")
    assert too_soon.status_code == 429 and int(too_soon["Retry-After"]) > 0
    withdrawn = client.post(f"/api/v1/approval-requests/{request.pk}/withdraw/")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/approval-requests/{request.pk}/withdraw/").status_code == 409


def test_the_admin_sets_up_a_flow_and_each_change_is_a_new_version(tenant_a):
    client = client_of(tenant_a, "admin")
    made = client.post(
        "/api/v1/approval-flows/",
        {
            "kind": "deal_registration",
            "name": "Big deals",
            "steps": [
                {"approver_type": "manager", "levels": 1},
                {
                    "approver_type": "role",
                    "role": "director",
                    "mode": "all",
                    "conditions": [{"field": "amount", "op": "gt", "value": "500000"}],
                },
            ],
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["version"] == 1 and made.json()["steps"][1]["conditions"] == [
        {"field": "amount", "op": "gt", "value": "500000"}
    ]
    flow_id = made.json()["id"]
    changed = client.patch(
        f"/api/v1/approval-flows/{flow_id}/", {"steps": [{"approver_type": "manager", "levels": 2}]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["name"] == "Big deals"
    assert (
        client.post(
            "/api/v1/approval-flows/", {"kind": "deal_registration", "name": "Twice", "steps": []}, format="json"
        ).status_code
        == 400
    )
    assert client.delete(f"/api/v1/approval-flows/{flow_id}/").status_code == 204
    with in_tenant(tenant_a):
        assert not ApprovalFlow.objects.exists()


def test_a_wrong_step_is_a_400_naming_the_steps(tenant_a):
    response = client_of(tenant_a, "admin").post(
        "/api/v1/approval-flows/",
        {"kind": "deal_registration", "name": "Bad", "steps": [{"approver_type": "role"}]},
        format="json",
    )
    assert response.status_code == 400 and "steps" in response.json()


def test_only_the_admin_manages_flows(tenant_a):
    client = client_of(tenant_a, "director")
    assert client.get("/api/v1/approval-flows/").status_code == 403
    refused = client.post(
        "/api/v1/approval-flows/", {"kind": "deal_registration", "name": "Mine", "steps": []}, format="json"
    )
    assert refused.status_code == 403
    with in_tenant(tenant_a):
        assert not ApprovalFlow.objects.exists()


def test_a_user_delegates_through_the_api(tenant_a):
    client = client_of(tenant_a, "manager")
    today = timezone.localdate()
    made = client.post(
        "/api/v1/approval-delegations/",
        {
            "delegate": user_of(tenant_a, "director").pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=3)).isoformat(),
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    assert [row["id"] for row in client.get("/api/v1/approval-delegations/").json()["results"]] == [made.json()["id"]]
    assert client_of(tenant_a, "sales").get(f"/api/v1/approval-delegations/{made.json()['id']}/").status_code == 404
    assert client.delete(f"/api/v1/approval-delegations/{made.json()['id']}/").status_code == 204
    with in_tenant(tenant_a):
        assert not Delegation.objects.exists()


def test_the_admin_sets_the_reminder_hours(tenant_a):
    admin, sales = client_of(tenant_a, "admin"), client_of(tenant_a, "sales")
    assert admin.get("/api/v1/approvals/settings/").json()["remind_after_hours"] == 24
    assert sales.patch("/api/v1/approvals/settings/", {"remind_after_hours": 2}, format="json").status_code == 403
    changed = admin.patch("/api/v1/approvals/settings/", {"remind_after_hours": 8}, format="json")
    assert changed.status_code == 200 and changed.json()["remind_after_hours"] == 8
    assert admin.patch("/api/v1/approvals/settings/", {"remind_after_hours": 0}, format="json").status_code == 400


def test_the_document_describes_the_approvals_api(tenant_a):
    document = client_of(tenant_a, "admin").get("/api/schema/?format=json").json()
    paths = document["paths"]
    for path in (
        "/api/v1/approvals/",
        "/api/v1/approvals/{id}/approve/",
        "/api/v1/approvals/{id}/reject/",
        "/api/v1/approvals/{id}/return/",
        "/api/v1/approval-requests/",
        "/api/v1/approval-requests/{id}/withdraw/",
        "/api/v1/approval-requests/{id}/urge/",
        "/api/v1/approval-flows/{id}/",
        "/api/v1/approval-delegations/",
    ):
        assert path in paths, path
    approve = paths["/api/v1/approvals/{id}/approve/"]["post"]
    assert {"200", "403", "404", "409"} <= set(approve["responses"])
    approval = document["components"]["schemas"]["Approval"]
    assert {"id", "subject", "status", "approver"} <= set(approval["properties"])
