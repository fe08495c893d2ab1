from django import forms
from django.utils.translation import gettext_lazy as _

from tenants import time_zones
from tenants.models import Tenant


class SignUpForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    subdomain = forms.CharField(label=_("Subdomain"), max_length=63)
    email = forms.EmailField(label=_("Work e-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10000, initial=3)
    interval = forms.ChoiceField(label=_("Billing"), choices=Tenant.Interval.choices, initial="month")
    # Filled in by static/signup_time_zone.js from the browser; see clean_time_zone.
    time_zone = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean_time_zone(self) -> str:
        # Nobody can correct a hidden field: a zone this server does not know (an old
        # browser's alias) falls back to the default for the page's language.
        name = self.cleaned_data.get("time_zone", "").strip()
        return name if time_zones.is_valid(name) else ""
