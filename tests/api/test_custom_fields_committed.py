"""The module builder with committed data: concurrent writers, and two processes
serving two tenants while one of them changes its fields."""

import json
import os
import subprocess
import sys
import textwrap
import threading

import pytest
from django.db import IntegrityError, connection

from crm.builder import services
from crm.contacts.models import Contact
from crm.users import tokens
from tests.tenancy import api_client, host, in_tenant, sign_up, user_of


@pytest.mark.django_db
def test_a_tenants_field_filter_means_nothing_to_another_tenant(tenant_a, tenant_b):
    # Also makes pytest-django set up the test database when this module runs
    # alone: it does so only for sessions with a test marked django_db.
    with in_tenant(tenant_a):
        services.create_field(
            by=user_of(tenant_a, "admin"), object_name="contacts", name="wechat_id", label="WeChat", type="text"
        )
    client = api_client(tenant_b, user_of(tenant_b, "admin"))
    assert client.get("/api/v1/contacts/?wechat_id=x").status_code == 200


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def fresh_tenants(committed_db):
    """Two tenants of this test's own (committed DDL must not reach the shared ones)."""
    made = [sign_up(email="owner@one.test"), sign_up(email="owner@two.test")]
    committed_db.extend(made)
    return made


def test_two_writers_of_one_unique_value_one_wins_and_the_other_gets_a_400(fresh_tenants):
    tenant = fresh_tenants[0]
    owner = user_of(tenant, "owner")
    with in_tenant(tenant):
        services.create_field(by=owner, object_name="contacts", name="badge", label="Badge", type="text", unique=True)
    clients = [api_client(tenant, owner), api_client(tenant, owner)]
    barrier, statuses = threading.Barrier(2), []

    def write(client, name):
        try:
            barrier.wait()
            statuses.append(
                client.post("/api/v1/contacts/?force=true", {"first_name": name, "badge": "B-7"}, format="json")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(client, name)) for client, name in zip(clients, "XY", strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r.status_code for r in statuses) == [201, 400]
    refused = next(r for r in statuses if r.status_code == 400)
    assert refused.json() == {"badge": ["Another record already has this value."]}
    with in_tenant(tenant):
        # The refused contact was not saved without its value either.
        assert Contact.objects.count() == 1
        with connection.cursor() as cursor, pytest.raises(IntegrityError):
            cursor.execute(
                "INSERT INTO contacts_contact (first_name, last_name, title, role, email, phone, "
                "owner_id, name_key, phone_key, email_key, created_at, updated_at, cf_badge) "
                "VALUES ('Z', '', '', '', '', '', %s, '', '', '', now(), now(), 'B-7')",
                [owner.pk],
            )


_SERVER = textwrap.dedent("""
    import json, sys
    import django
    django.setup()
    from django.test import Client
    for line in sys.stdin:
        host, token, path = line.split()
        response = Client(HTTP_HOST=host, HTTP_AUTHORIZATION="Bearer " + token).get(path)
        print(json.dumps({"status": response.status_code, "body": response.json()}), flush=True)
""")


class OtherProcess:
    """A second Django process on the test database, serving requests one per line, like another web worker."""

    def __init__(self):
        settings = connection.settings_dict
        url = "postgres://{user}{password}@{host}:{port}/{name}".format(
            user=settings["USER"],
            password=f":{settings['PASSWORD']}" if settings["PASSWORD"] else "",
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            name=settings["NAME"],
        )
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER], cwd=ROOT, env=env, text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )

    def get(self, tenant, token, path):
        self.process.stdin.write(f"{host(tenant)} {token} {path}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(30)


def test_a_field_added_in_one_tenant_never_shows_in_another_tenant_served_by_another_process(fresh_tenants):
    one, two = fresh_tenants
    owner_one, owner_two = user_of(one, "owner"), user_of(two, "owner")
    with in_tenant(one):
        token_one = tokens.issue_token(user=owner_one)
        Contact.objects.create(first_name="Ann", owner=owner_one)
    with in_tenant(two):
        token_two = tokens.issue_token(user=owner_two)
        Contact.objects.create(first_name="Bob", owner=owner_two)
    other = OtherProcess()
    try:
        # The other process has served both tenants (and loaded whatever it loads) before the change.
        assert "wechat_id" not in other.get(one, token_one, "/api/v1/contacts/")["body"]["results"][0]
        assert other.get(two, token_two, "/api/v1/contacts/")["status"] == 200
        added = api_client(one, owner_one).post(
            "/api/v1/customization/fields/",
            {"object": "contacts", "name": "wechat_id", "label": "WeChat", "type": "text"},
            format="json",
        )
        assert added.status_code == 201
        theirs = other.get(two, token_two, "/api/v1/contacts/")["body"]["results"][0]
        assert "wechat_id" not in theirs
        assert (
            "wechat_id"
            not in other.get(two, token_two, "/api/schema/?format=json")["body"]["components"]["schemas"]["Contact"][
                "properties"
            ]
        )
        filtered = other.get(two, token_two, "/api/v1/contacts/?wechat_id=x")
        assert filtered["status"] == 200 and filtered["body"]["count"] == 1  # unknown filters are ignored
        mine = other.get(one, token_one, "/api/v1/contacts/")["body"]["results"][0]
        assert "wechat_id" in mine and mine["wechat_id"] is None
        assert (
            "wechat_id"
            in other.get(one, token_one, "/api/schema/?format=json")["body"]["components"]["schemas"]["Contact"][
                "properties"
            ]
        )
        # And back again: the second tenant still does not see it.
        assert "wechat_id" not in other.get(two, token_two, "/api/v1/contacts/")["body"]["results"][0]
    finally:
        other.close()
