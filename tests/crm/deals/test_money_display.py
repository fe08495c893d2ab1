"""Amounts on the pages read the same way in English and Chinese: the currency's
symbol (or code) and the digits grouped in threes."""

from decimal import Decimal

import pytest
from django.utils import translation

from crm.templatetags.crm_ui import money
from tests.crm.accounts.test_web import browser
from tests.factories import make_deal
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (Decimal("74800"), "CNY", "¥74,800.00"),
        ("1234567.5", "USD", "$1,234,567.50"),
        (Decimal("9.5"), "EUR", "€9.50"),
        (Decimal("3000"), "GBP", "GBP 3,000.00"),
        (Decimal("-1200"), "CNY", "-¥1,200.00"),
        (0, "", "0.00"),
        ("not a number", "CNY", ""),
    ],
)
def test_money_shows_the_symbol_and_grouped_digits_in_every_language(language, amount, currency, shown):
    with translation.override(language):
        assert money(amount, currency) == shown


def test_the_deal_board_in_chinese_shows_yuan_with_thousands_separators(tenant_a):
    with in_tenant(tenant_a):
        make_deal(by=user_of(tenant_a, "sales"), name="Yuan deal", amount=Decimal("74800"), currency="CNY")
    page = browser(tenant_a, "sales").get("/deals/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in page
    assert "¥74,800.00" in page
    assert "74800.00" not in page
