"""API bearer tokens: issued once, stored as a hash, looked up in the current schema."""

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from crm.users.models import ApiToken, User

_PREFIX = "crm_"
# Writing last_used_at on every request would turn each read into a write.
_TOUCH_EVERY = timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(*, user: User) -> str:
    """Create a token for `user` and return its secret, which is not stored."""
    raw = _PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, digest=_digest(raw), prefix=raw[:12])
    return raw


def token_for_secret(raw: str | None) -> ApiToken | None:
    """The active user's token with this secret in the current tenant, or None."""
    if not raw or not raw.startswith(_PREFIX) or len(raw) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(raw), user__is_active=True).first()
    if token and (token.last_used_at is None or timezone.now() - token.last_used_at > _TOUCH_EVERY):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def revoke_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


def revoke_all_tokens(*, user: User) -> int:
    """Delete every token of `user` (password changed, deactivated); returns how many."""
    deleted, _by_model = ApiToken.objects.filter(user=user).delete()
    return deleted
