"""The approval pages: the inbox (decide in place with htmx), the sidebar's
count, a request's page, the card on a deal's page, delegation, and
Settings → Approvals."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from crm.access.models import ModulePermission
from crm.approvals.models import ApprovalFlow, ApprovalRequest, ApprovalTask, Delegation
from crm.deals.models import RegistrationRule
from tests.tenancy import host, in_tenant, user_of

from .conftest import deal_of, set_flow, submit, task_for

pytestmark = pytest.mark.django_db


def browser(tenant, local):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def htmx(target=""):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def registration_above(tenant, amount):
    with in_tenant(tenant):
        RegistrationRule.objects.update_or_create(pk=1, defaults={"threshold": Decimal(amount), "currency": "CNY"})


# The inbox ------------------------------------------------------------------------


def test_the_inbox_shows_what_waits_on_me_with_the_values(tenant_a, org):
    submit(tenant_a, deal_of(tenant_a, name="Harbour cranes", amount="150000.00"))
    page = browser(tenant_a, "manager").get("/approvals/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Harbour cranes" in text and "150,000.00" in text and "Deal registration" in text
    assert browser(tenant_a, "sales2").get("/approvals/").content.decode().count('data-testid="approval-task"') == 0


def test_approving_in_the_inbox_swaps_the_card_and_tells_the_sidebar(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    response = browser(tenant_a, "manager").post(
        f"/approvals/tasks/{task.pk}/decide/", {"decision": "approve", "comment": "Go"}, **htmx()
    )
    assert response.status_code == 200
    assert 'data-testid="approval-task-status"' in response.content.decode()
    assert "approvals-changed" in response["HX-Trigger"]
    with in_tenant(tenant_a):
        assert ApprovalRequest.objects.get(pk=request.pk).status == "approved"


def test_rejecting_without_a_reason_in_the_inbox_says_so_and_changes_nothing(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    task = task_for(tenant_a, request, "manager")
    response = browser(tenant_a, "manager").post(
        f"/approvals/tasks/{task.pk}/decide/", {"decision": "reject", "comment": ""}, **htmx()
    )
    assert response.status_code == 200 and "Say why" in response.content.decode()
    with in_tenant(tenant_a):
        assert ApprovalTask.objects.get(pk=task.pk).status == "pending"


def test_someone_elses_task_cannot_be_decided_from_the_pages(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a, owner="sales2"), by="sales2")
    with in_tenant(tenant_a):
        task = ApprovalTask.objects.get(request=request)
    response = browser(tenant_a, "sales").post(f"/approvals/tasks/{task.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert ApprovalTask.objects.get(pk=task.pk).status == "pending"


def test_the_sidebar_links_the_inbox_with_its_pending_count(tenant_a, org):
    submit(tenant_a, deal_of(tenant_a))
    client = browser(tenant_a, "manager")
    assert 'href="/approvals/"' in client.get("/").content.decode()
    assert '<span class="badge">1</span>' in client.get("/approvals/count/").content.decode()
    assert "badge" not in browser(tenant_a, "sales").get("/approvals/count/").content.decode()


def test_the_submitted_and_decided_tabs(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a, name="Harbour cranes"))
    task = task_for(tenant_a, request, "manager")
    browser(tenant_a, "manager").post(f"/approvals/tasks/{task.pk}/decide/", {"decision": "approve"})
    assert "Harbour cranes" in browser(tenant_a, "sales").get("/approvals/?tab=submitted").content.decode()
    assert "Harbour cranes" in browser(tenant_a, "manager").get("/approvals/?tab=decided").content.decode()


def test_the_inbox_speaks_chinese(tenant_a, org):
    client = browser(tenant_a, "manager")
    page = client.get("/approvals/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待我审批" in page


# A request's page -------------------------------------------------------------------


def test_the_request_page_shows_the_steps_and_who_decided_what(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a, name="Harbour cranes"))
    task = task_for(tenant_a, request, "manager")
    browser(tenant_a, "manager").post(
        f"/approvals/tasks/{task.pk}/decide/", {"decision": "return", "comment": "Name the end customer"}
    )
    page = browser(tenant_a, "sales").get(f"/approvals/{request.pk}/").content.decode()
    assert "Returned" in page and "Name the end customer" in page and "approval.returned" in page


def test_the_request_page_is_a_404_to_someone_outside_it(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a, owner="sales2"), by="sales2")
    assert browser(tenant_a, "sales").get(f"/approvals/{request.pk}/").status_code == 404


def test_the_submitter_withdraws_from_the_request_page(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    response = browser(tenant_a, "sales").post(f"/approvals/{request.pk}/withdraw/")
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert ApprovalRequest.objects.get(pk=request.pk).status == "withdrawn"


# The card on a deal's page ------------------------------------------------------------


def test_a_deal_above_the_threshold_shows_it_needs_registration(tenant_a, org):
    registration_above(tenant_a, "100000")
    big, small = deal_of(tenant_a, name="Big", amount="150000.00"), deal_of(tenant_a, name="Small", amount="5000.00")
    client = browser(tenant_a, "sales")
    page = client.get(f"/deals/{big.pk}/").content.decode()
    assert 'data-testid="approval-card"' in page and ">Register<" in page
    assert "This deal is above the amount that needs registering." in page
    assert 'data-testid="approval-card"' not in client.get(f"/deals/{small.pk}/").content.decode()


def test_registering_from_the_deals_card_submits_it_and_the_card_shows_it_pending(tenant_a, org):
    registration_above(tenant_a, "100000")
    deal = deal_of(tenant_a)
    client = browser(tenant_a, "sales")
    response = client.post(
        "/approvals/submit/",
        {"kind": "deal_registration", "subject": deal.pk, "submit_label": "Register"},
        **htmx("approval-card"),
    )
    assert response.status_code == 200
    card = response.content.decode()
    assert "Submitted for approval." in card and "Pending" in card and "Withdraw" in card
    assert "approvals-changed" in response["HX-Trigger"]
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="approval-status">Pending' in page and "approval.submitted" in page


def test_a_deal_someone_cannot_see_cannot_be_registered_by_them(tenant_a, org):
    theirs = deal_of(tenant_a, owner="sales2")
    client = browser(tenant_a, "sales")
    assert client.post("/approvals/submit/", {"kind": "deal_registration", "subject": theirs.pk}).status_code == 404
    assert client.get(f"/approvals/card/deal_registration/{theirs.pk}/").status_code == 404
    with in_tenant(tenant_a):
        assert not ApprovalRequest.objects.exists()


def test_urging_twice_from_the_card_says_to_wait(tenant_a, org):
    request = submit(tenant_a, deal_of(tenant_a))
    client = browser(tenant_a, "sales")
    first = client.post(f"/approvals/{request.pk}/urge/", **htmx("approval-card"))
    second = client.post(f"/approvals/{request.pk}/urge/", **htmx("approval-card"))
    assert "The approvers were reminded." in first.content.decode()
    assert "you can urge again in" in second.content.decode()


# Delegation -------------------------------------------------------------------------


def test_a_user_sets_a_delegation_on_their_page(tenant_a, org):
    today = timezone.localdate()
    response = browser(tenant_a, "manager").post(
        "/approvals/delegations/",
        {
            "delegate": user_of(tenant_a, "director").pk,
            "starts_on": today.isoformat(),
            "ends_on": (today + datetime.timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Delegation.objects.get().delegate == user_of(tenant_a, "director")
    # Named by display name (User.__str__): their name, else their e-mail's local part.
    page = browser(tenant_a, "manager").get("/approvals/delegations/").content.decode()
    assert f"<strong>{user_of(tenant_a, 'director').display_name}</strong>" in page


# Settings → Approvals -------------------------------------------------------------------


def test_only_the_admin_has_the_approval_settings(tenant_a):
    assert browser(tenant_a, "admin").get("/settings/approvals/").status_code == 200
    assert browser(tenant_a, "director").get("/settings/approvals/").status_code == 404


def test_the_admin_builds_a_flow_step_by_step(tenant_a, org):
    client = browser(tenant_a, "admin")
    assert client.post("/settings/approvals/deal_registration/", {"action": "create"}).status_code == 302
    response = client.post(
        "/settings/approvals/deal_registration/steps/new/",
        {
            "name": "Directors",
            "approver_type": "role",
            "role": "director",
            "levels": "1",
            "mode": "all",
            "field_1": "amount",
            "op_1": "gt",
            "value_1": "500000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with in_tenant(tenant_a):
        flow = ApprovalFlow.objects.get(kind="deal_registration")
        steps = list(flow.steps.values_list("name", "approver_type", "mode", "conditions"))
    assert flow.version == 2
    assert steps == [
        ("", "manager", "any", []),
        ("Directors", "role", "all", [{"field": "amount", "op": "gt", "value": "500000"}]),
    ]
    page = client.get("/settings/approvals/deal_registration/").content.decode()
    assert "Amount above 500000" in page


def test_a_wrong_step_on_the_settings_page_is_a_400_with_the_message(tenant_a, org):
    set_flow(tenant_a)
    response = browser(tenant_a, "admin").post(
        "/settings/approvals/deal_registration/steps/new/",
        {"approver_type": "role", "role": "", "levels": "1", "mode": "any"},
    )
    assert response.status_code == 400 and "choose a role" in response.content.decode()


def test_the_admin_sets_which_deals_need_registration(tenant_a):
    response = browser(tenant_a, "admin").post(
        "/settings/approvals/deal-registration/", {"threshold": "200000", "currency": "CNY"}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert RegistrationRule.objects.get(pk=1).threshold == Decimal("200000.00")


def test_a_role_the_admin_hid_approvals_from_has_no_inbox_link_page_or_card(tenant_a, org):
    registration_above(tenant_a, "100")
    deal = deal_of(tenant_a)
    with in_tenant(tenant_a):
        ModulePermission.objects.create(role="sales", module="approvals", hidden=True)
    client = browser(tenant_a, "sales")
    assert 'href="/approvals/"' not in client.get("/").content.decode()
    assert client.get("/approvals/").status_code == 404
    assert 'data-testid="approval-card"' not in client.get(f"/deals/{deal.pk}/").content.decode()
    assert client.post("/approvals/submit/", {"kind": "deal_registration", "subject": deal.pk}).status_code == 404
    with in_tenant(tenant_a):
        assert not ApprovalRequest.objects.exists()


# Masked amounts -------------------------------------------------------------------


def hide_amount(tenant, roles):
    from crm.access.services import set_sensitive_field

    with in_tenant(tenant):
        set_sensitive_field(by=user_of(tenant, "admin"), module="deals", field="amount", hidden_from=list(roles))


def test_a_deal_page_does_not_say_above_the_threshold_to_whom_the_amount_is_hidden(tenant_a, org):
    registration_above(tenant_a, "100000")
    hide_amount(tenant_a, ["sales"])
    big = deal_of(tenant_a, name="Big", amount="150000.00")
    hint = "This deal is above the amount that needs registering."
    assert hint not in browser(tenant_a, "sales").get(f"/deals/{big.pk}/").content.decode()
    assert hint in browser(tenant_a, "manager").get(f"/deals/{big.pk}/").content.decode()


def test_an_approver_who_sees_the_amount_masked_reads_it_masked_in_the_inbox_request_and_api(tenant_a, org):
    from crm.access.permissions import MASK
    from tests.tenancy import api_client

    request = submit(tenant_a, deal_of(tenant_a, name="Harbour cranes", amount="150000.00"))
    hide_amount(tenant_a, ["manager"])
    client = browser(tenant_a, "manager")
    for url in ("/approvals/", f"/approvals/{request.pk}/"):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert "Harbour cranes" in text and "150,000" not in text and "150000" not in text and MASK in text
    data = api_client(tenant_a, user_of(tenant_a, "manager")).get(f"/api/v1/approval-requests/{request.pk}/").json()
    assert data["values"]["amount"] == MASK
    shown = api_client(tenant_a, user_of(tenant_a, "director")).get(f"/api/v1/approval-requests/{request.pk}/")
    assert shown.json()["values"]["amount"] == "150000.00"
