"""Failed sign-ins are counted in the cache (whose keys carry the tenant's
schema): per e-mail and client address, which locks that pair out, and per
address alone with a higher limit, which slows one address trying many e-mails."""

from django.conf import settings
from django.core.cache import cache

# How many more failures one address may have, across e-mails, than one e-mail.
_ADDRESS_FACTOR = 10


class LockedOut(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def _counters(email: str | None, ip: str | None) -> list[tuple[str, int]]:
    address = ip or "-"
    return [
        (f"login-failures:{(email or '').strip().lower()}:{address}", settings.LOGIN_FAILURE_LIMIT),
        (f"login-failures-address:{address}", settings.LOGIN_FAILURE_LIMIT * _ADDRESS_FACTOR),
    ]


def check(*, email: str | None, ip: str | None) -> None:
    """Raise LockedOut while this e-mail and address, or this address, has too many recent failures."""
    for key, limit in _counters(email, ip):
        if (cache.get(key) or 0) >= limit:
            raise LockedOut(settings.LOGIN_LOCKOUT_SECONDS)


def record_failure(*, email: str | None, ip: str | None) -> None:
    for key, _limit in _counters(email, ip):
        if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def reset(*, email: str | None, ip: str | None) -> None:
    """After a success: this e-mail's count starts over; the address's does not."""
    cache.delete(_counters(email, ip)[0][0])
