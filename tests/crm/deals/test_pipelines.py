import pytest

from crm.deals.models import Pipeline, Stage
from tests.crm.deals.factories import default_pipeline, make_deal, stage_named
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


def test_a_new_tenant_starts_with_the_default_pipeline(tenant_b):
    client = api_client(tenant_b, user_of(tenant_b, "sales"))
    [pipeline] = client.get("/api/v1/pipelines/").json()["results"]
    assert pipeline["is_default"] is True
    assert [(s["name"], s["probability"], s["kind"]) for s in pipeline["stages"]] == [
        ("Qualification", 10, "open"),
        ("Needs analysis", 30, "open"),
        ("Proposal", 60, "open"),
        ("Negotiation", 80, "open"),
        ("Won", 100, "won"),
        ("Lost", 0, "lost"),
    ]


def test_only_the_admin_changes_stages(tenant_a):
    pipeline = default_pipeline(tenant_a)
    stage = stage_named(tenant_a, "Proposal")
    for role in ("director", "manager", "sales"):
        client = api_client(tenant_a, user_of(tenant_a, role))
        assert client.patch(f"/api/v1/stages/{stage.pk}/", {"probability": 99}, format="json").status_code == 403
        assert (
            client.post(
                "/api/v1/stages/", {"pipeline": pipeline.pk, "name": "Demo", "probability": 40}, format="json"
            ).status_code
            == 403
        )
        assert client.post("/api/v1/pipelines/", {"name": "Mine"}, format="json").status_code == 403
    with in_tenant(tenant_a):
        assert Stage.objects.get(pk=stage.pk).probability == 60
        assert not Stage.objects.filter(name="Demo").exists()
        assert not Pipeline.objects.filter(name="Mine").exists()


def test_admin_adds_renames_reorders_and_reweights_stages(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    pipeline = default_pipeline(tenant_a)
    added = client.post(
        "/api/v1/stages/", {"pipeline": pipeline.pk, "name": "Demo", "probability": 40, "position": 2}, format="json"
    )
    assert added.status_code == 201, added.json()
    proposal = stage_named(tenant_a, "Proposal")
    assert (
        client.patch(
            f"/api/v1/stages/{proposal.pk}/", {"name": "Quote", "probability": 65, "position": 0}, format="json"
        ).status_code
        == 200
    )
    stages = client.get(f"/api/v1/pipelines/{pipeline.pk}/").json()["stages"]
    assert [(s["name"], s["position"]) for s in stages][:4] == [
        ("Quote", 0),
        ("Qualification", 1),
        ("Needs analysis", 2),
        ("Demo", 3),
    ]
    assert stages[0]["probability"] == 65


def test_a_stage_with_deals_cannot_be_deleted(tenant_a):
    deal = make_deal(tenant_a, "sales")
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = client.delete(f"/api/v1/stages/{deal.stage_id}/")
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert Stage.objects.filter(pk=deal.stage_id).exists()


def test_an_empty_stage_can_be_deleted(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    stage = stage_named(tenant_a, "Needs analysis")
    assert client.delete(f"/api/v1/stages/{stage.pk}/").status_code == 204
    positions = [s["position"] for s in client.get(f"/api/v1/pipelines/{stage.pipeline_id}/").json()["stages"]]
    assert positions == list(range(5))


def test_admin_creates_a_pipeline_with_its_own_stages(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "admin"))
    response = client.post(
        "/api/v1/pipelines/",
        {
            "name": "Partners",
            "stages": [{"name": "Intro", "probability": 20}, {"name": "Signed", "probability": 100, "kind": "won"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert [s["name"] for s in response.json()["stages"]] == ["Intro", "Signed"]
    assert response.json()["is_default"] is False


def test_the_default_pipeline_cannot_be_deleted(tenant_a):
    pipeline = default_pipeline(tenant_a)
    response = api_client(tenant_a, user_of(tenant_a, "admin")).delete(f"/api/v1/pipelines/{pipeline.pk}/")
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert Pipeline.objects.filter(pk=pipeline.pk).exists()


def test_probability_outside_0_to_100_is_refused(tenant_a):
    stage = stage_named(tenant_a, "Proposal")
    response = api_client(tenant_a, user_of(tenant_a, "admin")).patch(
        f"/api/v1/stages/{stage.pk}/", {"probability": 101}, format="json"
    )
    assert response.status_code == 400 and "probability" in response.json()
