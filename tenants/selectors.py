from django.conf import settings

from tenants.models import Domain, Tenant


def tenant_for_host(host: str) -> Tenant | None:
    """The tenant a request's host name routes to, or None.

    `<subdomain>.<BASE_DOMAIN>` routes by subdomain (so changing BASE_DOMAIN needs
    no data change); any other name must be a recorded custom domain.
    """
    suffix = "." + settings.BASE_DOMAIN
    if host.endswith(suffix):
        label = host[: -len(suffix)]
        if not label or "." in label:
            return None
        return Tenant.objects.filter(subdomain=label).first()
    domain = Domain.objects.select_related("tenant").filter(domain=host).first()
    return domain.tenant if domain else None


def is_public_host(host: str) -> bool:
    return host in (settings.BASE_DOMAIN, "www." + settings.BASE_DOMAIN)


def subdomain_taken(subdomain: str) -> bool:
    return Tenant.objects.filter(subdomain=subdomain).exists()


def tenant_url(tenant: Tenant, *, scheme: str = "http", port: int | str | None = None) -> str:
    """The address of a tenant's CRM, on the same scheme and port as the caller used."""
    host = f"{tenant.subdomain}.{settings.BASE_DOMAIN}"
    default_port = {"http": "80", "https": "443"}[scheme]
    if port and str(port) != default_port:
        host = f"{host}:{port}"
    return f"{scheme}://{host}/"


def current_tenant(*, lock: bool = False) -> Tenant:
    """The tenant of the current schema. With `lock`, its row is locked until the
    transaction ends, so that seat counts cannot race."""
    from django.db import connection

    tenant: Tenant = connection.tenant  # type: ignore[attr-defined]  # django-tenants' backend adds it
    if lock:
        return Tenant.objects.select_for_update().get(pk=tenant.pk)
    return tenant
