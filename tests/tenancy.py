"""Tenants, users and clients for tests: sign a tenant up, run code in its
schema, find its users, and talk to its host. Plain functions (the fixtures
that use them are in tests/fixtures/)."""

import itertools
import uuid

from django.db import connection
from rest_framework.test import APIClient

from crm.users import tokens
from crm.users.models import User
from tenants import services

PASSWORD = "correct-horse-battery"

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


def user_of(tenant, email_local):
    with in_tenant(tenant):
        domain = tenant.owner_email.split("@")[1]
        return User.objects.get(email=f"{email_local}@{domain}")
