"""What a tenant's subdomain may be."""

import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Names we keep for ourselves or that users would mistake for ours.
RESERVED = frozenset(
    {
        "www",
        "api",
        "admin",
        "public",
        "static",
        "media",
        "mail",
        "app",
        "auth",
        "billing",
        "blog",
        "cdn",
        "dashboard",
        "dev",
        "docs",
        "ftp",
        "help",
        "imap",
        "localhost",
        "login",
        "ns1",
        "ns2",
        "pop",
        "pop3",
        "signup",
        "smtp",
        "staging",
        "status",
        "support",
        "test",
        "webmail",
    }
)
_DNS_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def normalize(value: str | None) -> str:
    return (value or "").strip().lower()


def validate(value: str) -> None:
    """Raise ValidationError unless `value` (already normalized) may name a new tenant's host."""
    if not _DNS_LABEL.match(value):
        raise ValidationError(
            _("Use 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen."),
            code="invalid",
        )
    if value in RESERVED:
        raise ValidationError(_("This subdomain is reserved."), code="reserved")


def schema_name_for(subdomain: str) -> str:
    """A schema name readable by ops and never reused: a task queued for a
    deleted tenant can then never land in a newer tenant of the same subdomain."""
    return f"t_{subdomain.replace('-', '_')[:50]}_{secrets.token_hex(4)}"
