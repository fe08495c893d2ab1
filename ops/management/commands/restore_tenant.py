from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ops.backups import selectors, services


class Command(BaseCommand):
    help = (
        "Restore a tenant from one of its backups (staging schema, verified, swapped in; the old schema is "
        "kept as an undo), or with --into make a new tenant from it and leave the original alone."
    )

    def add_arguments(self, parser):
        parser.add_argument("subdomain")
        parser.add_argument("--backup", type=int, required=True, help="the backup's id (list_backups shows them)")
        parser.add_argument("--into", metavar="NEW_SUBDOMAIN", help="restore into a new tenant with this subdomain")

    def handle(self, *args, subdomain, backup, into=None, **options):
        found = selectors.backup_for_ops(backup)
        # The subdomain the backup was taken under, or the tenant's current one.
        names = {found.subdomain, found.tenant.subdomain if found.tenant else None} if found else set()
        if subdomain not in names:
            raise CommandError(f"no backup {backup} of tenant {subdomain!r}")

        def report(stage, done, total):
            self.stdout.write(f"  {stage}: {done}/{total}")

        target = into or subdomain
        self.stdout.write(
            f"restoring backup {found.pk} of {found.subdomain} ({found.created_at:%Y-%m-%d %H:%M} UTC) into {target}"
        )
        try:
            if into:
                item = services.restore_into_new_tenant(backup=found, subdomain=into, by="ops", report=report)
            else:
                item = services.request_restore(backup=found, by="ops", queue=False)
                item = services.run_restore(restore_id=item.pk, report=report)
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
            ) from exc
        except (services.RestoreRefused, services.BackupBusy) as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(f"restore failed, nothing was changed: {exc}") from exc
        message = f"restore {item.pk} done: {target} now has the data of backup {found.pk}"
        if item.undo_schema:
            message += f"; the previous schema is kept as {item.undo_schema} until {item.undo_until:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(self.style.SUCCESS(message))
