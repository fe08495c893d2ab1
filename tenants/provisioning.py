"""Tenant schemas, ready before anyone asks for them (docs/decisions/001-provisioning.md).

Running every migration for a new schema takes seconds and grows with each
migration we add, so sign-up never does it in the request when it can help it.
A pool of *spare* schemas is migrated ahead of time by a Celery task; sign-up
takes one and renames it (`ALTER SCHEMA ... RENAME`, a catalogue update) inside
the same transaction that writes the tenant row, so a failure rolls the rename
back and leaves no half-made tenant.

A spare is only handed out when its migration fingerprint equals the code's, so
a spare can never lag behind the migrations: `upgrade_spares` brings them along
during an upgrade, and `fill_pool` drops any that are still stale.
"""

import hashlib
import logging
import secrets
from functools import lru_cache

from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import app_labels, quote_schema_name, schema_exists

from tenants.models import SpareSchema

log = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock that lets one process at a time fill the pool.
_POOL_LOCK_KEY = 0x5C4E4A


@lru_cache(maxsize=1)
def migration_fingerprint():
    """Hash of the newest migration of every tenant app, as the code on disk has them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = set(app_labels(settings.TENANT_APPS))
    leaves = sorted(f"{app}.{name}" for app, name in loader.graph.leaf_nodes() if app in labels)
    return hashlib.sha256("\n".join(leaves).encode()).hexdigest()


def migrate_schema(schema_name):
    """Apply every tenant-app migration to `schema_name`, in the caller's transaction if any."""
    connection.set_schema(schema_name, include_public=False)
    try:
        # The recorder table must exist in this schema first, or the migrate
        # command would find public's and believe everything is applied.
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema_name)
        call_command(MigrateCommand(), interactive=False, verbosity=0, skip_checks=True)
    finally:
        connection.set_schema_to_public()


def prepare_spare():
    """Create and migrate one spare schema and add it to the pool.

    One transaction: if a migration fails the schema is gone with the rollback.
    """
    name = f"spare_{secrets.token_hex(6)}"
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {quote_schema_name(name)}")
        migrate_schema(name)
        spare = SpareSchema.objects.create(schema_name=name, fingerprint=migration_fingerprint())
    log.info("spare schema %s ready", name)
    return spare


def claim_spare(*, rename_to):
    """Take one current spare and rename it to `rename_to`. Must run inside the
    caller's transaction, so that a later failure gives the spare back.

    Returns False when the pool has no current spare.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("claim_spare must run inside the sign-up transaction")
    spare = (
        SpareSchema.objects.select_for_update(skip_locked=True)
        .filter(fingerprint=migration_fingerprint())
        .order_by("id")
        .first()
    )
    if spare is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA {quote_schema_name(spare.schema_name)} RENAME TO {quote_schema_name(rename_to)}")
    spare.delete()
    return True


def fill_pool(size=None):
    """Drop stale spares and prepare new ones until the pool holds `size` current ones.

    Only one process fills at a time; the others return at once. Returns how many
    spares were prepared.
    """
    size = settings.SPARE_SCHEMA_POOL_SIZE if size is None else size
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_POOL_LOCK_KEY])
        if not cursor.fetchone()[0]:
            return 0
    try:
        discard_stale_spares()
        current = SpareSchema.objects.filter(fingerprint=migration_fingerprint()).count()
        for _ in range(max(0, size - current)):
            prepare_spare()
        return max(0, size - current)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_POOL_LOCK_KEY])


def upgrade_spares():
    """Migrate every stale spare to the code's migrations (part of `manage.py upgrade`)."""
    upgraded = 0
    for spare_id in _stale_spare_ids():
        with transaction.atomic():
            spare = SpareSchema.objects.select_for_update(skip_locked=True).filter(id=spare_id).first()
            if spare is None:
                continue
            migrate_schema(spare.schema_name)
            spare.fingerprint = migration_fingerprint()
            spare.save(update_fields=["fingerprint"])
            upgraded += 1
    return upgraded


def discard_stale_spares():
    """Drop spares whose migrations differ from the code's; they are never handed out."""
    for spare_id in _stale_spare_ids():
        with transaction.atomic():
            spare = SpareSchema.objects.select_for_update(skip_locked=True).filter(id=spare_id).first()
            if spare is None:
                continue
            drop_schema(spare.schema_name)
            spare.delete()


def drop_schema(schema_name):
    if schema_exists(schema_name):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {quote_schema_name(schema_name)} CASCADE")


def _stale_spare_ids():
    return list(SpareSchema.objects.exclude(fingerprint=migration_fingerprint()).values_list("id", flat=True))
