"""Two people editing one record at once (issue 14 §4): each update service
writes only the fields that change, on the row as it is when it writes, so
edits of different fields both stay; an update made against a version that is
no longer current (crm.audit.versions) writes nothing."""

import pytest

from crm.accounts.models import Account
from crm.accounts.services import update_account
from crm.audit.models import AuditEvent
from crm.audit.versions import StaleRecord, version_of
from crm.contacts.models import Contact
from crm.contacts.services import update_contact
from crm.deals.models import Deal
from crm.deals.services import update_deal
from crm.leads.models import Lead
from crm.leads.services import create_lead, update_lead
from tests.crm.accounts.factories import account, contact
from tests.crm.deals.factories import make_deal
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def lead(tenant):
    with in_tenant(tenant):
        return create_lead(by=user_of(tenant, "sales"), first_name="Liz", phone="+1 555 0100")


# model, factory, update(record, by, **values), (field, value) of one editor, (field, value) of the other
CASES = {
    "account": (
        Account,
        lambda t: account(t, "Both Edits Co", phone="+1 555 0100"),
        lambda r, by, **v: update_account(account=r, by=by, **v),
        ("phone", "+1 555 0199"),
        ("industry", "Mining"),
    ),
    "contact": (
        Contact,
        lambda t: contact(t, "Bea", phone="+1 555 0100"),
        lambda r, by, **v: update_contact(contact=r, by=by, **v),
        ("phone", "+1 555 0199"),
        ("title", "CFO"),
    ),
    "lead": (
        Lead,
        lead,
        lambda r, by, **v: update_lead(lead=r, by=by, **v),
        ("phone", "+1 555 0199"),
        ("company", "Liz Ltd"),
    ),
    "deal": (
        Deal,
        lambda t: make_deal(t, name="Both Edits deal"),
        lambda r, by, **v: update_deal(deal=r, by=by, **v),
        ("competitors", "Acme"),
        ("source", "referral"),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_two_editors_changing_different_fields_both_keep_their_change(tenant_a, case):
    model, make, update, (field_a, value_a), (field_b, value_b) = CASES[case]
    record = make(tenant_a)
    with in_tenant(tenant_a):
        # Both read the record before either saves.
        anna, ben = model.objects.get(pk=record.pk), model.objects.get(pk=record.pk)
        update(anna, user_of(tenant_a, "sales"), **{field_a: value_a})
        update(ben, user_of(tenant_a, "admin"), **{field_b: value_b})
        stored = model.objects.get(pk=record.pk)
    assert (getattr(stored, field_a), getattr(stored, field_b)) == (value_a, value_b)


@pytest.mark.parametrize("case", CASES)
def test_an_update_against_an_older_version_writes_nothing(tenant_a, case):
    model, make, update, (field_a, value_a), (field_b, value_b) = CASES[case]
    record = make(tenant_a)
    with in_tenant(tenant_a):
        opened = version_of(model.objects.get(pk=record.pk))
        update(model.objects.get(pk=record.pk), user_of(tenant_a, "sales"), **{field_a: value_a})
        rows = AuditEvent.objects.filter(target_id=record.pk, target_type=record._meta.label_lower).count()
        with pytest.raises(StaleRecord):
            update(
                model.objects.get(pk=record.pk),
                user_of(tenant_a, "admin"),
                expected_version=opened,
                **{field_b: value_b},
            )
        stored = model.objects.get(pk=record.pk)
        assert AuditEvent.objects.filter(target_id=record.pk, target_type=record._meta.label_lower).count() == rows
    assert getattr(stored, field_b) != value_b


def test_an_update_that_changes_nothing_keeps_the_version(tenant_a):
    record = account(tenant_a, "Unchanged Co", industry="Retail")
    with in_tenant(tenant_a):
        before = version_of(Account.objects.get(pk=record.pk))
        update_account(account=Account.objects.get(pk=record.pk), by=user_of(tenant_a, "sales"), industry="Retail")
        assert version_of(Account.objects.get(pk=record.pk)) == before
