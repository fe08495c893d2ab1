from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from tenants import provisioning
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Migrate public, every tenant schema and the spare pool to this code's migrations; then refill the pool."

    def handle(self, *args, verbosity=1, **options):
        started = timezone.now()
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        call_command("migrate_schemas", tenant=True, interactive=False, verbosity=verbosity)
        # Spares first, so that sign-ups from here on get current schemas...
        upgraded = provisioning.upgrade_spares()
        # ...then any tenant signed up by older code while the loop above ran.
        for tenant in Tenant.objects.filter(created_at__gte=started):
            call_command("migrate_schemas", schema_name=tenant.schema_name, interactive=False, verbosity=verbosity)
        prepared = provisioning.fill_pool()
        self.stdout.write(f"upgrade done: {upgraded} spare schema(s) migrated, {prepared} prepared")
