"""System checks of deals' settings (`manage.py check`)."""

from typing import Any

from django.conf import settings
from django.core import checks

from crm.deals.currencies import ISO_4217


@checks.register()
def default_currency_is_iso_4217(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """DEFAULT_CURRENCY is what a deal is in when none is given: it must be a code
    the deals' own check (crm.deals.currencies) accepts, or every such deal is refused."""
    if settings.DEFAULT_CURRENCY in ISO_4217:
        return []
    return [
        checks.Error(
            f"DEFAULT_CURRENCY {settings.DEFAULT_CURRENCY!r} is not an ISO 4217 currency code in capitals.",
            hint='Set DEFAULT_CURRENCY to a code such as "CNY" (not "RMB"), "USD" or "EUR".',
            id="deals.E001",
        )
    ]
