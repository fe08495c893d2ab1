"""The one place that decides which time zone a person's dates and times are in.

Everything is stored in UTC (USE_TZ). What a person sees, types and calls "today"
is in their *effective* zone: their own choice (User.time_zone) if they made one,
else their company's (Tenant.time_zone). `effective_zone` decides it; `activated`
makes it Django's current zone (django.utils.timezone), so that templates show
local times, forms and the API read naive input as local time, and
timezone.localdate() is the local "today". It is activated once per entry point:
per request (TimeZoneMiddleware below, and api.authentication for bearer tokens),
per Celery task (tenants.task_context.TenantTask: the tenant's zone); code that
walks tenants or users itself (ops, tests) uses `activated`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DEFAULT = "UTC"
# A company signing up in Chinese is, unless its browser says otherwise, in China.
CHINA = "Asia/Shanghai"


@functools.cache
def names() -> frozenset[str]:
    """Every zone name zoneinfo knows (IANA names such as "Asia/Shanghai")."""
    return frozenset(available_timezones())


def choices() -> list[tuple[str, str]]:
    """(value, label) pairs for a select box, sorted by name."""
    return [(name, name.replace("_", " ")) for name in sorted(names())]


def is_valid(name: object) -> bool:
    return isinstance(name, str) and name in names()


def unknown_zone_messages(name: object) -> list[StrOrPromise]:
    return [_("Unknown time zone “%(name)s”: use a name such as Asia/Shanghai.") % {"name": name}]


def validate(name: object, *, field: str = "time_zone") -> str:
    """`name` if it is a zone zoneinfo knows; else a ValidationError on `field`."""
    if not isinstance(name, str) or not is_valid(name):
        raise ValidationError({field: unknown_zone_messages(name)})
    return name


def default_for_language(language: str | None) -> str:
    """The zone of a sign-up that did not say: Asia/Shanghai for Chinese, else UTC."""
    return CHINA if (language or "").lower().startswith("zh") else DEFAULT


def tenant_zone_name(tenant: Any) -> str:
    """The company's zone; UTC for the public schema (no tenant row) or an unknown value."""
    name = getattr(tenant, "time_zone", "") or ""
    return name if is_valid(name) else DEFAULT


def effective_zone_name(*, tenant: Any, user: Any = None) -> str:
    """The user's own zone if they chose one, else the tenant's."""
    own = ""
    if user is not None and getattr(user, "is_authenticated", False):
        own = getattr(user, "time_zone", None) or ""
    return own if is_valid(own) else tenant_zone_name(tenant)


def effective_zone(*, tenant: Any, user: Any = None) -> ZoneInfo:
    return ZoneInfo(effective_zone_name(tenant=tenant, user=user))


def activate(*, tenant: Any, user: Any = None) -> ZoneInfo:
    """Make the effective zone Django's current zone (until deactivated); returns it."""
    zone = effective_zone(tenant=tenant, user=user)
    timezone.activate(zone)
    return zone


@contextlib.contextmanager
def activated(*, tenant: Any, user: Any = None) -> Iterator[ZoneInfo]:
    """`activate` for the block, then back to the default zone (settings.TIME_ZONE)."""
    zone = activate(tenant=tenant, user=user)
    try:
        yield zone
    finally:
        timezone.deactivate()


class TimeZoneMiddleware:
    """After authentication: every request runs in its user's effective zone (the
    tenant's for anonymous requests and the public site's UTC), and the thread goes
    back to the default zone afterwards. API requests authenticated by a bearer token
    are not known here yet; api.authentication activates their user's zone."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        activate(tenant=getattr(request, "tenant", None), user=getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
