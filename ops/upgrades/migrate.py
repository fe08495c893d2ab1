"""Migrating tenant schemas one after another in this process (one worker of
`manage.py upgrade`).

What it does per schema is what Django's migrate command does — pre_migrate,
each pending migration's operations through a schema editor, the recorder,
post_migrate — except for what is the same for every schema, which is worked
out once per process instead of once per schema as `migrate_schemas` does:

- the migration graph (read from disk once);
- for each distinct set of applied migrations (at an upgrade nearly every
  tenant has the same one), a *replay*: the rendered project state before the
  plan, each operation's states before and after it (what Migration.apply
  computes with state_forwards for every schema), and the rendered state after
  the plan for post_migrate. Rendering these is ~0.5 s of CPU; the DDL itself is
  a few milliseconds.

post_migrate goes to the apps whose migrations ran only (_emit_post_migrate).

Every schema is migrated in one transaction holding the schema's advisory
lock, with `lock_timeout` and `statement_timeout` set for it: all of its
pending migrations and its status row commit together or not at all, and a
second run waiting on the lock finds nothing left to do. Tenant migrations
are transaction-safe already (docs/decisions/001-provisioning.md).

A schema whose history has a squashed migration half applied (the graph then
differs per schema) goes through the plain migrate command instead.
"""

import io
import time
import traceback
from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.migrate import Command as MigrateCommand
from django.core.management.sql import emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ModelState
from django.db.models import F, signals
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django_tenants.utils import quote_schema_name

from ops.models import TenantUpgrade
from ops.upgrades import locks
from tenants.models import Tenant

# SQLSTATE of lock_timeout expiring: the tenant was busy, a retry may pass.
LOCK_NOT_AVAILABLE = "55P03"


class SchemaMissing(LookupError):
    pass


@dataclass
class Job:
    tenant_id: int
    subdomain: str
    schema_name: str


@dataclass
class Outcome:
    tenant_id: int
    subdomain: str
    status: str  # a TenantUpgrade.Status
    seconds: float
    applied: list = field(default_factory=list)
    error: str = ""
    note: str = ""


@dataclass(frozen=True)
class Limits:
    """Per-tenant timeouts (PostgreSQL durations, e.g. "5s") and how often a
    tenant whose locks could not be had in time is tried again."""

    lock_timeout: str = "5s"
    statement_timeout: str = "10min"
    lock_retries: int = 2
    retry_pause: float = 2.0


@dataclass
class _Replay:
    """What every schema with the same applied migrations shares."""

    pre_state: object
    steps: dict  # Migration -> [(operation, from_state, to_state)]
    post_apps: object


class SchemaMigrator:
    """Migrates schemas in this process; one per worker and run (the graph it
    holds is the code's at the time it was made)."""

    def __init__(self, *, target, limits):
        self.target = target
        self.limits = limits
        # As the migrate command does: apps' management modules connect their
        # pre/post_migrate receivers (contenttypes, permissions).
        for app_config in apps.get_app_configs():
            if module_has_submodule(app_config.module, "management"):
                import_module(".management", app_config.name)
        # The graph alone: which migrations a schema has comes from that schema, per call.
        self.executor = MigrationExecutor(None)
        self.executor.connection = connection
        self.loader = self.executor.loader
        self.targets = self.loader.graph.leaf_nodes()
        self._replays = {}
        self._current = None
        self._schemas_on_connection = 0

    def migrate(self, job):
        """Bring `job`'s schema to the code's migrations and record the outcome
        in its TenantUpgrade row. Never raises for a failure of the schema."""
        started = time.monotonic()
        # PostgreSQL keeps the catalog of every relation a connection touched;
        # a worker reconnects before it would hold thousands of schemas'.
        self._schemas_on_connection += 1
        if self._schemas_on_connection > settings.DATABASE_MAX_SCHEMAS_PER_CONNECTION:
            close_connection()
            self._schemas_on_connection = 1
        attempt = 0
        while True:
            attempt += 1
            TenantUpgrade.objects.filter(tenant_id=job.tenant_id).update(
                status=TenantUpgrade.Status.RUNNING,
                started_at=timezone.now(),
                finished_at=None,
                attempts=F("attempts") + 1,
                error="",
            )
            try:
                applied, note = self._migrate_in_transaction(job)
            except Exception as exc:  # recorded for this tenant; the run goes on
                if not connection.in_atomic_block:
                    connection.close_if_unusable_or_obsolete()
                connection.set_schema_to_public()
                if _is_lock_timeout(exc) and attempt <= self.limits.lock_retries:
                    time.sleep(self.limits.retry_pause * attempt)
                    continue
                if isinstance(exc, SchemaMissing) and not Tenant.objects.filter(pk=job.tenant_id).exists():
                    return Outcome(
                        job.tenant_id,
                        job.subdomain,
                        TenantUpgrade.Status.SKIPPED,
                        time.monotonic() - started,
                        note="tenant deleted meanwhile",
                    )
                error = self._describe(exc)
                TenantUpgrade.objects.filter(tenant_id=job.tenant_id).update(
                    status=TenantUpgrade.Status.FAILED, finished_at=timezone.now(), error=error
                )
                return Outcome(
                    job.tenant_id, job.subdomain, TenantUpgrade.Status.FAILED, time.monotonic() - started, error=error
                )
            status = TenantUpgrade.Status.DONE if applied else TenantUpgrade.Status.SKIPPED
            return Outcome(job.tenant_id, job.subdomain, status, time.monotonic() - started, applied=applied, note=note)

    def _migrate_in_transaction(self, job):
        self._current = None
        try:
            with transaction.atomic():
                # Timeouts after the lock: waiting for another run is not a failure.
                locks.lock_schema_for_transaction(job.schema_name)
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)",
                        [self.limits.lock_timeout, self.limits.statement_timeout],
                    )
                    cursor.execute(
                        "SELECT n.oid IS NOT NULL, to_regclass(%s) IS NOT NULL "
                        "FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = %s",
                        [f"{quote_schema_name(job.schema_name)}.django_migrations", job.schema_name],
                    )
                    schema_found, recorder_found = cursor.fetchone()
                if not schema_found:
                    raise SchemaMissing(f"schema {job.schema_name} does not exist")
                if not recorder_found:
                    # Created in this schema first, or the executor would find
                    # public's table through the search path.
                    connection.set_schema(job.schema_name, include_public=False)
                    MigrationRecorder(connection).ensure_schema()
                connection.set_schema(job.schema_name)
                recorder = MigrationRecorder(connection)
                recorder._has_table = True  # just seen; spares the recorder listing the schema's tables
                applied = self._applied_in_schema(recorder)
                if applied is None:
                    names, note = self._migrate_with_command(recorder), "migrate command (squash half applied)"
                else:
                    names, note = self._migrate_with_replay(recorder, applied), ""
                connection.set_schema_to_public()
                # In the same transaction: "done" is recorded if and only if the schema has it.
                TenantUpgrade.objects.filter(tenant_id=job.tenant_id).update(
                    status=TenantUpgrade.Status.DONE if names else TenantUpgrade.Status.SKIPPED,
                    finished_at=timezone.now(),
                    applied=names,
                    target=self.target,
                )
        finally:
            connection.set_schema_to_public()
        if not names:
            # Planned as pending, found current under the lock: another run did it meanwhile.
            note = "nothing left to do"
        return names, note

    def _applied_in_schema(self, recorder):
        """The loader's `applied_migrations` for this schema, as MigrationLoader
        would compute it with a connection; None when a squashed migration is
        half applied (the graph would then differ from ours)."""
        applied = dict(recorder.applied_migrations())
        for key, migration in self.loader.replacements.items():
            statuses = [target in applied for target in migration.replaces]
            if all(statuses):
                applied[key] = migration
            elif any(statuses):
                return None
            else:
                applied.pop(key, None)
        return applied

    def _migrate_with_replay(self, recorder, applied):
        executor, loader = self.executor, self.loader
        executor.recorder = recorder
        loader.applied_migrations = applied
        self._check_consistent_history(applied)
        plan = executor.migration_plan(self.targets)
        if not plan:
            return []
        key = frozenset(name for name in applied if name in loader.graph.nodes)
        replay = self._replays.get(key)
        pre_state = replay.pre_state if replay else self._render_pre_state()
        # contenttypes' pre_migrate receiver inserts operations into the plan's
        # Migration objects, which this process keeps: their lists go back after.
        operations = {migration: list(migration.operations) for migration, _ in plan}
        try:
            emit_pre_migrate_signal(0, False, DEFAULT_DB_ALIAS, stdout=io.StringIO(), apps=pre_state.apps, plan=plan)
            if replay is None:
                replay = self._replays[key] = _prepare_replay(pre_state, plan)
        finally:
            for migration, saved in operations.items():
                migration.operations = saved
        for migration, _ in plan:
            self._apply(migration, replay.steps[migration])
        if loader.replacements:
            executor.check_replacements()
        _emit_post_migrate(plan, replay.post_apps)
        return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]

    def _check_consistent_history(self, applied):
        """MigrationLoader.check_consistent_history on the rows already read."""
        graph = self.loader.graph
        for key in applied:
            if key not in graph.nodes:
                continue
            for parent in graph.node_map[key].parents:
                if parent in applied:
                    continue
                replacing = self.loader.replacements.get(parent)
                if replacing and all(name in applied for name in replacing.replaces):
                    continue
                raise InconsistentMigrationHistory(
                    f"Migration {key[0]}.{key[1]} is applied before its dependency {parent[0]}.{parent[1]}"
                )

    def _render_pre_state(self):
        state = self.executor._create_project_state(with_applied_migrations=True)
        _ = state.apps  # render now: this is the costly step a replay keeps
        return state

    def _apply(self, migration, steps):
        """MigrationExecutor.apply_migration and Migration.apply, with each
        operation's states taken from the replay rather than worked out again."""
        self._current = migration
        recorded = False
        with connection.schema_editor(atomic=migration.atomic) as editor:
            for operation, from_state, to_state in steps:
                atomic_operation = operation.atomic or (migration.atomic and operation.atomic is not False)
                if not editor.atomic_migration and atomic_operation:
                    with transaction.atomic(connection.alias):
                        operation.database_forwards(migration.app_label, editor, from_state, to_state)
                else:
                    operation.database_forwards(migration.app_label, editor, from_state, to_state)
            if not editor.deferred_sql:
                self.executor.record_migration(migration)
                recorded = True
        if not recorded:
            self.executor.record_migration(migration)

    def _migrate_with_command(self, recorder):
        before = set(recorder.applied_migrations())
        call_command(MigrateCommand(), interactive=False, verbosity=0, skip_checks=True)
        return sorted(f"{app}.{name}" for app, name in set(recorder.applied_migrations()) - before)

    def _describe(self, exc):
        where = f" (while applying {self._current.app_label}.{self._current.name})" if self._current else ""
        return ("".join(traceback.format_exception_only(exc)).strip() + where)[:10_000]


def _prepare_replay(pre_state, plan):
    """Every operation's states for `plan`, worked out once as Migration.apply
    does for each schema: state_forwards on a running state, a clone before and after."""
    state = pre_state.clone()
    steps = {}
    for migration, _ in plan:
        steps[migration] = []
        for operation in migration.operations:
            before = state.clone()
            operation.state_forwards(migration.app_label, state)
            steps[migration].append((operation, before, state.clone()))
    # As the migrate command: post_migrate sees every model, real apps' re-rendered.
    state.clear_delayed_apps_cache()
    post_apps = state.apps
    with post_apps.bulk_update():
        model_keys = []
        for model_state in post_apps.real_models:
            model_key = model_state.app_label, model_state.name_lower
            model_keys.append(model_key)
            post_apps.unregister_model(*model_key)
    post_apps.render_multiple([ModelState.from_model(apps.get_model(*key)) for key in model_keys])
    return _Replay(pre_state=pre_state, steps=steps, post_apps=post_apps)


def _emit_post_migrate(plan, post_apps):
    """post_migrate for the apps whose migrations ran, not every app as the
    migrate command does: its receivers (contenttypes, permissions) add rows for
    an app's models, which only that app's migrations change; the other ~20
    apps would cost ~200 queries per tenant."""
    changed = {migration.app_label for migration, _ in plan}
    for app_config in apps.get_app_configs():
        if app_config.models_module is None or app_config.label not in changed:
            continue
        signals.post_migrate.send(
            sender=app_config,
            app_config=app_config,
            verbosity=0,
            interactive=False,
            using=DEFAULT_DB_ALIAS,
            apps=post_apps,
            plan=plan,
            stdout=io.StringIO(),
        )


def close_connection():
    """Close this process's connection, unless a caller's transaction is open on it
    (a test's): the next query opens a fresh one with an empty catalog cache."""
    if not connection.in_atomic_block:
        connection.close()


def _is_lock_timeout(exc):
    while exc is not None:
        if getattr(exc, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            return True
        exc = exc.__cause__
    return False
