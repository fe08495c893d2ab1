"""The customer pool's rules: the claim cap and the nightly auto-release periods
(crm.accounts.pool.update_settings validates them; an empty box switches a rule off)."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.accounts import pool
from crm.accounts.selectors import pool_settings
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.forms import PoolSettingsForm
from crm.web.settings.pages import form_response, saved


@admin_page
def pool_settings_page(request):
    current = pool_settings()
    form = PoolSettingsForm(
        request.POST or None, initial={name: getattr(current, name) for name in pool.SETTINGS_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            pool.update_settings(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Pool rules saved."), reverse("settings-pool"))
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-pool"),
            "cancel": reverse("settings"),
            "title": _("Customer pool"),
            "testid": "pool-settings-form",
            "intro": _(
                "Accounts released by these rules go back to the pool every night, where anyone may claim them."
            ),
        },
    )
