from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant


class SignUpForm(forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    subdomain = forms.CharField(label=_("Subdomain"), max_length=63)
    email = forms.EmailField(label=_("Work e-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10000, initial=3)
    interval = forms.ChoiceField(label=_("Billing"), choices=Tenant.Interval.choices, initial="month")
