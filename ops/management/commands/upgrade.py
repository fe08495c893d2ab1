import re
import time

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import get_public_schema_name

from ops.upgrades import plan, services
from ops.upgrades.migrate import Limits
from tenants import provisioning
from tenants.models import Tenant

# PostgreSQL durations as lock_timeout / statement_timeout take them: "500ms", "5s", "10min", "0".
_DURATION = re.compile(r"^\d+\s*(ms|s|min|h|d)?$")


def _duration(value):
    if not _DURATION.match(value.strip()):
        raise ValueError(value)
    return value.strip()


def _canary(value):
    """A number of tenants, or a comma-separated list of subdomains."""
    if value.isdigit():
        return int(value)
    return [name.strip() for name in value.split(",") if name.strip()]


class Command(BaseCommand):
    help = (
        "Migrate public, the spare pool and every tenant schema to this code's migrations "
        "(in parallel, canaries first, resumable; docs/decisions/007-upgrades.md); then refill the pool. "
        "Exits non-zero when a tenant failed."
    )

    def add_arguments(self, parser):
        defaults = Limits()
        parser.add_argument(
            "--workers",
            type=int,
            default=4,
            help="tenant schemas migrated at once, each by its own process (default 4)",
        )
        parser.add_argument(
            "--canary",
            type=_canary,
            default=1,
            help="N pending tenants (oldest first), or sub1,sub2: migrated first; "
            "if one fails the others are not touched (default 1; 0 for none)",
        )
        parser.add_argument(
            "--lock-timeout",
            type=_duration,
            default=defaults.lock_timeout,
            help=f"per tenant: how long a migration may wait for a table lock (default {defaults.lock_timeout})",
        )
        parser.add_argument(
            "--statement-timeout",
            type=_duration,
            default=defaults.statement_timeout,
            help=f"per tenant: longest statement (default {defaults.statement_timeout})",
        )
        parser.add_argument(
            "--lock-retries",
            type=int,
            default=defaults.lock_retries,
            help=f"tries again for a tenant whose locks timed out (default {defaults.lock_retries})",
        )
        parser.add_argument(
            "--recheck",
            action="store_true",
            help="look into every schema, also those an earlier run finished at this target",
        )
        parser.add_argument("--no-pool", action="store_true", help="do not refill the spare pool afterwards")
        parser.add_argument(
            "--check",
            action="store_true",
            help="change nothing: exit 0 when the public schema and every tenant schema have all "
            "of this code's migrations, else 1 and name those behind (the Helm chart's pods "
            "wait on it)",
        )

    def handle(self, *args, verbosity=1, **options):
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        self.verbosity = verbosity
        if options["check"]:
            return self._check()
        started = time.monotonic()
        spares = services.upgrade_public_and_spares(verbosity=max(0, verbosity - 1))
        self._say(f"public schema migrated; {spares} spare schema(s) migrated")

        summary = services.upgrade_tenants(
            workers=options["workers"],
            canary=options["canary"],
            recheck=options["recheck"],
            limits=Limits(
                lock_timeout=options["lock_timeout"],
                statement_timeout=options["statement_timeout"],
                lock_retries=options["lock_retries"],
            ),
            progress=self._progress,
        )
        prepared = 0 if options["no_pool"] else provisioning.fill_pool()
        self._say(
            f"upgrade to {summary.target[:12]}: {summary.tenants} tenant(s): {summary.migrated} migrated, "
            f"{summary.current + summary.up_to_date + summary.done_elsewhere} already current, "
            f"{len(summary.failed)} failed, {summary.not_run} not run; "
            f"{prepared} spare schema(s) prepared; {time.monotonic() - started:.1f} s"
        )
        if summary.stopped_by_canary:
            raise CommandError(
                f"a canary tenant failed ({', '.join(o.subdomain for o in summary.failed)}); "
                f"{summary.not_run} other tenant(s) were not touched. Fix it and run upgrade again."
            )
        if summary.failed:
            raise CommandError(
                f"{len(summary.failed)} tenant(s) failed: {', '.join(o.subdomain for o in summary.failed)}; "
                "their errors are in ops.TenantUpgrade. Running upgrade again retries them only."
            )

    def _check(self):
        """Spare schemas are left out: a stale spare is never handed out, and during
        a rolling deploy the old pods' pool refills keep making spares of the old
        code, so counting them would hold the new pods back for nothing."""
        disk = plan.disk_migrations()
        public = get_public_schema_name()
        subdomains = dict(Tenant.objects.exclude(schema_name=public).values_list("schema_name", "subdomain"))
        schemas = [public, *sorted(subdomains)]
        recorded = plan.recorded_migrations(schemas)
        behind = []
        for schema in schemas:
            name = subdomains.get(schema, schema)
            if schema not in recorded:
                behind.append(f"{name} (schema missing)")
            elif pending := disk.pending(recorded[schema]):
                behind.append(
                    f"{name} ({len(pending)} pending: {', '.join(pending[:3])}{', ...' if len(pending) > 3 else ''})"
                )
        if behind:
            shown = "; ".join(behind[:10]) + (f"; and {len(behind) - 10} more" if len(behind) > 10 else "")
            raise CommandError(f"{len(behind)} of {len(schemas)} schema(s) behind {disk.target[:12]}: {shown}")
        self._say(f"public and {len(subdomains)} tenant schema(s) current at {disk.target[:12]}")

    def _progress(self, outcome, number, total):
        line = f"[{number}/{total}] {outcome.subdomain} {outcome.status} {outcome.seconds:.1f}s"
        if outcome.error:
            self.stderr.write(f"{line}: {outcome.error}")
            return
        if outcome.note:
            line += f" ({outcome.note})"
        elif outcome.applied and self.verbosity > 1:
            line += f" ({', '.join(outcome.applied)})"
        self._say(line)

    def _say(self, line):
        if self.verbosity:
            self.stdout.write(line)
            self.stdout.flush()
