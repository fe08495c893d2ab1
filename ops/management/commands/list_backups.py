from django.core.management.base import BaseCommand

from ops.backups import selectors


class Command(BaseCommand):
    help = "List a tenant's backups (a deleted tenant's too), newest first."

    def add_arguments(self, parser):
        parser.add_argument("subdomain")

    def handle(self, *args, subdomain, **options):
        backups = selectors.backups_for_subdomain(subdomain)
        if not backups.exists():
            self.stdout.write(f"no backups of {subdomain!r}")
            return
        self.stdout.write(
            f"{'id':>6}  {'created (UTC)':<16}  {'kind':<9}  {'status':<7}  {'size':>12}  {'verified':<10}  checksum"
        )
        for backup in backups:
            verified = f"{backup.verified_at:%Y-%m-%d}" if backup.verified_at else "-"
            if backup.verification_error:
                verified = "FAILED"
            self.stdout.write(
                f"{backup.pk:>6}  {backup.created_at:%Y-%m-%d %H:%M}  {backup.kind:<9}  {backup.status:<7}  "
                f"{backup.size if backup.size is not None else '-':>12}  {verified:<10}  {backup.checksum or '-'}"
            )
            if backup.status == backup.Status.FAILED and backup.error:
                self.stdout.write(f"        error: {backup.error.splitlines()[0][:200]}")
