"""Time zone pages: the company's (an admin setting) and each user's own
(tenants/time_zones.py decides which one is in force)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.users import services
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import form_response, saved
from tenants import time_zones
from tenants.selectors import current_tenant


class CompanyTimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy("Dates and times are shown and typed in it, and “today” begins at its midnight."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zones.choices()


class OwnTimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label=gettext_lazy("My time zone"), required=False)

    def __init__(self, *args, company_zone, **kwargs):
        super().__init__(*args, **kwargs)
        default = _("The company's (%(zone)s)") % {"zone": company_zone}
        self.fields["time_zone"].choices = [("", default), *time_zones.choices()]


@admin_page
def company_time_zone(request):
    tenant = current_tenant()
    form = CompanyTimeZoneForm(request.POST or None, initial={"time_zone": time_zones.tenant_zone_name(tenant)})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_company_time_zone(by=request.user, time_zone=form.cleaned_data["time_zone"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Time zone saved."), reverse("settings-time-zone"))
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-time-zone"),
            "cancel": reverse("settings"),
            "title": _("Time zone"),
            "testid": "time-zone-form",
            "intro": _("The company's time zone, for every user who has not chosen their own."),
        },
    )


@login_required
def own_time_zone(request):
    company_zone = time_zones.tenant_zone_name(current_tenant())
    form = OwnTimeZoneForm(
        request.POST or None, initial={"time_zone": request.user.time_zone or ""}, company_zone=company_zone
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_own_time_zone(user=request.user, time_zone=form.cleaned_data["time_zone"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Time zone saved."), reverse("my-time-zone"))
    context = {
        "form": form,
        "action": reverse("my-time-zone"),
        "cancel": "/",
        "title": _("My time zone"),
    }
    if request.htmx:
        return render(request, "crm/_form.html", context, status=400 if form.errors else 200)
    return render(request, "crm/form_page.html", context, status=400 if form.errors else 200)
