"""The upgrade of every schema, as `manage.py upgrade` runs it (docs/decisions/007-upgrades.md).

1. public, under the public schema's advisory lock, then the stale spares
   (`upgrade_public_and_spares`);
2. every tenant (`upgrade_tenants`): the plan is made from the django_migrations
   rows of all schemas at once; tenants done at this target by an earlier run
   are not even looked at; canaries go first and a failing canary stops the
   run; then the rest on `workers` processes, each failure recorded and the
   others going on; then the tenants signed up meanwhile by older code.

Every tenant's state is in its TenantUpgrade row, so an interrupted run is
resumed by running it again.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from ops.models import TenantUpgrade
from ops.upgrades import locks, plan
from ops.upgrades.migrate import Job, Limits, Outcome, SchemaMigrator, close_connection
from tenants import provisioning
from tenants.models import Tenant

Status = TenantUpgrade.Status


@dataclass
class Summary:
    target: str
    tenants: int = 0
    # Done or skipped at this target by an earlier run: not looked at.
    current: int = 0
    # Nothing pending in their django_migrations rows.
    up_to_date: int = 0
    migrated: int = 0
    # Found current under the lock: another run migrated them meanwhile.
    done_elsewhere: int = 0
    failed: list[Outcome] = field(default_factory=list)
    # Left pending because a canary failed.
    not_run: int = 0
    stopped_by_canary: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.stopped_by_canary


DEFAULT_LIMITS = Limits()

# Called as each tenant finishes: (its outcome, how many are done, how many there are).
Progress = Callable[[Outcome, int, int], object]


def upgrade_public_and_spares(*, verbosity: int = 0) -> int:
    """Migrate the public schema, then every stale spare schema. Returns how many
    spares were migrated.

    The public schema's lock lives on a connection of its own: django-tenants'
    migrate_schemas commits and closes the default connection when it is done.
    """
    lock_connection = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        locks.lock_schema_for_session(lock_connection, get_public_schema_name())
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=verbosity)
        # Spares before tenants, so that sign-ups from here on get current schemas.
        return provisioning.upgrade_spares()
    finally:
        lock_connection.close()


def upgrade_tenants(
    *,
    workers: int = 4,
    canary: int | Iterable[str] = 1,
    limits: Limits = DEFAULT_LIMITS,
    recheck: bool = False,
    progress: Progress | None = None,
) -> Summary:
    """Bring every tenant schema to the code's migrations; returns a Summary.

    `canary`: how many tenants go first (the oldest pending ones), or a list of
    subdomains; if one of them fails, no other tenant is touched. `recheck`
    looks into every schema, even those an earlier run finished at this target.
    `progress(outcome, number, total)` is called as each tenant finishes.
    """
    started = timezone.now()
    disk = plan.disk_migrations()
    summary = Summary(target=disk.target)
    counter = _Counter(progress)

    jobs, seen = _plan(disk, Tenant.objects.exclude(schema_name=get_public_schema_name()), recheck, summary)
    counter.total += len(jobs)
    canaries, rest = _split_canaries(jobs, canary)
    for outcome in _run(canaries, workers=workers, target=disk.target, limits=limits):
        _count(summary, counter, outcome)
    if summary.failed:
        summary.stopped_by_canary = True
        summary.not_run = len(rest)
        return summary
    for outcome in _run(rest, workers=workers, target=disk.target, limits=limits):
        _count(summary, counter, outcome)

    # A sign-up by older code (a pod not yet replaced) may have taken a spare
    # before the spares were upgraded; such tenants are younger than this run.
    late, _ = _plan(disk, Tenant.objects.filter(created_at__gte=started).exclude(pk__in=seen), recheck, summary)
    counter.total += len(late)
    for outcome in _run(late, workers=workers, target=disk.target, limits=limits):
        _count(summary, counter, outcome)
    return summary


def _plan(
    disk: plan.DiskMigrations, tenants: QuerySet[Tenant], recheck: bool, summary: Summary
) -> tuple[list[Job], set[int]]:
    """The jobs for `tenants` that have something pending, and the ids of all of
    them; records every looked-at tenant's row (pending, or skipped when nothing is pending)."""
    rows = list(tenants.order_by("pk").values_list("pk", "subdomain", "schema_name"))
    summary.tenants += len(rows)
    seen = {pk for pk, _, _ in rows}
    if not rows:
        return [], seen
    if not recheck:
        current = set(
            TenantUpgrade.objects.filter(target=disk.target, status__in=[Status.DONE, Status.SKIPPED]).values_list(
                "tenant_id", flat=True
            )
        )
        summary.current += sum(1 for pk, _, _ in rows if pk in current)
        rows = [row for row in rows if row[0] not in current]
    recorded = plan.recorded_migrations([schema for _, _, schema in rows])
    jobs: list[Job]
    up_to_date: list[int]
    jobs, up_to_date = [], []
    for pk, subdomain, schema in rows:
        # A missing schema is a job too: its worker records why it failed.
        if schema not in recorded or disk.pending(recorded[schema]):
            jobs.append(Job(tenant_id=pk, subdomain=subdomain, schema_name=schema))
        else:
            up_to_date.append(pk)
    summary.up_to_date += len(up_to_date)
    _record_plan(disk.target, pending=[job.tenant_id for job in jobs], up_to_date=up_to_date)
    return jobs, seen


def _record_plan(target: str, *, pending: list[int], up_to_date: list[int]) -> None:
    # Attempts count tries at one target.
    TenantUpgrade.objects.filter(tenant_id__in=pending + up_to_date).exclude(target=target).update(attempts=0)
    now = timezone.now()
    TenantUpgrade.objects.bulk_create(
        [TenantUpgrade(tenant_id=pk, target=target, status=Status.PENDING) for pk in pending],
        update_conflicts=True,
        unique_fields=["tenant"],
        update_fields=["target", "status"],
    )
    TenantUpgrade.objects.bulk_create(
        [
            TenantUpgrade(tenant_id=pk, target=target, status=Status.SKIPPED, finished_at=now, error="", applied=[])
            for pk in up_to_date
        ],
        update_conflicts=True,
        unique_fields=["tenant"],
        update_fields=["target", "status", "finished_at", "error", "applied"],
    )


def _split_canaries(jobs: list[Job], canary: int | Iterable[str]) -> tuple[list[Job], list[Job]]:
    if isinstance(canary, int):
        return jobs[:canary], jobs[canary:]
    chosen = set(canary)
    return [job for job in jobs if job.subdomain in chosen], [job for job in jobs if job.subdomain not in chosen]


def _run(jobs: Sequence[Job], *, workers: int, target: str, limits: Limits) -> Iterator[Outcome]:
    """Yield each job's Outcome as it finishes: in this process for one worker,
    else on `workers` forked processes, each with its own connection."""
    if not jobs:
        return
    if workers <= 1 or len(jobs) == 1:
        migrator = SchemaMigrator(target=target, limits=limits)
        for job in jobs:
            yield migrator.migrate(job)
        close_connection()  # it has touched many schemas' catalogs
        return
    # Forked children must not share the parent's socket; each opens its own.
    connections.close_all()
    context = multiprocessing.get_context("fork")  # children inherit settings and the app registry
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=context, initializer=_start_worker, initargs=(target, limits)
    ) as pool:
        futures: dict[Future[Outcome], Job] = {pool.submit(_migrate_in_worker, job): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                job = futures[future]
                yield _worker_lost(job)


_migrator: SchemaMigrator | None = None


def _start_worker(target: str, limits: Limits) -> None:
    global _migrator
    _migrator = SchemaMigrator(target=target, limits=limits)
    # multiprocessing runs these when a worker exits normally: close the
    # connection rather than leave PostgreSQL an abrupt end of its socket.
    multiprocessing.util.Finalize(None, connections.close_all, exitpriority=10)


def _migrate_in_worker(job: Job) -> Outcome:
    assert _migrator is not None  # made by _start_worker, the pool's initializer
    return _migrator.migrate(job)


def _worker_lost(job: Job) -> Outcome:
    error = "the worker process died while this tenant was queued or running"
    TenantUpgrade.objects.filter(tenant_id=job.tenant_id, status__in=[Status.PENDING, Status.RUNNING]).update(
        status=Status.FAILED, finished_at=timezone.now(), error=error
    )
    return Outcome(job.tenant_id, job.subdomain, Status.FAILED, 0.0, error=error)


class _Counter:
    def __init__(self, progress: Progress | None) -> None:
        self.progress, self.number, self.total = progress, 0, 0


def _count(summary: Summary, counter: _Counter, outcome: Outcome) -> None:
    if outcome.status == Status.FAILED:
        summary.failed.append(outcome)
    elif outcome.status == Status.DONE:
        summary.migrated += 1
    else:
        summary.done_elsewhere += 1
    counter.number += 1
    if counter.progress:
        counter.progress(outcome, counter.number, counter.total)
