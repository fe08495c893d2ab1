"""A tenant schema's structure, made from the migrations rather than stored.

A backup records which migrations its schema had (its manifest's schema
version); restore builds an empty schema at exactly that state and loads the
rows into it, then migrates it forward to the code's state. When the backup is
already at the code's state, a spare schema from the provisioning pool is that
empty schema, ready-made (docs/decisions/001-provisioning.md).

This module sets the connection's schema to migrate, like tenants/provisioning.py
(tests/architecture/test_layers.py allows it).
"""

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import app_labels, quote_schema_name

from crm.builder import ddl
from tenants import provisioning


class MigrationStateError(Exception):
    """The backup's migrations are not a state this code can build."""


def _tenant_labels():
    return set(app_labels(settings.TENANT_APPS))


def _tenant_applied(applied):
    labels = _tenant_labels()
    return {(app, name) for app, names in applied.items() if app in labels for name in names}


def unknown_migrations(applied, loader=None):
    """Tenant-app migrations in `applied` that this code does not have (a backup
    made by newer code)."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    return sorted(f"{app}.{name}" for app, name in _tenant_applied(applied) if (app, name) not in loader.graph.nodes)


def is_current(applied):
    """Whether `applied` is the code's migration state for tenant apps."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    labels = _tenant_labels()
    leaves = {node for node in loader.graph.leaf_nodes() if node[0] in labels}
    return leaves <= _tenant_applied(applied) and not unknown_migrations(applied, loader)


def targets_for(applied, loader=None):
    """The migrations to migrate an empty schema to, to reach `applied`: per tenant
    app, each applied migration none of whose children in that app was applied."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    unknown = unknown_migrations(applied, loader)
    if unknown:
        raise MigrationStateError(
            "the backup was made by newer code: this code does not have the migrations " + ", ".join(unknown)
        )
    done = _tenant_applied(applied)
    targets = []
    for node in sorted(done):
        children = loader.graph.node_map[node].children
        if not any(child.key in done and child.key[0] == node[0] for child in children):
            targets.append(node)
    return targets


def create_schema_at(schema_name, applied):
    """Create `schema_name` with the tables of migration state `applied` and
    nothing in them that matters (the caller empties the tables before
    loading). Runs in the caller's transaction. Returns "spare" or "migrated"."""
    if is_current(applied) and provisioning.claim_spare(rename_to=schema_name):
        return "spare"
    targets = targets_for(applied)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {quote_schema_name(schema_name)}")
    connection.set_schema(schema_name, include_public=False)
    try:
        # As in provisioning.migrate_schema: the recorder table first, in this schema.
        MigrationRecorder(connection).ensure_schema()
        connection.set_schema(schema_name)
        executor = MigrationExecutor(connection)
        executor.migrate(targets, plan=executor.migration_plan(targets))
    finally:
        connection.set_schema_to_public()
    return "migrated"


def migrate_forward(schema_name):
    """Apply the code's newer migrations to a restored schema, data and all."""
    provisioning.migrate_schema(schema_name)


def replay_custom_fields(schema_name):
    """Make, in `schema_name`, the custom columns and tables that the module
    builder's metadata rows already loaded there describe (crm.builder.ddl.replay,
    run in that schema). Runs in the caller's transaction."""
    connection.set_schema(schema_name)
    try:
        ddl.replay()
    finally:
        connection.set_schema_to_public()
        # A new cursor sets the search path back now; the caller's open cursor
        # would otherwise go on with the staging schema's, which changes how
        # pg_get_indexdef names tables.
        connection.cursor().close()
