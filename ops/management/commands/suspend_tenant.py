from django.core.management.base import BaseCommand, CommandError

from ops.lifecycle import services
from tenants.models import Tenant


def tenant_by_subdomain(subdomain):
    tenant = Tenant.objects.filter(subdomain=subdomain.strip().lower()).first()
    if tenant is None:
        raise CommandError(f"no tenant with the subdomain {subdomain!r}")
    return tenant


class Command(BaseCommand):
    help = "Close a tenant to its users (every request gets a notice); its data is kept. Undo: unsuspend_tenant."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")

    def handle(self, *args, subdomain, **options):
        tenant = tenant_by_subdomain(subdomain)
        previous = services.suspend(tenant=tenant)
        if previous == Tenant.Lifecycle.DELETING:
            self.stdout.write(
                f"{tenant.subdomain} is being deleted (after {tenant.delete_after:%Y-%m-%d %H:%M} UTC), "
                "so it is closed already"
            )
        else:
            self.stdout.write(f"{tenant.subdomain} suspended (was {previous})")
