from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from ops.lifecycle.export import export_tenant
from ops.management.commands.suspend_tenant import tenant_by_subdomain


class Command(BaseCommand):
    help = (
        "Export everything of a tenant as a zip: one CSV and one JSON per table of its schema, "
        "its files and a manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("subdomain")
        parser.add_argument("--out", help="path of the zip (default ./<subdomain>-<UTC time>.zip)")

    def handle(self, *args, subdomain, out, **options):
        tenant = tenant_by_subdomain(subdomain)
        out = Path(out or f"{tenant.subdomain}-{timezone.now():%Y%m%dT%H%M%SZ}.zip")
        manifest = export_tenant(tenant=tenant, out=out)
        rows = sum(table["rows"] for table in manifest["tables"])
        self.stdout.write(
            f"{out}: {len(manifest['tables'])} tables, {rows} rows, {len(manifest['files'])} files, "
            f"{out.stat().st_size} bytes"
        )
