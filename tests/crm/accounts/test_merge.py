import pytest
from django.contrib.contenttypes.models import ContentType

from crm.access.models import RecordShare
from crm.accounts.models import Account, AccountWatch
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact, ContactAccount
from tests.crm.accounts.factories import account, contact, foreign_account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def test_merging_accounts_moves_every_related_record_and_deletes_the_other(tenant_a):
    keep = account(tenant_a, "Keep Ltd")
    other = account(tenant_a, "Keep Limited", phone="+1 555 123 4567", tags=["vip"])
    moved_contact = contact(tenant_a, "Moved", account=other)
    both = contact(tenant_a, "Both", account=keep)
    with in_tenant(tenant_a):
        ContactAccount.objects.create(contact=both, account=other, role="influencer")
        sales2, director = user_of(tenant_a, "sales2"), user_of(tenant_a, "director")
        RecordShare.objects.create(
            content_type=ContentType.objects.get_for_model(Account), object_id=other.pk, user=sales2
        )
        AccountWatch.objects.create(user=director, account=other)
        other_history = AuditEvent.objects.filter(target_type="accounts.account", target_id=other.pk).count()

    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/accounts/{keep.pk}/merge/", {"other": other.pk}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "+1 555 123 4567" and response.json()["tags"] == ["vip"]
    with in_tenant(tenant_a):
        assert not Account.objects.filter(pk=other.pk).exists()
        assert Contact.objects.get(pk=moved_contact.pk).account_id == keep.pk
        assert set(ContactAccount.objects.filter(account=keep).values_list("contact_id", flat=True)) == {
            moved_contact.pk,
            both.pk,
        }
        assert ContactAccount.objects.filter(contact=both).count() == 1
        assert RecordShare.objects.filter(
            object_id=keep.pk, user=sales2, content_type=ContentType.objects.get_for_model(Account)
        ).exists()
        assert AccountWatch.objects.filter(user=director, account=keep).exists()
        # History is kept on both ids, with the merge recorded on each.
        assert (
            AuditEvent.objects.filter(target_type="accounts.account", target_id=other.pk).count() == other_history + 1
        )
        merged = AuditEvent.objects.get(target_type="accounts.account", target_id=keep.pk, action="account.merged")
        assert merged.payload["other"] == other.pk
        assert merged.payload["moved"]["contacts.contact"] == 1


def test_merging_keeps_records_of_other_apps(tenant_a):
    from django.apps import apps

    if not apps.is_installed("crm.deals"):
        pytest.skip("no deals app")
    from tests.crm.deals.factories import make_deal

    keep = account(tenant_a, "Deal Keep")
    other = account(tenant_a, "Deal Other")
    deal = make_deal(tenant_a, account=other)
    response = api_client(tenant_a, user_of(tenant_a, "admin")).post(
        f"/api/v1/accounts/{keep.pk}/merge/", {"other": other.pk}, format="json"
    )
    assert response.status_code == 200
    with in_tenant(tenant_a):
        deal.refresh_from_db()
    assert deal.account_id == keep.pk


def test_merging_with_an_account_the_caller_cannot_see_is_404_and_changes_nothing(tenant_a):
    keep = account(tenant_a, "Mine")
    theirs = account(tenant_a, "Theirs", owner="sales2")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/accounts/{keep.pk}/merge/", {"other": theirs.pk}, format="json"
    )
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert Account.objects.filter(pk=theirs.pk).exists()
        assert not AuditEvent.objects.filter(action__startswith="account.merged", target_id=keep.pk).exists()


def test_merging_with_an_id_from_another_tenant_is_404(tenant_a, tenant_b):
    keep = account(tenant_a, "Alpha Keep")
    foreign = foreign_account(tenant_b, tenant_a)
    response = api_client(tenant_a, user_of(tenant_a, "admin")).post(
        f"/api/v1/accounts/{keep.pk}/merge/", {"other": foreign.pk}, format="json"
    )
    assert response.status_code == 404
    with in_tenant(tenant_b):
        assert Account.objects.filter(pk=foreign.pk).exists()


def test_an_account_cannot_be_merged_with_itself(tenant_a):
    keep = account(tenant_a, "Self")
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/accounts/{keep.pk}/merge/", {"other": keep.pk}, format="json"
    )
    assert response.status_code == 400
    assert "other" in response.json()


def test_merging_contacts_moves_their_account_links_and_shares(tenant_a):
    first, second = account(tenant_a, "First Co"), account(tenant_a, "Second Co")
    keep = contact(tenant_a, "Ann", account=first)
    other = contact(tenant_a, "Ann", last_name="Lee", email="ann@lee.test", account=second)
    with in_tenant(tenant_a):
        RecordShare.objects.create(
            content_type=ContentType.objects.get_for_model(Contact),
            object_id=other.pk,
            user=user_of(tenant_a, "sales2"),
        )
    response = api_client(tenant_a, user_of(tenant_a, "sales")).post(
        f"/api/v1/contacts/{keep.pk}/merge/", {"other": other.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["account"] == first.pk and body["email"] == "ann@lee.test" and body["last_name"] == "Lee"
    assert body["accounts"] == [
        {"account": first.pk, "role": "", "is_primary": True},
        {"account": second.pk, "role": "", "is_primary": False},
    ]
    with in_tenant(tenant_a):
        assert not Contact.objects.filter(pk=other.pk).exists()
        assert RecordShare.objects.filter(object_id=keep.pk, user=user_of(tenant_a, "sales2")).exists()
        assert AuditEvent.objects.filter(
            target_type="contacts.contact", target_id=other.pk, action="contact.merged_into"
        ).exists()
