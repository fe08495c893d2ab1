"""The link that signs a new tenant's owner in right after sign-up.

Sign-up happens on the public host, the CRM on the tenant's own host, and
sessions are per host: the public host cannot sign anyone in over there. It
hands over a signed token instead (/welcome/<token>/ on the tenant's host).

The token names the tenant's schema and the owner, and is good for
WELCOME_TOKEN_SECONDS. It is single-use without a table: it also names the
owner's `last_login` as it was when issued (never, right after sign-up), and
redeeming it signs the owner in, which changes `last_login`; a replay no longer
matches (as Django's password-reset tokens use the password hash)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing

from tenants.models import Tenant

SALT = "tenants.welcome"


def _stamp(user: Any) -> str:
    return user.last_login.isoformat() if user.last_login else ""


def token_for(*, tenant: Tenant, user: Any) -> str:
    """A welcome token for `user` of `tenant` (tenants.services.welcome_token reads
    the owner in the tenant's schema and calls this)."""
    return signing.dumps({"s": tenant.schema_name, "u": user.pk, "l": _stamp(user)}, salt=SALT, compress=True)


def redeem(*, tenant: Tenant, token: str) -> Any | None:
    """The active user the token names, when it is intact, not expired, issued for
    this tenant and not yet used; else None. Runs in `tenant`'s schema (the
    request's); the caller signs the user in, which spends the token."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.WELCOME_TOKEN_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("s") != tenant.schema_name or not isinstance(data.get("u"), int):
        return None
    user = get_user_model().objects.filter(pk=data["u"], is_active=True).first()
    if user is None or _stamp(user) != data.get("l"):
        return None
    return user
