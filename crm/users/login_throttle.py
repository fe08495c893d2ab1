"""Failed sign-ins are counted per e-mail and client address, in the cache (whose
keys carry the tenant's schema), and lock that pair out for a while."""

from django.conf import settings
from django.core.cache import cache


class LockedOut(Exception):
    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


def _key(email, ip):
    return f"login-failures:{(email or '').strip().lower()}:{ip or '-'}"


def check(*, email, ip):
    """Raise LockedOut while this e-mail and address have too many recent failures."""
    if (cache.get(_key(email, ip)) or 0) >= settings.LOGIN_FAILURE_LIMIT:
        raise LockedOut(settings.LOGIN_LOCKOUT_SECONDS)


def record_failure(*, email, ip):
    key = _key(email, ip)
    if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def reset(*, email, ip):
    cache.delete(_key(email, ip))
