"""Delete on an account's, a contact's, a lead's and a deal's page: offered and
done only for whom the API lets delete (the owner, their managers, directors,
admins), confirmed by a POST carrying the version the page showed."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from crm.access.models import RecordShare
from crm.accounts.models import Account
from crm.audit import versions
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.leads.models import Lead
from tests.factories import make_account, make_contact, make_deal, make_lead
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db

KINDS = {
    "account": (make_account, Account, "accounts", "/accounts/"),
    "contact": (make_contact, Contact, "contacts", "/contacts/"),
    "lead": (make_lead, Lead, "leads", "/leads/"),
    "deal": (make_deal, Deal, "deals", "/deals/list/"),
}


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def _record(tenant, kind, owner="sales"):
    make = KINDS[kind][0]
    with in_tenant(tenant):
        return make(by=user_of(tenant, "admin"), owner=user_of(tenant, owner))


def _exists(tenant, kind, record):
    with in_tenant(tenant):
        return KINDS[kind][1].objects.filter(pk=record.pk).exists()


def _version(tenant, kind, record):
    with in_tenant(tenant):
        return versions.version_of(KINDS[kind][1].objects.get(pk=record.pk))


@pytest.mark.parametrize("kind", KINDS)
def test_the_owner_confirms_and_the_record_is_gone_back_on_the_list_with_a_message(tenant_a, kind):
    record = _record(tenant_a, kind)
    owner = browser(tenant_a, "sales")
    page = owner.get(f"/{KINDS[kind][2]}/{record.pk}/")
    assert f"/{KINDS[kind][2]}/{record.pk}/delete/" in page.content.decode()
    assert "delete-record" in page.content.decode()
    confirm = owner.get(f"/{KINDS[kind][2]}/{record.pk}/delete/")
    assert confirm.status_code == 200
    assert 'name="version"' in confirm.content.decode()
    assert "csrfmiddlewaretoken" in confirm.content.decode()
    response = owner.post(
        f"/{KINDS[kind][2]}/{record.pk}/delete/", {"version": _version(tenant_a, kind, record)}, follow=True
    )
    assert response.redirect_chain[-1][0] == KINDS[kind][3]
    assert "deleted" in response.content.decode()
    assert not _exists(tenant_a, kind, record)


@pytest.mark.parametrize("kind", KINDS)
def test_a_share_recipient_sees_no_delete_button_and_is_refused(tenant_a, kind):
    record = _record(tenant_a, kind)
    with in_tenant(tenant_a):
        RecordShare.objects.create(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            user=user_of(tenant_a, "sales2"),
        )
    recipient = browser(tenant_a, "sales2")
    page = recipient.get(f"/{KINDS[kind][2]}/{record.pk}/")
    assert page.status_code == 200
    assert "delete-record" not in page.content.decode()
    assert recipient.get(f"/{KINDS[kind][2]}/{record.pk}/delete/").status_code == 403
    response = recipient.post(f"/{KINDS[kind][2]}/{record.pk}/delete/", {"version": _version(tenant_a, kind, record)})
    assert response.status_code == 403
    assert _exists(tenant_a, kind, record)


@pytest.mark.parametrize("kind", KINDS)
def test_a_record_out_of_scope_is_a_404(tenant_a, kind):
    record = _record(tenant_a, kind, owner="sales2")
    response = browser(tenant_a, "sales").post(f"/{KINDS[kind][2]}/{record.pk}/delete/", {})
    assert response.status_code == 404
    assert _exists(tenant_a, kind, record)


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_version_deletes_nothing_and_says_so(tenant_a, kind):
    record = _record(tenant_a, kind)
    response = browser(tenant_a, "sales").post(f"/{KINDS[kind][2]}/{record.pk}/delete/", {"version": "1"})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert _exists(tenant_a, kind, record)
