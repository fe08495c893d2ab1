"""The onboarding checklist's buttons on Home (and the sample data buttons of the
settings page): admin-only POSTs that call crm.onboarding.services and go back."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.onboarding import services
from crm.web.settings.decorators import admin_page


def _back(request):
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@admin_page
@require_POST
def dismiss(request):
    services.dismiss_checklist(by=request.user)
    messages.success(request, _("The checklist is put away."))
    return _back(request)


@admin_page
@require_POST
def confirm_pipeline(request):
    services.confirm_pipeline(by=request.user)
    messages.success(request, _("The pipeline is set up."))
    return _back(request)


@admin_page
@require_POST
def load_sample(request):
    try:
        made = services.load_sample_data(by=request.user, language=get_language())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Sample data loaded: %(count)d records, each marked as a sample.") % {"count": made}
        )
    return _back(request)


@admin_page
@require_POST
def remove_sample(request):
    removal = services.remove_sample_data(by=request.user)
    text = _("Sample data removed: %(count)d records.") % {"count": removal.removed}
    if removal.kept:
        text += " " + _("%(count)d sample records stay because your own records refer to them.") % {
            "count": removal.kept
        }
    messages.success(request, text)
    return _back(request)
