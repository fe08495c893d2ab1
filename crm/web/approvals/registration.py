"""Settings → Approvals → Deal registration (admin): which deals need registering
(商机报备) through the approval engine (crm.deals.registration.update_rule)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.deals import registration
from crm.web.approvals.forms import RegistrationRuleForm
from crm.web.approvals.http import SignedInRequest
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import form_response, saved


@admin_page
def rule_page(request: SignedInRequest) -> HttpResponse:
    rule = registration.registration_rule()
    form = RegistrationRuleForm(request.POST or None, initial={"threshold": rule.threshold, "currency": rule.currency})
    if request.method == "POST" and form.is_valid():
        try:
            registration.update_rule(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Deal registration rule saved."), reverse("settings-approvals"))
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-deal-registration"),
            "cancel": reverse("settings-approvals"),
            "title": _("Deal registration"),
            "testid": "registration-rule-form",
            "intro": _(
                "A deal above this amount shows that it needs registering; registering submits it to the "
                "“Deal registration” approval flow."
            ),
        },
    )
