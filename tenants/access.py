"""What a tenant's billing status lets its users do (docs/decisions/005-billing.md):
the one place that turns `Tenant.status` into allowed requests, and the banner.

read_only: reads and exports work; any write is 402 with a message naming the
billing page. suspended: only sign-in, the billing page and exports work.
Billing itself is always reachable, so paying restores access at once.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tenants.models import Tenant

# Paths that work whatever the status: paying, signing in and out, static files.
ALWAYS_OPEN = ("/billing/", "/api/v1/billing/", "/login/", "/logout/", "/api/v1/auth/token/", "/i18n/",
               "/static/", "/api/schema/", "/api/docs/")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _is_export(request):
    # API exports are `<list>/export/`; list pages export with ?export=csv|xlsx.
    return request.method in SAFE_METHODS and (request.path.rstrip("/").endswith("/export")
                                               or "export" in request.GET)


def read_only_message():
    return _("This CRM is read-only because the subscription is unpaid. Reads and exports still work; "
             "an admin can restore full access on the billing page (/billing/).")


def suspended_message():
    return _("This CRM's subscription has ended. Your data is kept: an admin can export it or subscribe "
             "again on the billing page (/billing/).")


class TenantAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if not isinstance(tenant, Tenant) or tenant.may_write or request.path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        if tenant.is_suspended:
            if _is_export(request):
                return self.get_response(request)
            return self._refuse(request, suspended_message())
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        return self._refuse(request, read_only_message())

    def _refuse(self, request, message):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=402)
        return render(request, "payment_required.html", {"message": message}, status=402)


def billing_banner(request):
    """Template context: a banner while the tenant is past due, read-only or suspended."""
    tenant = getattr(request, "tenant", None)
    if not isinstance(tenant, Tenant):
        return {}
    if tenant.status == Tenant.Status.PAST_DUE:
        text = _("The last payment failed. The CRM stays fully usable until %(date)s, then becomes read-only "
                 "until the invoice is paid.") % {
            "date": tenant.grace_ends_at.strftime("%Y-%m-%d") if tenant.grace_ends_at else "—"}
    elif tenant.status == Tenant.Status.READ_ONLY:
        text = read_only_message()
    elif tenant.status == Tenant.Status.SUSPENDED:
        text = suspended_message()
    else:
        return {}
    return {"billing_banner": text, "billing_offline": not settings.STRIPE_API_KEY}
