"""Shared fixtures. Tests run against real PostgreSQL (the test database
pytest-django creates) and real Redis.

Tenants are expensive compared to rows, so two tenants are signed up once per
session and committed; each test's own rows live in the test transaction and
vanish with it. Tests that need committed data (several connections, the Celery
worker) use `committed_db` and clean up after themselves.

The fixtures live in tests/fixtures/ (one module per subject), registered here
as plugins, as Saleor does; the plain functions tests call (sign_up, in_tenant,
user_of, api_client, ...) are in tests/tenancy.py, and record factories in
tests/factories.py. Import those from there, not from this file.
"""

pytest_plugins = [
    "tests.fixtures.celery",
    "tests.fixtures.database",
    "tests.fixtures.tenants",
]

# Still importable from here for tests written before tests/tenancy.py.
from tests.tenancy import (  # noqa: E402, F401
    PASSWORD,
    api_client,
    host,
    in_tenant,
    sign_up,
    unique_subdomain,
    user_of,
)
