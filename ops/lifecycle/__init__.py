"""A tenant's life after sign-up, as ops run it (docs/decisions/007-upgrades.md):
suspend / unsuspend, delete (final backup, grace period, then the schema
dropped by a daily task) and export of everything as one zip.

services.py      the lifecycle changes and the daily purge
final_backup.py  the one place that asks backups for a tenant's last backup
export.py        the zip: CSV + JSON per table, the files, a manifest
tasks.py         the daily purge on Celery beat
"""
