"""api/representation.DirectRead reads records without DRF's per-field lookup;
what it answers must be DRF's answer, key for key and value for value. Each
test serializes the same rows both ways and compares."""

import datetime

import pytest
from rest_framework import serializers

from api.contacts import ContactSerializer
from api.deals import DealSerializer
from api.representation import DirectRead
from crm.accounts.services import create_account
from crm.builder import query as custom_query
from crm.builder import selectors as builder
from crm.builder import services as builder_services
from crm.contacts import selectors as contact_selectors
from crm.contacts.services import create_contact, link_account
from crm.deals.selectors import deals_visible_to
from crm.deals.services import create_deal
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def both_ways(serializer_class, rows, custom_fields=(), user=None):
    """The rows serialized by DRF alone and with DirectRead under it."""
    from api.custom_fields import add_custom_fields

    direct_class = type(serializer_class.__name__, (serializer_class, DirectRead), {})
    results = []
    for cls in (serializer_class, direct_class):
        serializer = cls(rows, many=True)
        add_custom_fields(serializer, list(custom_fields), user)
        results.append(serializer.data)
    return results


def test_contacts_with_links_custom_values_and_nulls_read_as_drf_reads_them(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        builder_services.create_field(by=admin, object_name="contacts", name="birthday", label="Birthday", type="date")
        first, second = create_account(by=admin, name="Ringo Ltd"), create_account(by=admin, name="Paul Co")
        linked = create_contact(by=admin, first_name="Ann", last_name="Linked", account=first, title="CEO")
        link_account(contact=linked, account=second, by=admin, role="decision_maker")
        lone = create_contact(by=admin, first_name="Bo", last_name="", email="bo@example.test")
        builder_services.set_custom_values(
            object_name="contacts", record_id=linked.pk, values={"birthday": "1990-02-03"}
        )
        fields = builder.fields_for("contacts", include_hidden=True)
        rows = list(
            custom_query.with_custom_fields(contact_selectors.contacts_visible_to(admin), "contacts", fields)
            .filter(pk__in=[linked.pk, lone.pk])
            .order_by("id")
        )
        drf, direct = both_ways(ContactSerializer, rows, fields, admin)

    assert direct == drf
    assert [list(row) for row in direct] == [list(row) for row in drf]  # the same keys in the same order
    assert direct[0]["birthday"] == "1990-02-03" and direct[1]["birthday"] is None
    assert [link["account"] for link in direct[0]["accounts"]] == [first.pk, second.pk]
    assert direct[1]["account"] is None and direct[1]["accounts"] == []


def test_deals_with_money_dates_and_lists_read_as_drf_reads_them(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        account = create_account(by=admin, name="Deal Corp")
        create_deal(
            by=admin,
            name="Big one",
            account=account,
            amount="1234.50",
            expected_close_date=datetime.date(2027, 1, 31),
            competitors="Acme, Globex",
        )
        create_deal(by=admin, name="Empty one", account=account)
        rows = list(deals_visible_to(admin).filter(account=account).order_by("id"))
        drf, direct = both_ways(DealSerializer, rows)
    assert direct == drf and len(direct) == 2
    assert direct[0]["amount"] == "1234.50" and direct[0]["expected_close_date"] == "2027-01-31"


class Odd(serializers.Serializer):
    """Fields DirectRead must leave to DRF: dotted and callable sources, method
    fields, defaults of missing attributes, and a dict for an instance."""

    boss = serializers.CharField(source="boss.name")
    greeting = serializers.CharField()
    shout = serializers.SerializerMethodField()
    missing = serializers.CharField(default="fallback")
    absent = serializers.CharField(required=False)
    name = serializers.CharField()

    def get_shout(self, obj):
        return "hey " + (obj["name"] if isinstance(obj, dict) else obj.name)


class Thing:
    def __init__(self, name, boss=None):
        self.name, self.boss = name, boss

    def greeting(self):
        return f"hello {self.name}"


def test_fields_that_are_not_plain_attributes_read_as_drf_reads_them():
    rows = [Thing("ann", boss=Thing("cy")), {"name": "bo", "boss": {"name": "di"}, "greeting": "hi bo"}]
    drf, direct = both_ways(Odd, rows)
    assert direct == drf
    assert direct[0] == {
        "boss": "cy",
        "greeting": "hello ann",
        "shout": "hey ann",
        "missing": "fallback",
        "name": "ann",
    }
