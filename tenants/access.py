"""What a tenant's billing status and ops state let its users do
(docs/decisions/005-billing.md): the one place that turns `Tenant.status`,
`restoring` and `lifecycle` into allowed requests, and the banner.

restoring: reads work, writes are 503 until the restore finishes. lifecycle
suspended/deleting (ops): every request of the tenant's host gets a notice.

read_only: reads and exports work; any write is 402 with a message naming the
billing page. suspended: only sign-in, the billing page and exports work.
Billing itself is always reachable, so paying restores access at once.

What is an export is decided by the view the path resolves to (marked with
`exports_data`), never by the query string or the shape of the path: a suspended
tenant must not read a list page by adding `?export` to its URL.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from tenants.models import Tenant

# Paths that work whatever the status: paying, signing in and out (a forgotten
# password included), static files.
ALWAYS_OPEN = (
    "/billing/",
    "/api/v1/billing/",
    "/login/",
    "/logout/",
    "/welcome/",
    # "Forgot password?" and its e-mailed link: signing in must stay possible.
    "/password/reset/",
    "/api/v1/auth/token/",
    "/i18n/",
    "/static/",
    "/api/schema/",
    "/api/docs/",
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


EXPORTS_DATA = "exports_tenant_data"
View = TypeVar("View", bound=Callable[..., Any])


def exports_data(view: View) -> View:
    """Mark a view (a UI view function, or a DRF viewset action) as a download of
    the tenant's records, which a suspended tenant may still use. Put it outermost
    on a view function; on an action, beside `@action`."""
    setattr(view, EXPORTS_DATA, True)
    return view


def _is_export(request: HttpRequest) -> bool:
    """True when the request reads through a view marked with `exports_data`."""
    if request.method not in SAFE_METHODS:
        return False
    try:
        view = resolve(request.path_info, urlconf=getattr(request, "urlconf", None)).func
    except Resolver404:
        return False
    if getattr(view, EXPORTS_DATA, False):
        return True
    # A DRF viewset's view: the action this method maps to carries the mark.
    actions = getattr(view, "actions", None) or {}
    method = (request.method or "").lower()
    handler = getattr(getattr(view, "cls", None), actions.get(method, ""), None)
    return bool(getattr(handler, EXPORTS_DATA, False))


def read_only_message() -> str:
    return _(
        "This CRM is read-only because the subscription is unpaid. Reads and exports still work; "
        "an admin can restore full access on the billing page (/billing/)."
    )


def suspended_message() -> str:
    return _(
        "This CRM's subscription has ended. Your data is kept: an admin can export it or subscribe "
        "again on the billing page (/billing/)."
    )


def restoring_message() -> str:
    return _("A backup is being restored into this CRM: it is read-only until the restore finishes.")


def closed_message() -> str:
    return _("This CRM is suspended by the provider. Contact support to restore access; no data was deleted.")


class TenantAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if not isinstance(tenant, Tenant):
            return self.get_response(request)
        if tenant.is_closed_by_ops:
            return self._refuse(request, closed_message(), status=503)
        if tenant.may_write or request.path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        if tenant.restoring:
            if request.method in SAFE_METHODS:
                return self.get_response(request)
            return self._refuse(request, restoring_message(), status=503)
        if tenant.is_suspended:
            if _is_export(request):
                return self.get_response(request)
            return self._refuse(request, suspended_message())
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        return self._refuse(request, read_only_message())

    def _refuse(self, request: HttpRequest, message: str, status: int = 402) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=status)
        return render(request, "payment_required.html", {"message": message, "billing": status == 402}, status=status)


def billing_banner(request: HttpRequest) -> dict[str, Any]:
    """Template context: a banner while the tenant is past due, read-only or suspended."""
    tenant = getattr(request, "tenant", None)
    if not isinstance(tenant, Tenant):
        return {}
    if tenant.restoring:
        text = restoring_message()
    elif tenant.status == Tenant.Status.PAST_DUE:
        text = _(
            "The last payment failed. The CRM stays fully usable until %(date)s, then becomes read-only "
            "until the invoice is paid."
        ) % {"date": tenant.grace_ends_at.strftime("%Y-%m-%d") if tenant.grace_ends_at else "—"}
    elif tenant.status == Tenant.Status.READ_ONLY:
        text = read_only_message()
    elif tenant.status == Tenant.Status.SUSPENDED:
        text = suspended_message()
    else:
        return {}
    return {"billing_banner": text, "billing_offline": not settings.STRIPE_API_KEY}
