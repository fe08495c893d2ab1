from django.core.management.base import BaseCommand, CommandError

from ops.backups import selectors, services


class Command(BaseCommand):
    help = "Back one tenant up now (schema, files, manifest) to the backup storage, printing progress."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")

    def handle(self, *args, subdomain, **options):
        tenant = selectors.tenant_for_subdomain(subdomain)
        if tenant is None:
            raise CommandError(f"no tenant with subdomain {subdomain!r}")
        self.stdout.write(f"backing up {tenant.subdomain} (schema {tenant.schema_name})")

        def report(done, total, what):
            self.stdout.write(f"  [{done}/{total}] {what}")

        try:
            backup = services.take_backup(tenant=tenant, by="ops", report=report)
        except Exception as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"backup {backup.pk} done: {backup.size} bytes, sha256 {backup.checksum}, "
                f"{backup.storage}:{backup.location}/{backup.key}"
            )
        )
