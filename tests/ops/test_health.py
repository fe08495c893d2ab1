from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from tests.tenancy import host

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hostname", ["localhost", "10.0.0.7:8000", "nosuchtenant.localhost"])
def test_healthz_answers_ok_on_any_host(hostname):
    response = Client(HTTP_HOST=hostname).get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


def test_healthz_answers_on_a_tenant_host(tenant_a):
    assert Client(HTTP_HOST=host(tenant_a)).get("/healthz").json()["status"] == "ok"


def test_healthz_is_503_when_the_database_does_not_answer():
    # Mocked: stopping the machine's shared PostgreSQL inside a test would take
    # every other test (and any `make run`) down with it.
    with mock.patch("ops.health.connection.cursor", side_effect=OperationalError("connection refused")):
        response = Client(HTTP_HOST="localhost").get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable", "cache": "ok"}
