"""Merging accounts and contacts carries the tenant's custom fields: lookups
that pointed at the merged-away record point at the survivor, and the
survivor's blank custom values are filled from the other's."""

import pytest

from crm.accounts.models import Account
from crm.accounts.services import merge_accounts
from crm.builder import query, selectors, services
from crm.contacts.models import Contact
from crm.contacts.services import merge_contacts
from tests.crm.accounts.factories import account, contact
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def custom_values(model, object_name, pk):
    return (
        query.with_custom_fields(model.objects.filter(pk=pk), object_name)
        .values(*[f.api_key for f in selectors.fields_for(object_name, include_hidden=True)])
        .get()
    )


def test_merging_accounts_moves_lookups_of_custom_objects_and_built_in_objects_to_the_survivor(tenant_a):
    admin = user_of(tenant_a, "admin")
    keep, other = account(tenant_a, "Acme"), account(tenant_a, "ACME Ltd")
    with in_tenant(tenant_a):
        services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        services.create_field(
            by=admin, object_name="vehicle", name="account", label="Account", type="lookup", target="accounts"
        )
        services.create_field(
            by=admin, object_name="contacts", name="billed_to", label="Billed to", type="lookup", target="accounts"
        )
        services.create_field(
            by=admin, object_name="accounts", name="parent", label="Parent", type="lookup", target="accounts"
        )
        vans = [
            services.create_record("vehicle", by=admin, name=name, values={"account": other.pk})
            for name in ("Van", "Car")
        ]
        mine = services.create_record("vehicle", by=admin, name="Bus", values={"account": keep.pk})
    ann = contact(tenant_a, "Ann")
    child = account(tenant_a, "Acme Child")
    with in_tenant(tenant_a):
        services.set_custom_values(object_name="contacts", record_id=ann.pk, values={"billed_to": other.pk})
        services.set_custom_values(object_name="accounts", record_id=child.pk, values={"parent": other.pk})
        merge_accounts(keep=keep, other=other, by=admin)
        assert not Account.objects.filter(pk=other.pk).exists()
        vehicles = selectors.records_visible_to(admin, "vehicle")
        assert {v.pk: v.account for v in vehicles} == {vans[0].pk: keep.pk, vans[1].pk: keep.pk, mine.pk: keep.pk}
        assert custom_values(Contact, "contacts", ann.pk)["billed_to"] == keep.pk
        assert custom_values(Account, "accounts", child.pk)["parent"] == keep.pk


def test_a_unique_lookup_already_pointing_at_the_survivor_is_emptied_not_duplicated(tenant_a):
    admin = user_of(tenant_a, "admin")
    keep, other = account(tenant_a, "Acme"), account(tenant_a, "ACME Ltd")
    with in_tenant(tenant_a):
        services.create_object(by=admin, name="contract", label="Contract", label_plural="Contracts")
        services.create_field(
            by=admin,
            object_name="contract",
            name="account",
            label="Account",
            type="lookup",
            target="accounts",
            unique=True,
        )
        ours = services.create_record("contract", by=admin, name="Ours", values={"account": keep.pk})
        theirs = services.create_record("contract", by=admin, name="Theirs", values={"account": other.pk})
        merge_accounts(keep=keep, other=other, by=admin)
        found = {r.pk: r.account for r in selectors.records_visible_to(admin, "contract")}
        assert found == {ours.pk: keep.pk, theirs.pk: None}


def test_merging_fills_the_survivors_blank_custom_values_and_keeps_its_own(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        services.create_field(
            by=admin, object_name="contacts", name="wechat_id", label="WeChat", type="text", unique=True
        )
        services.create_field(by=admin, object_name="contacts", name="shoe_size", label="Shoe size", type="integer")
        services.create_field(by=admin, object_name="contacts", name="vip", label="VIP", type="boolean")
    keep, other = contact(tenant_a, "Ann"), contact(tenant_a, "Anne")
    with in_tenant(tenant_a):
        services.set_custom_values(object_name="contacts", record_id=keep.pk, values={"shoe_size": 38})
        services.set_custom_values(
            object_name="contacts", record_id=other.pk, values={"wechat_id": "ann-wx", "shoe_size": 39, "vip": True}
        )
        merge_contacts(keep=keep, other=other, by=admin)
        assert custom_values(Contact, "contacts", keep.pk) == {"wechat_id": "ann-wx", "shoe_size": 38, "vip": True}
        merged = keep.__class__.objects.get(pk=keep.pk)
        from crm.audit.selectors import history_for

        filled = history_for(merged).filter(action="contact.merged").get().payload["filled"]
        assert filled["wechat_id"] == {"label": "WeChat", "old": None, "new": "ann-wx"}
        assert "shoe_size" not in filled


def test_merging_contacts_moves_lookups_at_the_merged_contact(tenant_a):
    admin = user_of(tenant_a, "admin")
    keep, other = contact(tenant_a, "Bob"), contact(tenant_a, "Bobby")
    with in_tenant(tenant_a):
        services.create_field(
            by=admin, object_name="deals", name="champion", label="Champion", type="lookup", target="contacts"
        )
        services.create_object(by=admin, name="vehicle", label="Vehicle", label_plural="Vehicles")
        services.create_field(
            by=admin, object_name="vehicle", name="driver", label="Driver", type="lookup", target="contacts"
        )
        van = services.create_record("vehicle", by=admin, name="Van", values={"driver": other.pk})
        merge_contacts(keep=keep, other=other, by=admin)
        assert selectors.record_get_for_user(admin, "vehicle", van.pk).driver == keep.pk
