"""`manage.py upgrade` across tenants: failures recorded, resumable, canaries,
nothing-pending tenants skipped cheaply, one migration per tenant however many runs."""

import io
import multiprocessing
import re
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from ops.management.commands.upgrade import _canary
from ops.models import TenantUpgrade
from ops.upgrades import locks, services
from ops.upgrades.migrate import Limits
from tests.ops.upgrades.conftest import row

Status = TenantUpgrade.Status


def upgrade(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("upgrade", "--no-pool", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def schema_reads(queries):
    """The plan's queries that read schemas' django_migrations tables."""
    return [q["sql"] for q in queries if re.search(r'FROM "[^"]+"\.django_migrations', q["sql"])]


def test_a_failing_tenant_is_recorded_and_the_others_are_still_migrated(tenants, probe):
    first, broken, last = tenants
    probe.block(broken)

    error, out, err = upgrade("--canary", "0", "--workers", "2")

    assert isinstance(error, CommandError) and broken.subdomain in str(error)  # exit status 1
    assert row(broken).status == Status.FAILED
    assert "already exists" in row(broken).error and probe.migration in row(broken).error
    assert not probe.recorded_in(broken.schema_name)
    for tenant in (first, last):
        assert row(tenant).status == Status.DONE
        assert row(tenant).applied == [f"contacts.{probe.migration}"]
        assert probe.exists_in(tenant.schema_name) and probe.recorded_in(tenant.schema_name) == 1
    # Progress, one line per tenant as it finishes.
    assert re.search(rf"^\[\d+/\d+\] {first.subdomain} done \d+\.\ds$", out, re.M)
    assert re.search(rf"^\[\d+/\d+\] {broken.subdomain} failed \d+\.\ds: .*already exists", err, re.M)


def test_running_again_retries_the_failed_tenant_and_skips_those_done(tenants, probe):
    first, broken, last = tenants
    probe.block(broken)
    upgrade("--canary", "0", "--workers", "2")
    done_before = {t.pk: row(t).finished_at for t in (first, last)}
    probe.unblock(broken)

    with CaptureQueriesContext(connection) as queries:
        error, out, _ = upgrade("--canary", "0", "--workers", "1")

    assert error is None
    assert row(broken).status == Status.DONE and row(broken).attempts == 2
    assert probe.recorded_in(broken.schema_name) == 1
    for tenant in (first, last):
        assert row(tenant).finished_at == done_before[tenant.pk] and row(tenant).attempts == 1
        assert f"] {tenant.subdomain} " not in out
    # Only the tenants not done at this target were looked into, in one query.
    assert len(schema_reads(queries)) == 1


def test_tenants_with_nothing_pending_are_skipped_without_the_migration_executor(tenants):
    with (
        mock.patch.object(MigrationExecutor, "__init__", side_effect=AssertionError("executor loaded")),
        CaptureQueriesContext(connection) as queries,
    ):
        summary = services.upgrade_tenants(workers=1, canary=0)

    assert summary.ok and summary.migrated == 0
    assert all(row(tenant).status == Status.SKIPPED for tenant in tenants)
    # Every schema's migrations in one UNION query, whatever the number of tenants.
    assert len(schema_reads(queries)) == 1
    # A fixed handful in all: tenants, rows done at this target, the plan, the status rows.
    assert len([q for q in queries if not q["sql"].startswith(("SET search_path", "BEGIN", "COMMIT"))]) <= 8


def test_tenants_done_at_this_target_are_not_looked_into_again(tenants):
    services.upgrade_tenants(workers=1, canary=0)

    with CaptureQueriesContext(connection) as queries:
        summary = services.upgrade_tenants(workers=1, canary=0)

    assert summary.ok and summary.current >= len(tenants) and summary.up_to_date == 0
    assert schema_reads(queries) == []


def test_a_failing_canary_stops_the_run_before_the_other_tenants(tenants, probe):
    canary, *others = tenants
    probe.block(canary)

    error, _, _ = upgrade("--canary", canary.subdomain, "--workers", "2")

    assert isinstance(error, CommandError) and "canary" in str(error)
    assert row(canary).status == Status.FAILED
    for tenant in others:
        assert row(tenant).status == Status.PENDING
        assert not probe.exists_in(tenant.schema_name)


def test_a_busy_tenant_gives_up_after_its_lock_timeout_and_the_others_go_on(tenants, probe):
    first, busy, last = tenants
    # Someone reads contacts in `busy` for a long time; the probe's ALTER TABLE needs that table.
    reader = connections.create_connection("default")
    reader.set_autocommit(False)
    with reader.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{busy.schema_name}".contacts_contact IN ACCESS SHARE MODE')
    try:
        started = time.monotonic()
        summary = services.upgrade_tenants(
            workers=1, canary=0, limits=Limits(lock_timeout="200ms", lock_retries=1, retry_pause=0.1)
        )
        elapsed = time.monotonic() - started
    finally:
        reader.rollback()
        reader.close()

    assert [outcome.subdomain for outcome in summary.failed] == [busy.subdomain]
    assert "lock timeout" in row(busy).error and row(busy).attempts == 2
    assert not probe.exists_in(busy.schema_name)  # all of the tenant's migration rolled back
    assert row(first).status == row(last).status == Status.DONE
    assert elapsed < 30


def _upgrade_in_child(results):
    summary = services.upgrade_tenants(workers=1, canary=0)
    results.put((summary.migrated, summary.done_elsewhere, [o.error for o in summary.failed]))
    connections.close_all()


def start_child_run():
    """Another `upgrade` run: a forked process with its own connection."""
    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_upgrade_in_child, args=(results,))
    child.start()
    return child, results


def test_a_tenant_another_run_holds_is_waited_for_and_not_migrated_twice(tenants, probe):
    held = tenants[0]
    other_run = connections.create_connection("default")
    other_run.set_autocommit(False)
    with other_run.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [locks.NAMESPACE, held.schema_name])
    child, results = start_child_run()
    try:
        deadline = time.monotonic() + 60
        while (
            not TenantUpgrade.objects.filter(tenant=held, status=Status.RUNNING).exists()
            and time.monotonic() < deadline
        ):
            time.sleep(0.1)
        assert row(held).status == Status.RUNNING and not probe.exists_in(held.schema_name)
        # The other run migrates the tenant meanwhile and commits, releasing the lock.
        with other_run.cursor() as cursor:
            cursor.execute(f'SET search_path = "{held.schema_name}"')
            cursor.execute(f"CREATE TABLE {probe.table} (id serial PRIMARY KEY)")
            cursor.execute(f"ALTER TABLE contacts_contact ADD COLUMN {probe.table} text")
            cursor.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('contacts', %s, now())", [probe.migration]
            )
        other_run.commit()
        _migrated, done_elsewhere, errors = results.get(timeout=120)
    finally:
        other_run.close()
        child.join(timeout=60)

    assert errors == [] and done_elsewhere == 1
    assert row(held).status == Status.SKIPPED and row(held).applied == []
    assert probe.recorded_in(held.schema_name) == 1
    for tenant in tenants[1:]:
        assert row(tenant).status == Status.DONE


def test_two_runs_at_once_migrate_every_tenant_once(tenants, probe):
    runs = [start_child_run() for _ in range(2)]
    outcomes = [results.get(timeout=180) for _, results in runs]
    for child, _ in runs:
        child.join(timeout=60)

    assert [errors for _, _, errors in outcomes] == [[], []]
    for tenant in tenants:
        assert probe.recorded_in(tenant.schema_name) == 1
        assert row(tenant).status in (Status.DONE, Status.SKIPPED)
    assert sum(migrated for migrated, _, _ in outcomes) >= len(tenants)


@pytest.mark.parametrize("value", ["3", "alpha,beta"])
def test_canary_takes_a_count_or_subdomains(value):
    assert _canary(value) == (3 if value == "3" else ["alpha", "beta"])
