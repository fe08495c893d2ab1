"""The API against its own OpenAPI document (schemathesis, every check).

Each host's document is loaded from its `/api/schema/` and every operation in it
is run in-process through the WSGI application, the way `schemathesis run
--checks all` would run it: the examples, coverage and fuzzing phases per
operation, and, on the tenant host, stateful workflows built from the links
schemathesis infers (create → read → update → delete → read again). Operations
added later are picked up from the document with no change here.

A failure means the API and its document disagree: fix whichever is wrong
(usually the API), not this test. The only tuning is BUSINESS_RULES below.

Everything runs on the test's database connection, inside its transaction, and
each generated request in a savepoint that is rolled back: the sign-ups it makes
on the public host never leave the test.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import settings

from config.wsgi import application
from crm.accounts.models import Account
from crm.contacts.models import Contact
from crm.users import tokens
from crm.users.models import User
from tenants import provisioning
from tests.conftest import host, in_tenant

pytestmark = pytest.mark.django_db

# Examples per operation in the fuzzing phase (the coverage phase adds its own
# cases, one per boundary and per kind of invalid value), and stateful scenarios.
TENANT_MAX_EXAMPLES = 40
SIGNUP_MAX_EXAMPLES = 15
WORKFLOW_SCENARIOS = 30
WORKFLOW_STEPS = 8

# Rules a JSON schema cannot state, by operation: a request that matches the
# document may still answer 400 naming these fields (CONTRACT.md: errors are 4xx
# with field messages). `positive_data_acceptance` accepts a 400 for these
# operations only, and `only_business_rules_reject_valid_data` then insists that
# the 400 names nothing but these fields. A new operation with such a rule (say
# another reference to a record) belongs here, with the reason.
BUSINESS_RULES = {
    # An `owner` / `account` id that is a valid integer but no (visible) record.
    "GET /api/v1/accounts/": {"owner"},
    "POST /api/v1/accounts/": {"owner"},
    "PATCH /api/v1/accounts/{id}/": {"owner"},
    "GET /api/v1/contacts/": {"owner", "account"},
    "POST /api/v1/contacts/": {"owner", "account"},
    "PATCH /api/v1/contacts/{id}/": {"owner", "account"},
    # Wrong e-mail or password: 400 by CONTRACT.md ("wrong credentials → 400 or 401").
    "POST /api/v1/auth/token/": {"non_field_errors"},
    # A subdomain that is taken, reserved or not a DNS label; a weak password.
    "POST /api/v1/signup/": {"subdomain", "password"},
}
_POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default


def only_business_rules_reject_valid_data(ctx, response, case):
    """A 400 to a request that matches the document names only fields of BUSINESS_RULES."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return None
    named = set(response.json())
    unexplained = named - BUSINESS_RULES.get(case.operation.label, set())
    assert not unexplained, (
        f"A request that matches the document was rejected for {sorted(unexplained)}: "
        f"{response.text}. Make the document say what the API requires."
    )
    return None


CHECKS = [only_business_rules_reject_valid_data]


def _config(max_examples):
    config = schemathesis.Config.from_dict({
        "seed": 20240601,
        "generation": {"max-examples": max_examples, "deterministic": True, "database": "none"},
        "operations": [
            {"include-name": label,
             "checks": {"positive_data_acceptance": {"expected-statuses": [*_POSITIVE_STATUSES, "400"]}}}
            for label in BUSINESS_RULES
        ],
    })
    # Equivalent of the CLI's `--checks all`.
    config.projects.get_default().checks.update(included_check_names=["all"])
    return config


def _load(host_name, *, max_examples):
    headers = {"Host": host_name}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=_config(max_examples),
                                            headers=headers)
    schema.config.update(headers=headers)
    return schema


@pytest.fixture(autouse=True)
def _requests_share_the_test_connection():
    # What Django's test client does too: otherwise the handler closes the
    # connection, and with it the test transaction, after each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _nodeid_for_schemathesis(request):
    # schemathesis 4.32's `from_fixture` reads and renames `item._nodeid`, which
    # pytest 9.2 no longer has (it keeps `_id`); give it one to work with.
    request.node._nodeid = request.node.nodeid


@pytest.fixture
def tenant_api(tenant_a):
    with in_tenant(tenant_a):
        admin = User.objects.get(email=tenant_a.owner_email)
        # Records of the admin and of someone else, for lists, filters and ids to hit.
        for owner in (admin, User.objects.get(email="sales@alpha.test")):
            account = Account.objects.create(name=f"{owner.email} Ltd", owner=owner)
            Contact.objects.create(first_name="Ann", last_name="Lee", email="ann@example.test",
                                   phone="+44 20 7946 0000", account=account, owner=owner)
    schema = _load(host(tenant_a), max_examples=TENANT_MAX_EXAMPLES)

    @schema.auth(refresh_interval=None)
    class FreshAdminToken:
        # A token of tenant_a's admin per request: DELETE /api/v1/auth/token/
        # revokes the one it is sent with, and must not log the rest out.
        def get(self, case, context):
            with in_tenant(tenant_a):
                return tokens.issue_token(user=admin)

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


@pytest.fixture
def public_api(spare_pool):
    # A spare schema for the sign-ups to take (inside the test transaction, so
    # the pool is as it was afterwards), rather than preparing one each time.
    provisioning.fill_pool(size=1)
    return _load("localhost", max_examples=SIGNUP_MAX_EXAMPLES)


def _call_and_validate_in_savepoint(case):
    with transaction.atomic():
        try:
            case.call_and_validate(additional_checks=CHECKS)
        finally:
            transaction.set_rollback(True)


tenant_schema = schemathesis.pytest.from_fixture("tenant_api")
public_schema = schemathesis.pytest.from_fixture("public_api")


@tenant_schema.parametrize()
def test_tenant_api_matches_its_document(case):
    _call_and_validate_in_savepoint(case)


@public_schema.parametrize()
def test_public_api_matches_its_document(case):
    _call_and_validate_in_savepoint(case)


def test_a_valid_signup_matches_the_document(public_api):
    # Generated sign-ups rarely pass the password rules; this one must, so the
    # 201 and its body are always checked too.
    case = public_api["/api/v1/signup/"]["POST"].Case(body={
        "company": "Acme Ltd", "subdomain": "conformance-acme", "email": "boss@acme.test",
        "password": "a-strong-passphrase", "seats": 3, "interval": "month",
    })
    with transaction.atomic():
        try:
            response = case.call_and_validate(additional_checks=CHECKS)
        finally:
            transaction.set_rollback(True)
    assert response.status_code == 201, response.text


def test_tenant_api_workflows_match_its_document(tenant_api):
    class Workflows(tenant_api.as_state_machine()):
        # One savepoint per scenario: each starts from the same data.
        def setup(self):
            self._savepoint = transaction.atomic()
            self._savepoint.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            super().validate_response(response, case, additional_checks=CHECKS, **kwargs)

    Workflows.run(settings=settings(max_examples=WORKFLOW_SCENARIOS, stateful_step_count=WORKFLOW_STEPS,
                                    derandomize=True, deadline=None, database=None))
