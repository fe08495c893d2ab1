"""A document's amounts against hand-computed cases (docs/decisions/015): each
line's net and tax rounded to the currency's minor unit, halves away from zero;
the document's totals are the sums of its lines."""

from decimal import Decimal
from types import SimpleNamespace

from crm.deals.currencies import round_money
from crm.sales.totals import line_amounts, price_lines


def line(quantity, unit_price, discount="0", tax_rate="0"):
    return SimpleNamespace(
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        discount=Decimal(discount),
        tax_rate=Decimal(tax_rate),
    )


def test_a_line_at_13_percent_vat():
    # 3 × 99.90 = 299.70; tax 299.70 × 0.13 = 38.961 → 38.96
    assert line_amounts(
        quantity=Decimal(3), unit_price=Decimal("99.90"), discount=Decimal(0), tax_rate=Decimal("0.13"), currency="CNY"
    ) == (Decimal("299.70"), Decimal("38.96"))


def test_a_three_decimal_quantity_with_a_discount_at_6_percent():
    # 2.125 kg × 18.80 = 39.95; less 15 % = 33.9575 → 33.96; tax 6 % = 2.0376 → 2.04
    assert line_amounts(
        quantity=Decimal("2.125"),
        unit_price=Decimal("18.80"),
        discount=Decimal("0.15"),
        tax_rate=Decimal("0.06"),
        currency="CNY",
    ) == (Decimal("33.96"), Decimal("2.04"))


def test_halves_round_away_from_zero():
    # 0.125 × 1 = 0.125 → 0.13 (not banker's 0.12); tax 0 %.
    assert line_amounts(
        quantity=Decimal("0.125"), unit_price=Decimal(1), discount=Decimal(0), tax_rate=Decimal(0), currency="CNY"
    ) == (Decimal("0.13"), Decimal("0.00"))


def test_a_document_sums_its_rounded_lines():
    lines = [line("3", "99.90", tax_rate="0.13"), line("2.125", "18.80", "0.15", "0.06"), line("1", "500", "0", "0")]
    totals = price_lines(lines, "CNY")
    # nets 299.70 + 33.96 + 500.00; taxes 38.96 + 2.04 + 0
    assert (totals.subtotal, totals.tax, totals.total) == (Decimal("833.66"), Decimal("41.00"), Decimal("874.66"))
    assert [(x.net, x.tax) for x in lines] == [
        (Decimal("299.70"), Decimal("38.96")),
        (Decimal("33.96"), Decimal("2.04")),
        (Decimal("500.00"), Decimal("0.00")),
    ]
    assert totals.max_discount == Decimal("0.15")


def test_per_line_rounding_is_not_the_rounding_of_the_sum():
    # Three lines of 0.333 each at 13 %: each tax 0.04329 → 0.04, sum 0.12 (the
    # tax of the summed net, 0.99 × 0.13 = 0.1287, would print as 0.13).
    lines = [line("1", "0.333", tax_rate="0.13") for _ in range(3)]
    totals = price_lines(lines, "CNY")
    assert totals.subtotal == Decimal("0.99")
    assert totals.tax == Decimal("0.12")


def test_currencies_round_to_their_minor_unit():
    assert round_money(Decimal("1234.5"), "JPY") == Decimal("1235")
    assert round_money(Decimal("1.2345"), "KWD") == Decimal("1.235")
    assert round_money(Decimal("1.005"), "USD") == Decimal("1.01")
