"""Migrating tenant schemas one after another in this process (one worker of
`manage.py upgrade`).

What it does per schema is what Django's migrate command does — pre_migrate,
the executor's migrate from the rendered state of the applied migrations,
post_migrate — with two differences:

- The migration graph is read once per process, and the rendered state before
  the migrations is kept per distinct set of applied migrations (at an upgrade,
  nearly every tenant has the same set), each tenant getting a clone of it, as
  the migrate command itself does. `migrate_schemas` rebuilds both for every
  schema, which is most of an additive upgrade's time at thousands of tenants.
- Every schema is migrated in one transaction holding the schema's advisory
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
from django.core.management import call_command
from django.core.management.commands.migrate import Command as MigrateCommand
from django.core.management.sql import emit_post_migrate_signal, emit_pre_migrate_signal
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ModelState
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import module_has_submodule

from ops.models import TenantUpgrade
from ops.upgrades import locks

# SQLSTATE of lock_timeout expiring: the tenant was busy, a retry may pass.
LOCK_NOT_AVAILABLE = "55P03"
# PostgreSQL keeps the catalog of every relation a connection touched; a worker
# reconnects after this many schemas so that it never holds thousands of them.
SCHEMAS_PER_CONNECTION = 50


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
        self.executor = MigrationExecutor(None, self._progress)
        self.executor.connection = connection
        self.loader = self.executor.loader
        self.targets = self.loader.graph.leaf_nodes()
        self._states = {}
        self._current = None
        self._schemas_on_connection = 0

    def migrate(self, job):
        """Bring `job`'s schema to the code's migrations and record the outcome
        in its TenantUpgrade row. Never raises for a failure of the schema."""
        started = time.monotonic()
        self._schemas_on_connection += 1
        if self._schemas_on_connection > SCHEMAS_PER_CONNECTION:
            close_connection()
            self._schemas_on_connection = 1
        attempt = 0
        while True:
            attempt += 1
            TenantUpgrade.objects.filter(tenant_id=job.tenant_id).update(
                status=TenantUpgrade.Status.RUNNING, started_at=timezone.now(), finished_at=None,
                attempts=F("attempts") + 1, error="")
            try:
                applied, note = self._migrate_in_transaction(job)
            except Exception as exc:  # recorded for this tenant; the run goes on
                if not connection.in_atomic_block:
                    connection.close_if_unusable_or_obsolete()
                connection.set_schema_to_public()
                if _is_lock_timeout(exc) and attempt <= self.limits.lock_retries:
                    time.sleep(self.limits.retry_pause * attempt)
                    continue
                error = self._describe(exc)
                TenantUpgrade.objects.filter(tenant_id=job.tenant_id).update(
                    status=TenantUpgrade.Status.FAILED, finished_at=timezone.now(), error=error)
                return Outcome(job.tenant_id, job.subdomain, TenantUpgrade.Status.FAILED,
                               time.monotonic() - started, error=error)
            status = TenantUpgrade.Status.DONE if applied else TenantUpgrade.Status.SKIPPED
            return Outcome(job.tenant_id, job.subdomain, status, time.monotonic() - started,
                           applied=applied, note=note)

    def _migrate_in_transaction(self, job):
        self._current = None
        try:
            with transaction.atomic():
                locks.lock_schema_for_transaction(job.schema_name)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('lock_timeout', %s, true), "
                                   "set_config('statement_timeout', %s, true)",
                                   [self.limits.lock_timeout, self.limits.statement_timeout])
                    cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [job.schema_name])
                    if cursor.fetchone() is None:
                        raise LookupError(f"schema {job.schema_name} does not exist")
                # The recorder table must exist in this schema first, or the
                # executor would find public's and believe everything applied.
                connection.set_schema(job.schema_name, include_public=False)
                recorder = MigrationRecorder(connection)
                recorder.ensure_schema()
                connection.set_schema(job.schema_name)
                applied = self._applied_in_schema(recorder)
                if applied is None:
                    names, note = self._migrate_with_command(recorder), "migrate command (squash half applied)"
                else:
                    names, note = self._migrate_with_cached_state(recorder, applied), ""
                connection.set_schema_to_public()
                # In the same transaction: "done" is recorded if and only if the schema has it.
                TenantUpgrade.objects.filter(tenant_id=job.tenant_id).update(
                    status=TenantUpgrade.Status.DONE if names else TenantUpgrade.Status.SKIPPED,
                    finished_at=timezone.now(), applied=names, target=self.target)
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

    def _migrate_with_cached_state(self, recorder, applied):
        executor, loader = self.executor, self.loader
        executor.recorder = recorder
        loader.applied_migrations = applied
        loader.check_consistent_history(connection)
        plan = executor.migration_plan(self.targets)
        if not plan:
            return []
        pre_state = self._pre_state(applied)
        # contenttypes' pre_migrate receiver inserts operations into the plan's
        # Migration objects; they are ours for the whole process, so put them back.
        operations = {migration: list(migration.operations) for migration, _ in plan}
        try:
            emit_pre_migrate_signal(0, False, DEFAULT_DB_ALIAS, stdout=io.StringIO(), apps=pre_state.apps, plan=plan)
            post_state = executor.migrate(self.targets, plan=plan, state=pre_state.clone())
        finally:
            for migration, saved in operations.items():
                migration.operations = saved
        post_state.clear_delayed_apps_cache()
        post_apps = post_state.apps
        # As the migrate command: re-render real apps' models with their relations.
        with post_apps.bulk_update():
            model_keys = []
            for model_state in post_apps.real_models:
                model_key = model_state.app_label, model_state.name_lower
                model_keys.append(model_key)
                post_apps.unregister_model(*model_key)
        post_apps.render_multiple([ModelState.from_model(apps.get_model(*key)) for key in model_keys])
        emit_post_migrate_signal(0, False, DEFAULT_DB_ALIAS, stdout=io.StringIO(), apps=post_apps, plan=plan)
        return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]

    def _pre_state(self, applied):
        key = frozenset(name for name in applied if name in self.loader.graph.nodes)
        state = self._states.get(key)
        if state is None:
            state = self.executor._create_project_state(with_applied_migrations=True)
            state.apps  # render once; each tenant gets a clone of the rendered state
            self._states[key] = state
        return state

    def _migrate_with_command(self, recorder):
        before = set(recorder.applied_migrations())
        call_command(MigrateCommand(), interactive=False, verbosity=0, skip_checks=True)
        return sorted(f"{app}.{name}" for app, name in set(recorder.applied_migrations()) - before)

    def _progress(self, action, migration=None, fake=False):
        if action == "apply_start":
            self._current = migration

    def _describe(self, exc):
        where = f" (while applying {self._current.app_label}.{self._current.name})" if self._current else ""
        return ("".join(traceback.format_exception_only(exc)).strip() + where)[:10_000]


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
