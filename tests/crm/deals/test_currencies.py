"""A deal's currency is an ISO 4217 code, in capitals: "cny" is taken as CNY,
"RMB" (a name of the yuan, not a code) is refused with a message for the field,
so the pipeline never shows a second yuan total."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm.deals import registration, services
from crm.deals.checks import default_currency_is_iso_4217
from crm.deals.currencies import normalise_currency
from crm.deals.models import Deal, RegistrationRule
from crm.deals.selectors import summary
from tests.crm.accounts.test_web import browser
from tests.crm.deals.factories import make_deal
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("typed", "stored"), [("cny", "CNY"), (" usd ", "USD"), ("EUR", "EUR"), ("jpy", "JPY")])
def test_a_currency_code_is_taken_in_any_case_and_kept_in_capitals(typed, stored):
    assert normalise_currency(typed) == stored


@pytest.mark.parametrize("typed", ["RMB", "rmb", "XYZ", "yuan", "", "C N Y", None, 156])
def test_what_is_no_iso_4217_code_is_refused(typed):
    with pytest.raises(ValidationError):
        normalise_currency(typed)


def test_rmb_is_refused_with_a_message_that_names_cny(tenant_a):
    with pytest.raises(ValidationError) as caught:
        make_deal(tenant_a, name="Rmb deal", currency="rmb")
    assert "CNY" in caught.value.message_dict["currency"][0]
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Rmb deal").exists()


def test_a_deal_in_lower_case_cny_joins_the_cny_total(tenant_a):
    make_deal(tenant_a, name="Upper", amount="100.00", currency="CNY")
    make_deal(tenant_a, name="Lower", amount="50.00", currency="cny")
    with in_tenant(tenant_a):
        assert set(Deal.objects.filter(name__in=["Upper", "Lower"]).values_list("currency", flat=True)) == {"CNY"}
        totals = summary(user_of(tenant_a, "sales"))["totals"]
    assert totals is not None and set(totals) == {"CNY"}


def test_changing_a_deal_to_rmb_is_refused_and_changes_nothing(tenant_a):
    deal = make_deal(tenant_a, currency="USD")
    with in_tenant(tenant_a), pytest.raises(ValidationError) as caught:
        services.update_deal(deal=deal, by=user_of(tenant_a, "admin"), currency="RMB")
    assert "currency" in caught.value.message_dict
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).currency == "USD"


def test_the_api_refuses_rmb_with_a_field_message(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/deals/", {"name": "Api rmb", "amount": "10.00", "currency": "rmb"}, format="json")
    assert response.status_code == 400
    assert "CNY" in response.json()["currency"][0]
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Api rmb").exists()


def test_the_api_takes_lower_case_cny_as_cny(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = client.post("/api/v1/deals/", {"name": "Api cny", "amount": "10.00", "currency": "cny"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["currency"] == "CNY"
    patched = client.patch(f"/api/v1/deals/{response.json()['id']}/", {"currency": "XYZ"}, format="json")
    assert patched.status_code == 400 and "currency" in patched.json()


def test_the_deal_form_refuses_rmb_beside_the_field(tenant_a):
    response = browser(tenant_a, "sales").post("/deals/new/", {"name": "Form rmb", "amount": "1", "currency": "RMB"})
    assert response.status_code == 400
    assert "CNY" in response.context["form"].errors["currency"][0]
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Form rmb").exists()


def test_the_registration_rule_refuses_rmb_and_takes_lower_case(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        with pytest.raises(ValidationError) as caught:
            registration.update_rule(by=admin, threshold=Decimal("1000"), currency="RMB")
        assert "currency" in caught.value.message_dict
        assert registration.update_rule(by=admin, threshold=Decimal("1000"), currency="usd").currency == "USD"
        assert RegistrationRule.objects.get(pk=1).currency == "USD"


def test_a_default_currency_that_is_no_iso_4217_code_fails_the_system_check(settings):
    settings.DEFAULT_CURRENCY = "RMB"
    assert [error.id for error in default_currency_is_iso_4217(None)] == ["deals.E001"]
    settings.DEFAULT_CURRENCY = "CNY"
    assert default_currency_is_iso_4217(None) == []
