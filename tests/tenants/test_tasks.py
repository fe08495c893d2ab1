import time
import uuid

import pytest
from django.core.cache import caches

from crm.accounts.models import Account
from tenants.models import SpareSchema
from tests.tenancy import in_tenant, sign_up
from tests.tenants.tasks_for_tests import create_marker_account, note_schema

pytestmark = pytest.mark.celery


def redis():
    return caches["default"]._cache.get_client()


def wait_for(result, timeout=60):
    return result.get(timeout=timeout)


def test_a_task_queued_by_a_tenant_runs_in_that_tenants_schema_only(committed_db, celery_worker, tenant_a, tenant_b):
    name = f"from-task-{uuid.uuid4().hex[:6]}"
    with in_tenant(tenant_a):
        wait_for(create_marker_account.delay(name))
        assert Account.objects.filter(name=name).count() == 1
        Account.objects.filter(name=name).delete()
    with in_tenant(tenant_b):
        assert not Account.objects.filter(name=name).exists()


def test_the_schema_a_task_sees_is_the_one_that_queued_it(committed_db, celery_worker, tenant_a, tenant_b):
    marker_a, marker_b = uuid.uuid4().hex, uuid.uuid4().hex
    with in_tenant(tenant_a):
        first = note_schema.delay(marker_a)
    with in_tenant(tenant_b):
        second = note_schema.delay(marker_b)
    wait_for(first), wait_for(second)
    assert redis().get(f"test-marker:{marker_a}").decode() == tenant_a.schema_name
    assert redis().get(f"test-marker:{marker_b}").decode() == tenant_b.schema_name


def test_a_task_queued_for_a_since_deleted_tenant_never_runs(committed_db, celery_worker):
    from tenants.services import delete_tenant

    doomed = sign_up()
    marker = uuid.uuid4().hex
    # Hold the task back until the tenant is gone, as a busy queue would.
    with in_tenant(doomed):
        queued = note_schema.apply_async((marker,), countdown=3)
    delete_tenant(doomed)
    # A same-named successor must not receive it either.
    successor = sign_up(subdomain=doomed.subdomain)
    committed_db.append(successor)

    sentinel = uuid.uuid4().hex
    time.sleep(4)
    wait_for(note_schema.apply_async((sentinel,), countdown=0))
    # A dropped task records no state (Ignore), so PENDING is all we would ever see:
    # give a wrongly run task a few seconds past the sentinel, which ran after its ETA.
    deadline = time.time() + 5
    while queued.state == "PENDING" and time.time() < deadline:
        time.sleep(0.2)
    assert redis().get(f"test-marker:{sentinel}").decode() == "public"
    assert redis().get(f"test-marker:{marker}") is None


def test_sign_up_refills_the_pool_in_the_background(committed_db, celery_worker, settings):
    settings.SPARE_SCHEMA_POOL_SIZE = 2
    tenant = sign_up()
    committed_db.append(tenant)
    deadline = time.time() + 60
    while SpareSchema.objects.count() < 2 and time.time() < deadline:
        time.sleep(0.3)
    assert SpareSchema.objects.count() >= 2
