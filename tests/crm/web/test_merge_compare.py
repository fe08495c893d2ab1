"""Merging from a record's page: look-alikes told apart by e-mail, phone and
account, the two records side by side with a choice of the surviving value of
each differing field, the choices applied by the merge service in one audited
write, masked fields kept masked, bad choices refused with a 400."""

import re

import pytest
from django.test import Client

from crm.accounts import services as account_services
from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from tests.crm.accounts.factories import account, contact
from tests.crm.test_masking_web import hide
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def _row(page, name):
    match = re.search(rf'<tr[^>]*data-testid="merge-row-{name}">(.*?)</tr>', page, re.S)
    assert match, f"no row for {name}"
    return match.group(1)


def test_five_namesakes_are_listed_with_their_email_phone_and_account(tenant_a):
    keep = contact(tenant_a, "伟", last_name="李", owner="sales", email="li.wei@keep.test")
    others = []
    for i in range(5):
        company = account(tenant_a, f"公司{i}", owner="sales")
        others.append(
            contact(
                tenant_a,
                "伟",
                last_name="李",
                owner="sales",
                email=f"li.wei{i}@example.test",
                phone=f"+86 138 0000 000{i}",
                account=company,
            )
        )
    page = browser(tenant_a, "sales").get(f"/contacts/{keep.pk}/merge/?q=李伟").content.decode()
    for i, other in enumerate(others):
        row = re.search(rf'data-testid="candidate-{other.pk}">(.*?)</tr>', page, re.S).group(1)
        assert f"li.wei{i}@example.test" in row and f"+86 138 0000 000{i}" in row and f"公司{i}" in row
    assert f'data-testid="candidate-{keep.pk}"' not in page


def test_a_candidates_account_out_of_scope_is_not_named(tenant_a):
    keep = contact(tenant_a, "Sam", last_name="Same", owner="sales")
    hidden = account(tenant_a, "Their Secret Co", owner="sales2")
    contact(tenant_a, "Sam", last_name="Same", owner="sales", account=hidden)
    page = browser(tenant_a, "sales").get(f"/contacts/{keep.pk}/merge/?q=Sam").content.decode()
    assert "Their Secret Co" not in page and "Not visible to you" in page


def test_the_comparison_shows_both_values_with_a_choice_only_where_they_differ(tenant_a):
    keep = contact(tenant_a, "Ada", last_name="Lovelace", owner="sales", email="ada@old.test", phone="")
    other = contact(tenant_a, "Ada", last_name="Lovelace", owner="sales", email="ada@new.test", phone="+44 1")
    page = browser(tenant_a, "sales").get(f"/contacts/{keep.pk}/merge/?other={other.pk}").content.decode()
    email = _row(page, "email")
    assert "ada@old.test" in email and "ada@new.test" in email
    assert re.search(r'value="keep" checked', email)
    # Keep has no phone: the merge would fill it from the other, so that is chosen.
    assert re.search(r'value="other" checked', _row(page, "phone"))
    assert 'type="radio"' not in _row(page, "first_name")


def test_chosen_values_survive_the_merge_with_an_audit_row(tenant_a):
    keep = contact(tenant_a, "Bob", last_name="Keep", owner="sales", email="bob@keep.test", title="CTO")
    other = contact(tenant_a, "Robert", last_name="Keep", owner="sales", email="bob@other.test", title="CEO")
    response = browser(tenant_a, "sales").post(
        f"/contacts/{keep.pk}/merge/",
        {"other": other.pk, "choice_first_name": "other", "choice_email": "other", "choice_title": "keep"},
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        merged = Contact.objects.get(pk=keep.pk)
        assert (merged.first_name, merged.email, merged.title) == ("Robert", "bob@other.test", "CTO")
        assert not Contact.objects.filter(pk=other.pk).exists()
        event = AuditEvent.objects.get(action="contact.merged", target_id=keep.pk)
        assert event.payload["filled"]["email"] == ["bob@keep.test", "bob@other.test"]


def test_choosing_keeps_blank_value_stops_the_fill(tenant_a):
    keep = account(tenant_a, "Blank Web Co", owner="sales", website="")
    other = account(tenant_a, "Blank Web Company", owner="sales", website="https://other.test")
    response = browser(tenant_a, "sales").post(
        f"/accounts/{keep.pk}/merge/", {"other": other.pk, "choice_website": "keep", "choice_name": "other"}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        merged = Account.objects.get(pk=keep.pk)
        assert (merged.name, merged.website) == ("Blank Web Company", "")


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"choice_email": "both"}, "Choose the value of one of the two records."),
        ({"choice_owner": "other"}, "is not a field a merge chooses."),
    ],
)
def test_a_bad_choice_is_a_400_that_merges_nothing(tenant_a, choice, message):
    keep = contact(tenant_a, "Bad", last_name="Choice", owner="sales", email="a@bad.test")
    other = contact(tenant_a, "Bad", last_name="Choice", owner="sales", email="b@bad.test")
    response = browser(tenant_a, "sales").post(f"/contacts/{keep.pk}/merge/", {"other": other.pk, **choice})
    assert response.status_code == 400
    assert message in response.content.decode()
    with in_tenant(tenant_a):
        assert Contact.objects.filter(pk=other.pk).exists()
        assert Contact.objects.get(pk=keep.pk).email == "a@bad.test"
        assert not AuditEvent.objects.filter(action="contact.merged").exists()


def test_a_masked_field_is_shown_masked_without_a_choice_and_cannot_be_chosen(tenant_a):
    keep = contact(tenant_a, "Mask", last_name="Ed", owner="sales", phone="+1 555 0100")
    other = contact(tenant_a, "Mask", last_name="Ed", owner="sales", phone="+1 555 0199")
    hide(tenant_a, "contacts", "phone")
    client = browser(tenant_a, "sales")
    page = client.get(f"/contacts/{keep.pk}/merge/?other={other.pk}").content.decode()
    assert "0100" not in page and "0199" not in page
    assert 'type="radio"' not in _row(page, "phone")
    listing = client.get(f"/contacts/{keep.pk}/merge/?q=Mask").content.decode()
    assert "0199" not in listing
    response = client.post(f"/contacts/{keep.pk}/merge/", {"other": other.pk, "choice_phone": "other"})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=keep.pk).phone == "+1 555 0100"
        assert Contact.objects.filter(pk=other.pk).exists()


def test_choosing_another_records_account_out_of_scope_is_refused(tenant_a):
    hidden = account(tenant_a, "Elsewhere Co", owner="sales2")
    keep = contact(tenant_a, "Acc", last_name="Choice", owner="sales")
    other = contact(tenant_a, "Acc", last_name="Choice", owner="sales", account=hidden)
    response = browser(tenant_a, "sales").post(
        f"/contacts/{keep.pk}/merge/", {"other": other.pk, "choice_account": "other"}
    )
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert Contact.objects.get(pk=keep.pk).account_id is None


def test_the_service_applies_choices_in_one_transaction(tenant_a):
    keep = account(tenant_a, "Svc Keep", owner="sales", industry="Retail")
    other = account(tenant_a, "Svc Other", owner="sales", industry="Banking")
    with in_tenant(tenant_a):
        merged = account_services.merge_accounts(
            keep=Account.objects.get(pk=keep.pk),
            other=Account.objects.get(pk=other.pk),
            by=user_of(tenant_a, "sales"),
            choices={"industry": "other"},
        )
        assert Account.objects.get(pk=merged.pk).industry == "Banking"
        assert AuditEvent.objects.filter(action="account.merged", target_id=keep.pk).count() == 1


def test_the_service_refuses_a_masked_choice_before_writing(tenant_a):
    from django.core.exceptions import ValidationError

    keep = contact(tenant_a, "Svc", last_name="Mask", owner="sales", email="x@keep.test")
    other = contact(tenant_a, "Svc", last_name="Mask", owner="sales", email="y@other.test")
    hide(tenant_a, "contacts", "email")
    with in_tenant(tenant_a):
        with pytest.raises(ValidationError) as refused:
            contact_services.merge_contacts(
                keep=Contact.objects.get(pk=keep.pk),
                other=Contact.objects.get(pk=other.pk),
                by=user_of(tenant_a, "sales"),
                choices={"email": "other"},
            )
        assert "email" in refused.value.message_dict
        assert Contact.objects.filter(pk=other.pk).exists()
