from django.core.management.base import BaseCommand, CommandError

from ops.lifecycle import services
from ops.management.commands.suspend_tenant import tenant_by_subdomain
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Delete a tenant: close it, take its final backup, then drop its schema and files once "
        "TENANT_DELETION_GRACE_DAYS have passed (a daily task). unsuspend_tenant --cancel-deletion undoes it "
        "until then. --now --yes-really drops it at once, after the final backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("subdomain")
        parser.add_argument("--now", action="store_true", help="no grace period (needs --yes-really)")
        parser.add_argument("--yes-really", action="store_true", help="confirm --now")

    def handle(self, *args, subdomain, now, yes_really, **options):
        if now and not yes_really:
            raise CommandError("--now drops the schema at once and cannot be undone; add --yes-really")
        tenant = tenant_by_subdomain(subdomain)
        if tenant.lifecycle == Tenant.Lifecycle.DELETING and not now:
            self.stdout.write(
                f"{tenant.subdomain} is already being deleted: schema dropped after "
                f"{tenant.delete_after:%Y-%m-%d %H:%M} UTC"
            )
            return
        self.stdout.write(f"{tenant.subdomain}: suspended; taking the final backup...")
        try:
            if now:
                backup = services.delete_now(tenant=tenant)
                self.stdout.write(f"{tenant.subdomain} deleted (final backup {backup.pk}, {backup.size} bytes)")
                return
            backup, delete_after = services.schedule_deletion(tenant=tenant)
        except Exception as exc:
            raise CommandError(
                f"the final backup of {tenant.subdomain} failed ({exc}); the tenant stays suspended "
                "and is not scheduled for deletion. Run delete_tenant again."
            ) from exc
        self.stdout.write(
            f"{tenant.subdomain} will be deleted after {delete_after:%Y-%m-%d %H:%M} UTC "
            f"(final backup {backup.pk}, {backup.size} bytes); "
            f"unsuspend_tenant {tenant.subdomain} --cancel-deletion undoes it until then"
        )
