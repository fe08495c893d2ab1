"""The request the approval pages get: signed in (module_page and admin_page see
to it) and read by django-htmx's middleware."""

from typing import Any

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class SignedInRequest(HttpRequest):
    # A crm.users User; typed Any because pages import no models module
    # (tests/architecture/test_web_views.py).
    user: Any
    htmx: HtmxDetails
