import pytest

from crm.audit.models import AuditEvent
from crm.savedviews.models import SavedView
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/saved-views/"


def _save(client, **fields):
    return client.post(
        URL, {"list": "accounts", "name": "My hot ones", "query": "q=acme&sort=-created", **fields}, format="json"
    )


def test_a_user_saves_lists_renames_and_deletes_a_view(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = _save(client)
    assert created.status_code == 201
    view = created.json()
    assert (view["list"], view["name"], view["query"], view["shared"], view["may_change"]) == (
        "accounts",
        "My hot ones",
        "q=acme&sort=-created",
        False,
        True,
    )

    assert [v["name"] for v in client.get(URL, {"list": "accounts"}).json()["results"]] == ["My hot ones"]
    assert client.get(URL, {"list": "contacts"}).json()["results"] == []

    renamed = client.patch(f"{URL}{view['id']}/", {"name": "Acme, newest first"}, format="json")
    assert renamed.status_code == 200
    assert client.get(f"{URL}{view['id']}/").json()["name"] == "Acme, newest first"

    assert client.delete(f"{URL}{view['id']}/").status_code == 204
    assert client.get(f"{URL}{view['id']}/").status_code == 404
    with in_tenant(tenant_a):
        assert list(
            AuditEvent.objects.filter(target_type="savedviews.savedview", target_id=view["id"])
            .order_by("id")
            .values_list("action", flat=True)
        ) == ["saved_view.created", "saved_view.updated", "saved_view.deleted"]


def test_the_page_number_is_not_kept_in_a_saved_view(tenant_a):
    response = _save(api_client(tenant_a, user_of(tenant_a, "sales")), query="?q=acme&page=3&owner=")
    assert response.json()["query"] == "q=acme"


def test_a_view_without_a_name_is_refused_with_the_field_named(tenant_a):
    response = _save(api_client(tenant_a, user_of(tenant_a, "sales")), name="   ")
    assert response.status_code == 400
    assert set(response.json()) == {"name"}


def test_a_name_longer_than_80_characters_is_refused(tenant_a):
    response = _save(api_client(tenant_a, user_of(tenant_a, "sales")), name="x" * 81)
    assert response.status_code == 400
    assert set(response.json()) == {"name"}


def test_a_list_that_does_not_exist_is_refused(tenant_a):
    response = _save(api_client(tenant_a, user_of(tenant_a, "sales")), list="invoices")
    assert response.status_code == 400
    assert set(response.json()) == {"list"}


def test_filtering_by_a_list_that_does_not_exist_is_refused(tenant_a):
    response = api_client(tenant_a, user_of(tenant_a, "sales")).get(URL, {"list": "invoices"})
    assert response.status_code == 400
    assert set(response.json()) == {"list"}


def test_the_same_name_twice_on_one_list_is_refused_whatever_its_case(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert _save(client, name="Big ones").status_code == 201
    response = _save(client, name="BIG ONES")
    assert response.status_code == 400
    assert set(response.json()) == {"name"}
    with in_tenant(tenant_a):
        assert SavedView.objects.filter(user=user_of(tenant_a, "sales")).count() == 1


def test_the_same_name_on_another_list_or_by_another_user_is_fine(tenant_a):
    assert _save(api_client(tenant_a, user_of(tenant_a, "sales")), name="Mine").status_code == 201
    assert _save(api_client(tenant_a, user_of(tenant_a, "sales")), name="Mine", list="contacts").status_code == 201
    assert _save(api_client(tenant_a, user_of(tenant_a, "sales2")), name="Mine").status_code == 201


def test_another_users_private_view_is_invisible_to_me(tenant_a):
    view = _save(api_client(tenant_a, user_of(tenant_a, "sales"))).json()
    other = api_client(tenant_a, user_of(tenant_a, "sales2"))
    assert other.get(URL).json()["results"] == []
    assert other.get(f"{URL}{view['id']}/").status_code == 404
    assert other.delete(f"{URL}{view['id']}/").status_code == 404


def test_a_shared_view_is_listed_for_everyone_but_only_its_author_may_change_it(tenant_a):
    view = _save(api_client(tenant_a, user_of(tenant_a, "sales")), shared=True).json()
    other = api_client(tenant_a, user_of(tenant_a, "sales2"))
    listed = other.get(URL, {"list": "accounts"}).json()["results"]
    assert [(v["id"], v["may_change"]) for v in listed] == [(view["id"], False)]

    assert other.patch(f"{URL}{view['id']}/", {"name": "Hijacked"}, format="json").status_code == 403
    assert other.delete(f"{URL}{view['id']}/").status_code == 403
    with in_tenant(tenant_a):
        kept = SavedView.objects.get(pk=view["id"])
        assert (kept.name, kept.shared) == ("My hot ones", True)
        assert not AuditEvent.objects.filter(
            target_type="savedviews.savedview",
            target_id=view["id"],
            action__in=["saved_view.updated", "saved_view.deleted"],
        ).exists()


def test_an_admin_may_change_a_shared_view(tenant_a):
    view = _save(api_client(tenant_a, user_of(tenant_a, "sales")), shared=True).json()
    admin = api_client(tenant_a, user_of(tenant_a, "admin"))
    assert admin.patch(f"{URL}{view['id']}/", {"shared": False}, format="json").status_code == 200
    assert api_client(tenant_a, user_of(tenant_a, "sales2")).get(URL).json()["results"] == []


def test_saved_views_stay_in_their_tenant(tenant_a, tenant_b):
    view = _save(api_client(tenant_a, user_of(tenant_a, "sales")), shared=True).json()
    other_tenant = api_client(tenant_b, user_of(tenant_b, "sales"))
    assert other_tenant.get(URL).json()["results"] == []
    assert other_tenant.get(f"{URL}{view['id']}/").status_code == 404
