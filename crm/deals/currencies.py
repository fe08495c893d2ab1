"""Currencies: the ISO 4217 codes an amount may be in, and the one check every
entry point (services, API, forms, import) runs on a code it is given.

A code is normalised to capitals ("cny" → "CNY") and must be an active ISO 4217
alphabetic code: "RMB" (a common name for the yuan, not a code) is refused,
since a deal in "RMB" would make a second yuan total beside the CNY one."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# ISO 4217 active alphabetic codes (list one, 2025), without the testing code
# XTS and XXX ("no currency"), which no amount is in.
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV
    BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE
    CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD
    HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV
    MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT
    TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF
    XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL
    """.split()
)

# What an amount in these currencies is printed with; any other prints its code.
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€"}


def normalise_currency(code: object) -> str:
    """`code` as an ISO 4217 code in capitals ("cny" → "CNY", " usd " → "USD").

    Raises ValidationError (a message for the field) when it is not one."""
    text = code.strip().upper() if isinstance(code, str) else ""
    if text not in ISO_4217:
        if text == "RMB":
            raise ValidationError(
                _("RMB is not an ISO 4217 currency code; use CNY for the Chinese yuan."), code="currency"
            )
        raise ValidationError(
            _("Enter an ISO 4217 currency code such as CNY, USD or EUR; %(code)s is not one.")
            % {"code": str(code)[:20]},
            code="currency",
        )
    return text


def validate_currency(code: str) -> None:
    """A model field validator: the stored code is an ISO 4217 code in capitals."""
    if normalise_currency(code) != code:
        raise ValidationError(_("Enter the currency code in capitals, such as CNY."), code="currency")


# Digits after the decimal point of each currency's minor unit, where it is not
# two (ISO 4217's "minor unit" column): a yen has no cents, a dinar has fils.
_MINOR_UNITS = {
    **dict.fromkeys("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}


def minor_units(currency: str) -> int:
    """How many decimals an amount in `currency` is kept to (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded to `currency`'s minor unit, halves away from zero.

    The one rounding rule of every document (docs/decisions/015): each line's
    net amount and each line's tax are rounded here, and a document's totals are
    the sums of its rounded lines, so the lines printed always add up to the
    total printed."""
    return amount.quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)
