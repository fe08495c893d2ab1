from django.core.management.base import BaseCommand, CommandError

from ops.lifecycle import services
from ops.management.commands.suspend_tenant import tenant_by_subdomain


class Command(BaseCommand):
    help = "Open a suspended tenant again; with --cancel-deletion also one waiting to be deleted."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")
        parser.add_argument(
            "--cancel-deletion",
            action="store_true",
            help="reopen a tenant whose deletion is scheduled, cancelling the deletion",
        )

    def handle(self, *args, subdomain, cancel_deletion, **options):
        tenant = tenant_by_subdomain(subdomain)
        try:
            previous = services.unsuspend(tenant=tenant, cancel_deletion=cancel_deletion)
        except services.LifecycleRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{tenant.subdomain} active (was {previous})")
