"""Duplicate checks compare only what the caller may read. A match on an e-mail
or phone masked for the caller's role ("Same e-mail as #12"), or on the contact
data of a pool account (which the pool shows nobody), would confirm a guessed
hidden value as surely as showing it: the duplicates endpoints, the create
warnings and the import dry runs leave such keys out. Whoever may see the field
still finds the duplicate by it."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.access.services import set_sensitive_field
from crm.accounts import pool
from crm.leads import selectors as lead_selectors
from crm.leads.services import create_lead
from tests.conftest import api_client, in_tenant, user_of
from tests.crm.accounts.factories import account, contact

pytestmark = pytest.mark.django_db

EMAIL = "kim.hidden@matchprobe.test"
PHONE = "+86 138 2244 6688"


def hide(tenant, module, *fields):
    with in_tenant(tenant):
        for field in fields:
            set_sensitive_field(by=user_of(tenant, "admin"), module=module, field=field, hidden_from=["sales"])


def client_of(tenant, who):
    return api_client(tenant, user_of(tenant, who))


@pytest.fixture
def kim(tenant_a):
    """Sales's contact Kim Hidden, whose e-mail and phone are masked for sales."""
    person = contact(tenant_a, "Kim", last_name="Hidden", email=EMAIL, phone=PHONE)
    hide(tenant_a, "contacts", "email", "phone")
    return person


def test_contact_duplicates_do_not_match_on_an_email_or_phone_masked_for_the_caller(tenant_a, kim):
    sales = client_of(tenant_a, "sales")
    assert sales.get("/api/v1/contacts/duplicates/", {"email": EMAIL}).json() == []
    assert sales.get("/api/v1/contacts/duplicates/", {"phone": "138 2244 6688"}).json() == []
    admin = client_of(tenant_a, "admin").get("/api/v1/contacts/duplicates/", {"email": EMAIL, "phone": PHONE}).json()
    assert [(c["id"], c["matched_on"]) for c in admin] == [(kim.pk, ["email", "phone"])]


def test_a_contact_found_by_its_name_says_nothing_of_its_masked_email(tenant_a, kim):
    found = client_of(tenant_a, "sales").get(
        "/api/v1/contacts/duplicates/", {"first_name": "Kim", "last_name": "Hidden", "email": EMAIL}
    )
    [candidate] = found.json()
    assert candidate["id"] == kim.pk
    assert candidate["matched_on"] == ["name"]
    assert candidate["email"] == candidate["phone"] == "••••••"


def test_account_duplicates_do_not_match_on_a_phone_masked_for_the_caller(tenant_a):
    company = account(tenant_a, "Quiet Phone Co", phone=PHONE, email="desk@quiet.test")
    hide(tenant_a, "accounts", "phone")
    sales = client_of(tenant_a, "sales")
    assert sales.get("/api/v1/accounts/duplicates/", {"phone": PHONE}).json() == []
    by_email = sales.get("/api/v1/accounts/duplicates/", {"phone": PHONE, "email": "DESK@quiet.test"}).json()
    assert [(a["id"], a["matched_on"]) for a in by_email] == [(company.pk, ["email"])]
    admin = client_of(tenant_a, "admin").get("/api/v1/accounts/duplicates/", {"phone": PHONE}).json()
    assert [(a["id"], a["matched_on"]) for a in admin] == [(company.pk, ["phone"])]


def test_a_pool_account_matches_on_its_name_only_for_someone_outside_its_scope(tenant_a):
    released = account(tenant_a, "Drifting Pool Ltd", owner="sales2", phone=PHONE, email="pool@drift.test")
    with in_tenant(tenant_a):
        pool.release(account=released, by=user_of(tenant_a, "admin"))
    sales = client_of(tenant_a, "sales")
    assert sales.get("/api/v1/accounts/duplicates/", {"phone": PHONE}).json() == []
    assert sales.get("/api/v1/accounts/duplicates/", {"email": "pool@drift.test"}).json() == []
    by_name = sales.get("/api/v1/accounts/duplicates/", {"name": "Drifting Pool", "phone": PHONE}).json()
    assert [(a["id"], a["matched_on"]) for a in by_name] == [(released.pk, ["name"])]
    director = client_of(tenant_a, "director").get("/api/v1/accounts/duplicates/", {"phone": PHONE}).json()
    assert [(a["id"], a["matched_on"]) for a in director] == [(released.pk, ["phone"])]


def _dry_run(client, kind, csv, mapping):
    upload = SimpleUploadedFile(f"{kind}.csv", csv.encode())
    response = client.post(
        "/api/v1/imports/",
        {"file": upload, "kind": kind, "mapping": json.dumps(mapping), "mode": "skip", "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    return response.json()["results"]


def test_an_import_dry_run_does_not_report_a_match_on_a_masked_email(tenant_a, kim):
    results = _dry_run(
        client_of(tenant_a, "sales"),
        "contacts",
        f"First,Email\nSomeone Else,{EMAIL}\n",
        {"First": "first_name", "Email": "email"},
    )
    assert [result["id"] for result in results] != [kim.pk]
    assert not any("e-mail" in result["reason"].lower() and result["action"] == "skipped" for result in results)
    admin = _dry_run(
        client_of(tenant_a, "admin"),
        "contacts",
        f"First,Email\nSomeone Else,{EMAIL}\n",
        {"First": "first_name", "Email": "email"},
    )
    assert [(r["action"], r["id"], r["reason"]) for r in admin] == [("skipped", kim.pk, f"Same e-mail as #{kim.pk}.")]


def test_an_import_dry_run_of_accounts_does_not_match_a_pool_account_by_its_phone(tenant_a):
    released = account(tenant_a, "Pooled Phone Ltd", owner="sales2", phone=PHONE)
    with in_tenant(tenant_a):
        pool.release(account=released, by=user_of(tenant_a, "admin"))
    csv = f"Name,Phone\nFresh Name Co,{PHONE}\n"
    results = _dry_run(client_of(tenant_a, "sales"), "accounts", csv, {"Name": "name", "Phone": "phone"})
    assert [(r["action"], r["reason"]) for r in results] == [("created", "")]


def test_lead_duplicates_leave_out_a_masked_email(tenant_a):
    with in_tenant(tenant_a):
        sales = user_of(tenant_a, "sales")
        lead = create_lead(by=user_of(tenant_a, "admin"), first_name="Lou", email="lou@leadprobe.test", owner=sales)
        assert [found.pk for found in lead_selectors.duplicate_candidates(sales, email="LOU@leadprobe.test")] == [
            lead.pk
        ]
    hide(tenant_a, "leads", "email")
    with in_tenant(tenant_a):
        assert lead_selectors.duplicate_candidates(sales, email="lou@leadprobe.test") == []
        admin_found = lead_selectors.duplicate_candidates(user_of(tenant_a, "admin"), email="lou@leadprobe.test")
        assert [(found.pk, found.matched_on) for found in admin_found] == [(lead.pk, ["email"])]
