"""Failed sign-ins are counted in the cache (whose keys carry the schema of the
tenant, or public for the vendor admin):

- per account: the user the typed e-mail matches, found by the same
  case-insensitive lookup that signs in (so `ADMIN@x`, or an e-mail whose
  look-alike letters PostgreSQL folds to the same user, count for that one user),
  whatever the client address; this locks the account out. A typed e-mail that
  matches nobody is counted under its folded form.
- per client address, with a higher limit, which slows one address trying many
  accounts. Behind the ingress the client address is read from X-Forwarded-For,
  counting NUM_PROXIES hops from the right (the ones our proxies appended; what
  the client itself sent further left is not trusted).
"""

import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

# How many more failures one address may have, across accounts, than one account.
_ADDRESS_FACTOR = 10
# An address is at most this long (IPv6 with a zone); longer text is not an address.
_MAX_ADDRESS = 64


class LockedOut(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind NUM_PROXIES proxies the
    NUM_PROXIES-th entry of X-Forwarded-For from the right."""
    address = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if proxies > 0 and hops:
        address = hops[-min(proxies, len(hops))]
    return address[:_MAX_ADDRESS] or "-"


def account_key(*, user_id: int | None, email: str | None) -> str:
    """Who a failure counts against: the matched user, else the typed e-mail folded
    (NFKC and casefold, so look-alike spellings of one address share a count)."""
    if user_id is not None:
        return f"user:{user_id}"
    return "email:" + unicodedata.normalize("NFKC", (email or "").strip()).casefold()


def _counters(account: str, address: str) -> list[tuple[str, int]]:
    return [
        (f"login-failures:{account}", settings.LOGIN_FAILURE_LIMIT),
        (f"login-failures-address:{address}", settings.LOGIN_FAILURE_LIMIT * _ADDRESS_FACTOR),
    ]


def check(*, account: str, address: str) -> None:
    """Raise LockedOut while this account, or this address, has too many recent failures."""
    for key, limit in _counters(account, address):
        if (cache.get(key) or 0) >= limit:
            raise LockedOut(settings.LOGIN_LOCKOUT_SECONDS)


def record_failure(*, account: str, address: str) -> None:
    for key, _limit in _counters(account, address):
        if not cache.add(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)


def reset(*, account: str, address: str) -> None:
    """After a success: this account's count starts over; the address's does not."""
    cache.delete(_counters(account, address)[0][0])
