import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from config.wsgi import application
from crm.users import tokens
from crm.users.models import User
from tests.conftest import host, in_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: the WSGI handler would close the connection
    # (and with it the test transaction) at the end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _nodeid_for_schemathesis(request):
    request.node._nodeid = request.node.nodeid


def _config(max_examples):
    config = schemathesis.Config.from_dict({
        "seed": 1,
        "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
    })
    config.projects.get_default().checks.update(included_check_names=["all"])
    return config


@pytest.fixture
def tenant_api(tenant_a):
    with in_tenant(tenant_a):
        admin = User.objects.get(email=tenant_a.owner_email)
        token = tokens.issue_token(user=admin)
    headers = {"Host": host(tenant_a)}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=_config(25), headers=headers)
    schema.config.update(headers={**headers, "Authorization": f"Bearer {token}"})
    return schema


tenant_schema = schemathesis.pytest.from_fixture("tenant_api")


@tenant_schema.parametrize()
def test_tenant_api(case):
    case.call_and_validate()
