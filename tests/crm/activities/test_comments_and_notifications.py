import pytest

from crm.activities import services
from crm.activities.models import ActivityComment, Notification
from crm.teams.models import Team, TeamMembership
from tests.crm.activities.factories import log, make_account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(tenant_a):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="East", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=team)
    return log(tenant_a, "sales", subject="Pitched", account=make_account(tenant_a, "sales"))


def test_a_managers_comment_notifies_the_activitys_owner(tenant_a, call):
    manager = api_client(tenant_a, user_of(tenant_a, "manager"))
    response = manager.post(f"/api/v1/activities/{call.pk}/comments/", {"body": "Good, push for Q3"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["author"] == user_of(tenant_a, "manager").pk

    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    comments = sales.get(f"/api/v1/activities/{call.pk}/comments/").json()["results"]
    assert [c["body"] for c in comments] == ["Good, push for Q3"]
    notes = sales.get("/api/v1/notifications/").json()["results"]
    assert len(notes) == 1 and "Pitched" in notes[0]["text"] and notes[0]["read_at"] is None
    assert notes[0]["link"] == f"/api/v1/activities/{call.pk}/"


def test_commenting_on_your_own_activity_notifies_nobody(tenant_a, call):
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert (
        sales.post(f"/api/v1/activities/{call.pk}/comments/", {"body": "Note to self"}, format="json").status_code
        == 201
    )
    with in_tenant(tenant_a):
        assert not Notification.objects.exists()


def test_an_empty_comment_is_refused_and_nothing_is_saved(tenant_a, call):
    manager = api_client(tenant_a, user_of(tenant_a, "manager"))
    response = manager.post(f"/api/v1/activities/{call.pk}/comments/", {"body": "  "}, format="json")
    assert response.status_code == 400 and "body" in response.json()
    with in_tenant(tenant_a):
        assert not ActivityComment.objects.exists() and not Notification.objects.exists()


def test_marking_a_notification_read(tenant_a, call):
    with in_tenant(tenant_a):
        services.comment_on_activity(activity=call, by=user_of(tenant_a, "manager"), body="Well done")
        note = Notification.objects.get()
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = sales.post(f"/api/v1/notifications/{note.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None


def test_nobody_reads_or_marks_another_users_notifications(tenant_a, call):
    with in_tenant(tenant_a):
        services.comment_on_activity(activity=call, by=user_of(tenant_a, "manager"), body="Well done")
        note = Notification.objects.get()
    other = api_client(tenant_a, user_of(tenant_a, "sales2"))
    assert other.get("/api/v1/notifications/").json()["count"] == 0
    assert other.post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    with in_tenant(tenant_a):
        assert Notification.objects.get(pk=note.pk).read_at is None
