"""Tenant backups and restores (issue 5; docs/decisions/006-backups.md).

- `format`        the object's bytes: parts, zlib, AES-256-GCM chunks, what makes a tampered one fail
- `storage`       S3 multipart upload or a local folder, each object read back before it counts
- `catalog`       one schema's tables, sequences, keys and indexes, read without scanning other tenants'
- `database`      connections beside Django's and the advisory locks held on them
- `snapshot`      a tenant into an archive, in one REPEATABLE READ snapshot
- `structure`     an empty schema at a backup's migration state (a spare, or migrated to it)
- `custom`        the module builder's tables: its metadata goes first, custom columns and tables are replayed
- `restore`       load, verify and swap a staging schema; files alike
- `retention`     which backups a tenant keeps (grandfather-father-son)
- `verification`  the weekly test restore of a sample of tenants
- `services`      requests and runs of backups and restores, schedules, sweep, retention
- `selectors`     reads, scoped to a tenant
- `tasks`         Celery tasks over the services
"""
