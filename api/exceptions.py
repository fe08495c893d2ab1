"""Errors are data for the client: `{"field": ["message"]}` or `{"detail": "message"}`, never a 500 page."""

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults
from django_tenants.utils import get_public_schema_name
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from api.preconditions import PreconditionFailed
from billing.gateway import StripeUnavailable
from crm.audit.versions import StaleRecord
from crm.builder.ddl import Busy
from crm.users.login_throttle import LockedOut
from crm.users.services import SeatLimitReached


class PaymentRequired(exceptions.APIException):
    status_code = 402
    default_detail = "Payment required."
    default_code = "payment_required"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, SeatLimitReached):
        exc = PaymentRequired(detail=str(exc))
    elif isinstance(exc, StripeUnavailable):
        exc = exceptions.APIException(detail=f"Stripe did not accept the change, nothing was changed: {exc}")
        exc.status_code = 503
    elif isinstance(exc, Busy):
        # A module builder change found its table in use: nothing changed, try again (docs/decisions/008).
        exc = exceptions.APIException(detail=str(exc))
        exc.status_code = 409
    elif isinstance(exc, StaleRecord):
        # If-Match named an older version of the record: nothing was written.
        exc = PreconditionFailed(detail=str(exc))
    elif isinstance(exc, LockedOut):
        exc = exceptions.Throttled(wait=exc.retry_after, detail="Too many failed sign-ins.")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"non_field_errors": response.data}
    if response is not None and isinstance(exc, exceptions.ValidationError) and isinstance(response.data, dict):
        response.data = {field: _flat(messages) for field, messages in response.data.items()}
    return response


def _flat(messages, prefix=""):
    """CONTRACT.md's shape is {"field": ["message"]}: errors of list items and
    nested objects become messages prefixed with where they are ("0: ...")."""
    if isinstance(messages, dict):
        return [m for key, value in messages.items() for m in _flat(value, f"{prefix}{key}: ")]
    if isinstance(messages, (list, tuple)):
        return [m for value in messages for m in _flat(value, prefix)]
    return [f"{prefix}{messages}"]


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    if _in_app(request):
        # A signed-in user on their company's host keeps the app's sidebar and search.
        return render(request, "404.html", {"layout": "crm/base.html"}, status=404)
    return defaults.page_not_found(request, exception)


def _in_app(request):
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    return (
        tenant is not None
        and tenant.schema_name != get_public_schema_name()
        and user is not None
        and user.is_authenticated
    )


def bad_request(request, exception=None):
    """Django's 400s (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a malformed Host
    header, a NUL in the URL): JSON on /api/ paths like every other API error."""
    if request.path.startswith("/api/"):
        if isinstance(exception, NullCharacters):
            detail = str(exception)
        elif isinstance(exception, RequestDataTooBig):
            detail = "The request body is too large."
        elif isinstance(exception, DisallowedHost):
            detail = "The Host header is not valid."
        else:
            detail = "Bad request."
        return JsonResponse({"detail": detail}, status=400)
    return defaults.bad_request(request, exception)


class NullCharacters(Exception):
    """A NUL in a request's path or query string (config/null_bytes.py)."""

    def __str__(self):
        return "Null characters are not allowed."


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
