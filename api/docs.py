"""The OpenAPI document and its browsable page on a tenant's host.

A tenant's document names its custom objects and fields, so on a tenant host both
need a signed-in user (a session or a bearer token); the public host's document
(sign-up and the Stripe webhook) stays open (config/urls_public.py)."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import IsAuthenticated


class TenantSchemaView(SpectacularAPIView):
    permission_classes = [IsAuthenticated]


class TenantDocsView(SpectacularSwaggerSplitView):
    """The page a browser opens: without a session it is sent to the login page,
    which brings it back here. (The split view serves its start-up script as a
    file of its own: the Content-Security-Policy allows no inline script.)"""

    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, (NotAuthenticated, AuthenticationFailed)):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
