"""Nightly backups staggered over a window, retention (7 daily, 4 weekly, 12
monthly by default), and the weekly verification restore."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ops.backups import retention, selectors, services, tasks, verification
from ops.models import Backup
from tests.ops.backups.conftest import add_records

UTC = UTC


def _nightly(start, end, hour=2):
    """(id, created_at) of one backup a night from `start` to `end`, ids in date order."""
    day, found = start, []
    while day <= end:
        found.append((len(found) + 1, datetime(day.year, day.month, day.day, hour, tzinfo=UTC)))
        day += timedelta(days=1)
    return found


def _dates(backups, ids):
    return sorted(created_at.date().isoformat() for backup_id, created_at in backups if backup_id in ids)


def test_the_default_policy_keeps_7_daily_4_weekly_and_12_monthly():
    backups = _nightly(datetime(2025, 10, 1), datetime(2026, 11, 23))  # 2026-11-23 is a Monday
    kept = _dates(backups, retention.to_keep(backups, retention.Policy()))
    assert kept == [
        # monthly: the newest of each of the last 12 months (November's is today's)
        "2025-12-31",
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        "2026-06-30",
        "2026-07-31",
        "2026-08-31",
        "2026-09-30",
        "2026-10-31",
        # weekly: the newest of each of the last 4 ISO weeks (two are also daily ones)
        "2026-11-08",
        "2026-11-15",
        # daily: the last 7 days
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
        "2026-11-23",
    ]
    assert len(retention.to_delete(backups, retention.Policy())) == len(backups) - 20


def test_of_two_backups_on_one_day_the_newer_is_kept():
    morning = (1, datetime(2026, 11, 23, 2, tzinfo=UTC))
    manual = (2, datetime(2026, 11, 23, 10, tzinfo=UTC))
    assert retention.to_delete([morning, manual], retention.Policy()) == [1]


def test_a_tenant_whose_backups_stopped_keeps_its_last_ones():
    backups = _nightly(datetime(2025, 1, 1), datetime(2025, 1, 10))
    assert retention.to_delete(backups, retention.Policy(daily=7, weekly=0, monthly=0)) == [1, 2, 3]


@pytest.mark.django_db
def test_retention_deletes_exactly_the_objects_and_rows_it_should(local_backups, tenant_a):
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    rows = []
    for backup_id, created_at in _nightly(datetime(2026, 9, 1), datetime(2026, 11, 23)):
        key = f"tenants/{tenant_a.schema_name}/{created_at:%Y%m%d}-{backup_id}.crmbak"
        writer = local_backups.writer(key)
        writer.write(b"x")
        writer.complete()
        rows.append(
            Backup.objects.create(
                tenant=tenant_a,
                schema_name=tenant_a.schema_name,
                subdomain=tenant_a.subdomain,
                status=Backup.Status.DONE,
                created_at=created_at,
                storage="local",
                location=local_backups.location,
                key=key,
            )
        )
    old_failure = Backup.objects.create(
        tenant=tenant_a,
        schema_name=tenant_a.schema_name,
        subdomain=tenant_a.subdomain,
        status=Backup.Status.FAILED,
        created_at=now - timedelta(days=40),
    )
    recent_failure = Backup.objects.create(
        tenant=tenant_a,
        schema_name=tenant_a.schema_name,
        subdomain=tenant_a.subdomain,
        status=Backup.Status.FAILED,
        created_at=now - timedelta(days=2),
    )
    running = Backup.objects.create(
        tenant=tenant_a,
        schema_name=tenant_a.schema_name,
        subdomain=tenant_a.subdomain,
        status=Backup.Status.RUNNING,
        created_at=now - timedelta(days=90),
    )
    policy = selectors.retention_policy(tenant_a)
    expected = retention.to_keep([(row.pk, row.created_at) for row in rows], policy)

    deleted = services.apply_retention(schema_name=tenant_a.schema_name, policy=policy, now=now)

    kept = set(Backup.objects.filter(tenant=tenant_a, status=Backup.Status.DONE).values_list("pk", flat=True))
    assert kept == expected and len(kept) == 7 + 2 + 2  # Sep 30, Oct 31 monthly; Nov 8, 15 weekly
    assert sorted(local_backups.keys()) == sorted(row.key for row in rows if row.pk in kept)
    assert old_failure.pk in deleted and not Backup.objects.filter(pk=old_failure.pk).exists()
    assert Backup.objects.filter(pk__in=[recent_failure.pk, running.pk]).count() == 2


@pytest.mark.django_db
def test_a_tenant_chooses_its_retention_within_limits(tenant_a):
    services.set_retention(tenant=tenant_a, daily=14, weekly=8, monthly=6)
    assert selectors.retention_policy(tenant_a) == retention.Policy(daily=14, weekly=8, monthly=6)
    with pytest.raises(ValidationError) as error:
        services.set_retention(tenant=tenant_a, daily=0, weekly=8, monthly=999)
    assert set(error.value.message_dict) == {"daily", "monthly"}
    assert selectors.retention_policy(tenant_a) == retention.Policy(daily=14, weekly=8, monthly=6)


@pytest.mark.django_db
def test_nightly_backups_are_queued_once_each_at_the_tenants_slot(settings, tenant_a, tenant_b):
    settings.BACKUP_WINDOW_START_HOUR, settings.BACKUP_WINDOW_HOURS = 1, 4
    window = datetime(2026, 11, 23, 1, tzinfo=UTC)
    slot_a = services.nightly_slot(tenant_a, window)
    assert window <= slot_a < window + timedelta(hours=4)
    assert services.nightly_slot(tenant_b, window) != slot_a  # spread, not all at once

    def queued(now):
        services.dispatch_scheduled_backups(now=now)
        # The rows just queued were stamped with the real clock; they belong to the
        # night being simulated, whatever day the suite runs on.
        Backup.objects.filter(kind=Backup.Kind.SCHEDULED, created_at__gt=now).update(created_at=now)
        return Backup.objects.filter(tenant=tenant_a, kind=Backup.Kind.SCHEDULED).count()

    with mock.patch.object(tasks.run_backup, "delay"):
        assert queued(slot_a - timedelta(seconds=1)) == 0
        assert queued(slot_a) == 1
        assert queued(slot_a + timedelta(minutes=5)) == 1  # beat runs it again: nothing twice
        # The next night, again once.
        assert queued(slot_a + timedelta(days=1)) == 2
        # Outside the window nothing is queued.
        assert services.dispatch_scheduled_backups(now=window + timedelta(hours=5)) == 0


def test_weekly_verification_restores_into_a_scratch_schema_and_reports_failures(
    local_backups, committed_tenant, media
):
    tenant = committed_tenant()
    add_records(tenant, contacts=2, files=1)
    good = services.take_backup(tenant=tenant)
    bad = services.take_backup(tenant=tenant)
    path = local_backups.root / bad.key
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))

    with mock.patch("sentry_sdk.capture_exception") as captured:
        assert verification.verify_backup(good) is None
        assert "does not authenticate" in verification.verify_backup(bad)
    assert captured.call_count == 1
    good.refresh_from_db(), bad.refresh_from_db()
    assert good.verified_at and good.verification_error == ""
    assert bad.verified_at and "does not authenticate" in bad.verification_error
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'verify\\_%%'")
        assert cursor.fetchone()[0] == 0  # the scratch schemas went with the rollback

    # The sample takes each tenant's latest backup: here the damaged one, reported as a message.
    with mock.patch("sentry_sdk.capture_message") as message, mock.patch("sentry_sdk.capture_exception"):
        outcome = verification.verify_sample(size=100)
    assert "does not authenticate" in outcome[tenant.subdomain]
    assert tenant.subdomain in message.call_args.args[0]
