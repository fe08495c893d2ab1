from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants import plans, time_zones
from tenants.models import Tenant


class PlanSelect(forms.Select):
    """A plan <select> whose options carry their currency, for static/signup_plans.js
    to show only the plans of the chosen currency."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        currency = plans.plan_currency(str(value))
        if currency:
            option["attrs"]["data-currency"] = currency
        return option


def plan_label(plan: plans.OfferedPlan) -> str:
    return str(
        _("%(name)s — %(month)s per seat a month, %(year)s a year")
        % {
            "name": plan.name,
            "month": plans.price_text(plan.month, plan.currency),
            "year": plans.price_text(plan.year, plan.currency),
        }
    )


class SignUpForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    subdomain = forms.CharField(label=_("Subdomain"), max_length=63)
    email = forms.EmailField(label=_("Work e-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    currency = forms.ChoiceField(label=_("Currency"), required=False)
    plan = forms.ChoiceField(label=_("Plan"), widget=PlanSelect, required=False)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10000, initial=3)
    interval = forms.ChoiceField(label=_("Billing interval"), choices=Tenant.Interval.choices, initial="month")
    # Filled in by static/signup_time_zone.js from the browser; see clean_time_zone.
    time_zone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, language: str | None = None, currency: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currencies = plans.currencies()
        if currency not in currencies:
            currency = plans.default_currency(language=language, time_zone=None)
        cast(forms.ChoiceField, self.fields["currency"]).choices = [(code, code.upper()) for code in currencies]
        self.fields["currency"].initial = currency
        # Every plan is listed (each names its price); the script hides the other
        # currency's, and sign_up refuses a plan of another currency than the one chosen.
        cast(forms.ChoiceField, self.fields["plan"]).choices = [
            (plan.code, plan_label(plan)) for plan in plans.offered()
        ]
        self.fields["plan"].initial = plans.default_plan(currency)

    def clean_time_zone(self) -> str:
        # Nobody can correct a hidden field: a zone this server does not know (an old
        # browser's alias) falls back to the default for the page's language.
        name = self.cleaned_data.get("time_zone", "").strip()
        return name if time_zones.is_valid(name) else ""
