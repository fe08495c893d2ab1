"""A lead row is matched as a contact row is: the same e-mail or phone first, then
the same name at the same company; a lead that only shares the name is another
person (a warning, never a skip)."""

import pytest

from crm.leads.models import Lead
from crm.users.models import User
from tests.crm.imports.test_imports import _upload
from tests.crm.leads.test_leads import make_lead
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def _dry_run(tenant, content, local="sales", mode="skip"):
    client = api_client(tenant, user_of(tenant, local))
    response = _upload(client, content, name="leads.csv", kind="leads", dry_run="true", mode=mode)
    assert response.status_code == 202, response.json()
    return response.json()["results"]


def test_the_same_name_at_the_same_company_is_the_same_lead(tenant_a):
    existing = make_lead(
        tenant_a, first_name="Mei", last_name="Chen", company="Harbour Foods Co., Ltd.", email="", phone=""
    )

    [result] = _dry_run(tenant_a, "first_name,last_name,company\nmei, CHEN ,Harbour Foods\n")

    assert (result["action"], result["id"]) == ("skipped", existing.pk)
    assert "name" in result["reason"] and "company" in result["reason"]


def test_the_same_name_elsewhere_is_created_with_a_warning(tenant_a):
    existing = make_lead(tenant_a, first_name="Mei", last_name="Chen", company="Harbour Foods", email="", phone="")

    [result] = _dry_run(tenant_a, "first_name,last_name,company\nMei,Chen,Other Trading\n")

    assert result["action"] == "created"
    assert f"#{existing.pk}" in result["warning"]


def test_the_same_email_wins_over_the_name(tenant_a):
    by_mail = make_lead(tenant_a, first_name="Other", last_name="Person", email="mei@chen.test", phone="")
    make_lead(tenant_a, first_name="Mei", last_name="Chen", company="Harbour Foods", email="", phone="")

    [result] = _dry_run(tenant_a, "first_name,last_name,company,email\nMei,Chen,Harbour Foods,mei@chen.test\n")

    assert (result["action"], result["id"]) == ("skipped", by_mail.pk)


def test_update_mode_updates_the_lead_matched_on_name_and_company(tenant_a):
    existing = make_lead(tenant_a, first_name="Mei", last_name="Chen", company="Harbour Foods", email="", phone="")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = _upload(
        client,
        "first_name,last_name,company,title\nMei,Chen,Harbour Foods,Buyer\n",
        kind="leads",
        mode="update",
        dry_run="true",
    )
    [result] = response.json()["results"]
    assert (result["action"], result["id"]) == ("updated", existing.pk)


def test_another_owners_lead_of_the_same_name_is_not_matched_for_a_sales_user(tenant_a):
    make_lead(
        tenant_a, owner_local="sales2", first_name="Mei", last_name="Chen", company="Harbour Foods", email="", phone=""
    )

    [result] = _dry_run(tenant_a, "first_name,last_name,company\nMei,Chen,Harbour Foods\n")

    assert result["action"] == "created" and "warning" not in result
    with in_tenant(tenant_a):
        assert Lead.objects.filter(first_name="Mei").count() == 1  # the dry run left nothing


def test_a_refused_rows_reason_names_the_field_in_the_uploaders_language(tenant_a):
    with in_tenant(tenant_a):
        User.objects.filter(pk=user_of(tenant_a, "sales").pk).update(language="zh-hans")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))

    [result] = _upload(client, "first_name,email\n,nameless@lead.test\n", kind="leads", dry_run="true").json()[
        "results"
    ]

    assert result["action"] == "refused"
    assert result["reason"] == "名: 此字段为必填项。"
