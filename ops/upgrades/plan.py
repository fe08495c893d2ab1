"""What each tenant schema still needs, found without Django's migration executor.

Loading the executor for a schema builds the migration graph and renders every
model (~0.3 s here), and `migrate_schemas` pays that for every tenant even when
nothing is pending. Here the migrations on disk are read once per run, and the
rows of many schemas' `django_migrations` tables come back in one UNION query,
so a tenant with nothing pending costs one row of that query.

Tenant schemas record every app's migrations, shared apps' too (the migrate
command records what the router tells it to skip), so "nothing pending" means
every migration on disk is recorded in the schema.
"""

import hashlib
from dataclasses import dataclass

from django.db import ProgrammingError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import quote_schema_name

# Schemas per UNION query: big enough that 1,000 tenants take a handful of
# round trips, small enough that one query stays a few hundred KB.
BATCH_SIZE = 250


@dataclass(frozen=True)
class DiskMigrations:
    """The migrations of the code on disk, as `app.name` strings."""

    target: str  # fingerprint of the whole set; a TenantUpgrade done at it needs no look
    plain: frozenset
    # A squashed migration counts as applied when it or all it replaces are recorded.
    squashed: tuple  # of (name, frozenset of replaced names)

    def pending(self, applied):
        """Names on disk that `applied` (recorded names) lacks, sorted."""
        missing = [name for name in self.plain if name not in applied]
        missing += [name for name, replaces in self.squashed if name not in applied and not replaces <= applied]
        return sorted(missing)


def disk_migrations():
    """Read the migration graph once (no database access)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plain, squashed = set(), []
    for key, migration in loader.graph.nodes.items():
        name = f"{key[0]}.{key[1]}"
        if migration.replaces:
            squashed.append((name, frozenset(f"{app}.{replaced}" for app, replaced in migration.replaces)))
        else:
            plain.add(name)
    everything = sorted(plain | {name for name, _ in squashed})
    target = hashlib.sha256("\n".join(everything).encode()).hexdigest()
    return DiskMigrations(target=target, plain=frozenset(plain), squashed=tuple(sorted(squashed)))


def recorded_migrations(schema_names):
    """{schema: set of recorded `app.name`} for the given schemas; a schema that
    does not exist is absent, one without a django_migrations table maps to an
    empty set. Runs in the public schema; a few queries whatever the count.

    Schemas come and go while this reads (a tenant deleted, a spare dropped by a
    pool refill or renamed by a sign-up): one gone between the two reads means
    reading again, without it."""
    for attempt in range(5):
        try:
            with transaction.atomic():
                return _recorded_migrations(schema_names)
        except ProgrammingError:
            if attempt == 4:
                raise


def _recorded_migrations(schema_names):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, EXISTS (SELECT 1 FROM pg_class c
                                      WHERE c.relnamespace = n.oid AND c.relname = 'django_migrations'
                                        AND c.relkind IN ('r', 'p'))
            FROM pg_namespace n WHERE n.nspname = ANY(%s)
            """,
            [list(schema_names)],
        )
        existing = dict(cursor.fetchall())
        recorded = {schema: set() for schema in existing}
        with_table = sorted(schema for schema, has_table in existing.items() if has_table)
        for start in range(0, len(with_table), BATCH_SIZE):
            batch = with_table[start : start + BATCH_SIZE]
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s, array_agg(app || '.' || name) FROM {quote_schema_name(schema)}.django_migrations"
                    for schema in batch
                ),
                batch,
            )
            for schema, names in cursor.fetchall():
                recorded[schema] = set(names or ())
    return recorded
