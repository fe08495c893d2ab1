"""Shared fixtures. Tests run against real PostgreSQL (the test database
pytest-django creates) and real Redis.

Tenants are expensive compared to rows, so two tenants are signed up once per
session and committed; each test's own rows live in the test transaction and
vanish with it. Tests that need committed data (several connections, the Celery
worker) use `committed_db` and clean up after themselves.
"""

import itertools
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from config.celery import app as celery_app
from crm.users import tokens
from crm.users.models import Role, User
from tenants import provisioning, services
from tenants.models import Tenant

PASSWORD = "correct-horse-battery"

# A queue of our own, so that a `make run` worker on the same Redis never takes
# (or is given) this test run's tasks.
celery_app.conf.task_default_queue = f"test-{uuid.uuid4().hex[:10]}"
_counter = itertools.count()


def unique_subdomain(prefix="t"):
    return f"{prefix}{next(_counter)}-{uuid.uuid4().hex[:6]}"


def sign_up(subdomain=None, email="owner@example.test", **overrides):
    fields = {
        "company": "Test Co",
        "subdomain": subdomain or unique_subdomain(),
        "email": email,
        "password": PASSWORD,
        "seats": 5,
        "interval": "month",
    }
    fields.update(overrides)
    return services.sign_up(**fields)


def host(tenant):
    return f"{tenant.subdomain}.localhost"


def api_client(tenant=None, user=None):
    """A client that talks to `tenant`'s host (or the public host), authenticated as `user`."""
    client = APIClient(HTTP_HOST=host(tenant) if tenant else "localhost")
    if user is not None:
        with in_tenant(tenant):
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.issue_token(user=user)}")
    return client


class in_tenant:
    """Run test arrange/assert code inside a tenant's schema."""

    def __init__(self, tenant):
        self.tenant = tenant

    def __enter__(self):
        self.previous = connection.tenant
        connection.set_tenant(self.tenant)
        return self.tenant

    def __exit__(self, *exc):
        connection.set_tenant(self.previous)


@pytest.fixture(scope="session", autouse=True)
def _generous_signup_throttle():
    # Sign-up is rate-limited per address; tests sign up far more often than a person.
    rates = ScopedRateThrottle.THROTTLE_RATES
    saved = dict(rates)
    rates["signup"] = "100000/hour"
    yield
    rates.clear()
    rates.update(saved)


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's, except that the test database is always made: pytest-django
    makes only those the collected tests mark for `db`, and a run of only browser,
    task or ops tests (which reach the database through session fixtures such as
    `committed_db`) would find it empty."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            keepdb=django_db_keepdb and not django_db_createdb,
            aliases={"default"},
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(config, verbosity=request.config.option.verbose)
            except Exception as error:
                # As pytest-django does: a connection a server thread still holds
                # keeps the database from being dropped, which fails no test.
                request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {error!r}"))


@pytest.fixture(scope="session", autouse=True)
def _always_the_test_database(django_db_setup):
    # Session fixtures reach the database without asking for `db`; without this a
    # run of only such tests would reach the developer's own database.
    return


@pytest.fixture(autouse=True)
def _public_schema_after_each_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture(scope="session")
def spare_pool(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # Enough for the session's committed sign-ups; when it runs dry sign-up
        # falls back to preparing a schema itself, which is slower but works.
        provisioning.fill_pool(size=4)


@pytest.fixture(scope="session")
def tenant_a(django_db_setup, django_db_blocker, spare_pool):
    with django_db_blocker.unblock():
        return _tenant_with_users("alpha")


@pytest.fixture(scope="session")
def tenant_b(django_db_setup, django_db_blocker, spare_pool):
    with django_db_blocker.unblock():
        return _tenant_with_users("beta")


def _tenant_with_users(prefix):
    tenant = sign_up(subdomain=unique_subdomain(prefix), email=f"admin@{prefix}.test")
    with in_tenant(tenant):
        for role in (Role.DIRECTOR, Role.MANAGER, Role.SALES):
            User.objects.create_user(email=f"{role}@{prefix}.test", password=PASSWORD, role=role)
        User.objects.create_user(email=f"sales2@{prefix}.test", password=PASSWORD, role=Role.SALES)
    return tenant


def user_of(tenant, email_local):
    with in_tenant(tenant):
        domain = tenant.owner_email.split("@")[1]
        return User.objects.get(email=f"{email_local}@{domain}")


@pytest.fixture
def committed_db(django_db_blocker, spare_pool):
    """Database access outside the test transaction, for tests that need other
    connections to see their writes. Tenants they sign up go in `made`; they are
    deleted afterwards."""
    made = []
    with django_db_blocker.unblock():
        yield made
        connection.set_schema_to_public()
        for tenant in made:
            tenant = Tenant.objects.filter(pk=tenant.pk).first()
            if tenant:
                services.delete_tenant(tenant)


@pytest.fixture(scope="session", autouse=True)
def _drop_test_queue():
    yield
    celery_app.control.purge()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker (embedded in a thread, consuming from real Redis) on
    the test database. Tasks see only committed data."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    def close_connection(**kwargs):
        # The worker thread must not keep a connection open to the test database,
        # or the database cannot be dropped at the end of the session.
        connection.close()

    task_postrun.connect(close_connection, weak=False)
    with django_db_blocker.unblock():
        with start_worker(
            celery_app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
        ) as worker:
            yield worker
    task_postrun.disconnect(close_connection)
