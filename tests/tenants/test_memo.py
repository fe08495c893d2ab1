"""tenants/memo.py: a GET request reads its caller's scope and the tenant's
custom fields once; nothing remembered outlives the request, crosses to
another schema, or hides a write from the request that made it."""

import pytest
from django.db import connection
from django.test import RequestFactory

from crm.access import scope
from crm.builder import selectors as builder
from crm.builder import services as builder_services
from crm.teams.models import Team, TeamMembership
from tenants import memo
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def request(method):
    return getattr(RequestFactory(), method.lower())("/")


def test_within_a_get_request_a_read_is_done_once(tenant_a, django_assert_num_queries):
    manager = user_of(tenant_a, "manager")
    with in_tenant(tenant_a), memo.for_request(request("GET")):
        first = scope.owner_ids_in_scope(manager)
        with django_assert_num_queries(0):
            assert scope.owner_ids_in_scope(manager) == first


def test_outside_a_request_and_in_a_write_request_every_read_is_fresh(tenant_a):
    manager, sales = user_of(tenant_a, "manager"), user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        team = Team.objects.create(name="Memo team", manager=manager)
        assert sales.pk not in scope.owner_ids_in_scope(manager)
        with memo.for_request(request("POST")):
            assert sales.pk not in scope.owner_ids_in_scope(manager)
            TeamMembership.objects.create(team=team, user=sales)
            assert sales.pk in scope.owner_ids_in_scope(manager)
        TeamMembership.objects.filter(team=team).delete()
        assert sales.pk not in scope.owner_ids_in_scope(manager)


def test_nothing_is_remembered_after_the_request(tenant_a):
    admin = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        with memo.for_request(request("GET")):
            assert [f.name for f in builder.fields_for("leads")] == []
        builder_services.create_field(by=admin, object_name="leads", name="budget", label="Budget", type="integer")
        with memo.for_request(request("GET")):
            assert [f.name for f in builder.fields_for("leads")] == ["budget"]


def test_a_request_that_walks_tenants_gets_each_tenants_own_value(tenant_a, tenant_b):
    admin_a = user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        builder_services.create_field(
            by=admin_a, object_name="deals", name="region_code", label="Region code", type="text"
        )
    with memo.for_request(request("GET")):
        with in_tenant(tenant_a):
            assert [f.name for f in builder.fields_for("deals")] == ["region_code"]
        with in_tenant(tenant_b):
            assert connection.schema_name == tenant_b.schema_name
            assert builder.fields_for("deals") == []
