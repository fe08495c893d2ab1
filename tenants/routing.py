from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.urls import set_urlconf

from tenants import memo, selectors


class TenantRoutingMiddleware:
    """The one place a request's tenant is decided: by its Host header.

    `BASE_DOMAIN` (and www.) is the public site; `<subdomain>.<BASE_DOMAIN>` or a
    recorded custom domain is that tenant, with the search path set to its schema;
    anything else is a 404, before any view runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        host = request.get_host().rsplit(":", 1)[0].lower().rstrip(".")
        if selectors.is_public_host(host):
            # django-tenants' own templates expect a tenant-like object with a schema_name.
            request.tenant = connection.tenant
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
        else:
            tenant = selectors.tenant_for_host(host)
            if tenant is None:
                return JsonResponse({"detail": "No CRM at this address."}, status=404)
            request.tenant = tenant
            connection.set_tenant(tenant)
            request.urlconf = settings.ROOT_URLCONF
        set_urlconf(request.urlconf)
        try:
            with memo.for_request(request):
                return self.get_response(request)
        finally:
            # A thread reused for the next request must not start in this tenant.
            connection.set_schema_to_public()
