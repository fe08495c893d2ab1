from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from crm.users import tokens
from tenants import time_zones


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`, looked up in the current tenant's schema only."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header."))
        token = tokens.token_for_secret(parts[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        # TimeZoneMiddleware ran before this user was known; it deactivates after the response.
        time_zones.activate(tenant=getattr(connection, "tenant", None), user=token.user)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session (with CSRF), for the UI's own calls to the API."""
