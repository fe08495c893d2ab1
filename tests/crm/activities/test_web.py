"""The tasks page, notifications in the header and on their page, and comments
on timeline activities, each within the user's scope."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from crm.activities import services
from crm.activities.models import ActivityComment, Notification, Task
from crm.teams.models import Team, TeamMembership
from tests.crm.activities.factories import log, make_account
from tests.crm.deals.factories import make_deal
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, local):
    """A signed-in browser session of the user `local` on the tenant's host."""
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def htmx(target):
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


def task(tenant, assignee, title, **fields):
    with in_tenant(tenant):
        return services.create_task(
            by=user_of(tenant, "admin"), title=title, assignee=user_of(tenant, assignee), **fields
        )


def day(offset):
    return timezone.localdate() + datetime.timedelta(days=offset)


def titles(response, group):
    return [t.title for g in response.context["groups"] if g["name"] == group for t in g["tasks"]]


@pytest.fixture
def managers_team(tenant_a):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="East", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=team)
    return team


# Tasks ------------------------------------------------------------------------------


def test_tasks_page_shows_only_my_tasks_grouped_by_when_they_are_due(tenant_a, managers_team):
    task(tenant_a, "sales", "Send contract", due_date=day(-2))
    task(tenant_a, "sales", "Call back", due_date=day(0))
    task(tenant_a, "sales", "Prepare demo", due_date=day(3))
    task(tenant_a, "sales", "Someday")
    task(tenant_a, "sales2", "Not mine", due_date=day(0))
    task(tenant_a, "sales", "Filed", done=True)
    response = browser(tenant_a, "sales").get("/tasks/")
    assert response.status_code == 200
    assert titles(response, "overdue") == ["Send contract"]
    assert titles(response, "today") == ["Call back"]
    assert titles(response, "upcoming") == ["Prepare demo", "Someday"]
    assert titles(response, "done") == ["Filed"]
    assert b"Not mine" not in response.content


def test_a_manager_sees_their_teams_tasks_nowhere_on_their_own_tasks_page(tenant_a, managers_team):
    task(tenant_a, "sales", "Team member's task", due_date=day(0))
    response = browser(tenant_a, "manager").get("/tasks/")
    assert b"Team member&#x27;s task" not in response.content and b"Team member's task" not in response.content


def test_a_manager_switches_to_their_teams_tasks_on_the_tasks_page(tenant_a, managers_team):
    task(tenant_a, "sales", "Member overdue", due_date=day(-1))
    task(tenant_a, "sales", "Member today", due_date=day(0))
    task(tenant_a, "sales", "Member filed", done=True)
    task(tenant_a, "manager", "Manager's own", due_date=day(0))
    task(tenant_a, "sales2", "Outside the team", due_date=day(0))
    manager = browser(tenant_a, "manager")

    mine = manager.get("/tasks/")
    assert 'data-testid="task-views"' in mine.content.decode() and 'href="/tasks/?view=team"' in mine.content.decode()
    assert titles(mine, "today") == ["Manager's own"]

    team = manager.get("/tasks/?view=team")
    assert team.status_code == 200
    assert titles(team, "overdue") == ["Member overdue"]
    assert titles(team, "today") == ["Member today"]
    assert titles(team, "done") == ["Member filed"]
    page = team.content.decode()
    assert "Outside the team" not in page and "Manager&#x27;s own" not in page
    # Named by their name; one without a name by their e-mail's local part.
    assert '<span data-testid="assignee">sales</span>' in page


def test_a_manager_marks_a_team_members_task_done_and_stays_on_the_team_view(tenant_a, managers_team):
    made = task(tenant_a, "sales", "Member's call", due_date=day(0))

    response = browser(tenant_a, "manager").post(
        f"/tasks/{made.pk}/done/", {"done": "1", "view": "team"}, **htmx("#task-lists")
    )

    assert response.status_code == 200
    assert titles(response, "done") == ["Member's call"] and titles(response, "today") == []
    with in_tenant(tenant_a):
        assert Task.objects.get(pk=made.pk).done


def test_a_salesperson_has_no_team_view_of_tasks(tenant_a, managers_team):
    task(tenant_a, "sales2", "Colleague's task", due_date=day(0))
    sales = browser(tenant_a, "sales")

    page = sales.get("/tasks/").content.decode()
    assert 'data-testid="task-views"' not in page and "view=team" not in page
    assert "Colleague&#x27;s task" not in page

    refused = sales.get("/tasks/?view=team")
    assert refused.status_code == 404
    assert b"Colleague" not in refused.content


def test_marking_a_task_done_moves_it_to_done(tenant_a):
    todo = task(tenant_a, "sales", "Call back", due_date=day(0))
    response = browser(tenant_a, "sales").post(f"/tasks/{todo.pk}/done/", {"done": "1"}, **htmx("task-lists"))
    assert response.status_code == 200
    assert titles(response, "today") == [] and titles(response, "done") == ["Call back"]
    with in_tenant(tenant_a):
        done = Task.objects.get(pk=todo.pk)
        assert done.done and done.done_at is not None


def test_sales_user_cannot_mark_another_users_task_done(tenant_a):
    theirs = task(tenant_a, "sales2", "Theirs")
    response = browser(tenant_a, "sales").post(f"/tasks/{theirs.pk}/done/")
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not Task.objects.get(pk=theirs.pk).done


def test_creating_a_task_with_due_date_reminder_assignee_and_account(tenant_a, managers_team):
    account = make_account(tenant_a, "sales", name="Contoso")
    response = browser(tenant_a, "manager").post(
        "/tasks/new/",
        {
            "title": "Visit Contoso",
            "due_date": day(2).isoformat(),
            "remind_at": f"{day(1).isoformat()}T09:30",
            "assignee": user_of(tenant_a, "sales").pk,
            "account": account.pk,
        },
    )
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    with in_tenant(tenant_a):
        made = Task.objects.get(title="Visit Contoso")
        assert (made.assignee.email, made.due_date, made.account_id) == ("sales@alpha.test", day(2), account.pk)
        assert timezone.localtime(made.remind_at).strftime("%Y-%m-%d %H:%M") == f"{day(1).isoformat()} 09:30"
    assert titles(browser(tenant_a, "sales").get("/tasks/"), "upcoming") == ["Visit Contoso"]


def test_a_sales_user_cannot_assign_a_task_to_someone_else_and_nothing_is_saved(tenant_a):
    response = browser(tenant_a, "sales").post(
        "/tasks/new/", {"title": "Your job now", "assignee": user_of(tenant_a, "sales2").pk}
    )
    assert response.status_code == 400 and "assignee" in response.context["form"].errors
    with in_tenant(tenant_a):
        assert not Task.objects.filter(title="Your job now").exists()


def test_editing_a_task_changes_its_due_date(tenant_a):
    todo = task(tenant_a, "sales", "Call back", due_date=day(0))
    sales = browser(tenant_a, "sales")
    assert sales.get(f"/tasks/{todo.pk}/edit/").status_code == 200
    response = sales.post(f"/tasks/{todo.pk}/edit/", {"title": "Call back", "due_date": day(5).isoformat()})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Task.objects.get(pk=todo.pk).due_date == day(5)


# Notifications --------------------------------------------------------------------


@pytest.fixture
def call(tenant_a, managers_team):
    return log(tenant_a, "sales", subject="Pitched", account=make_account(tenant_a, "sales"))


def notify(tenant, local, text, link=""):
    with in_tenant(tenant):
        return services.notify(user=user_of(tenant, local), text=text, link=link)


def test_header_count_shows_my_unread_notifications_only(tenant_a):
    notify(tenant_a, "sales", "One")
    notify(tenant_a, "sales", "Two")
    notify(tenant_a, "sales2", "Someone else's")
    response = browser(tenant_a, "sales").get("/notifications/count/", **htmx("notifications"))
    assert response.status_code == 200
    assert '<span class="badge" data-testid="notification-count">2</span>' in response.content.decode()


def test_every_page_asks_for_the_count_on_load_and_every_30_seconds(tenant_a):
    page = browser(tenant_a, "sales").get("/").content.decode()
    assert 'hx-get="/notifications/count/"' in page and 'hx-trigger="load, every 30s' in page


def test_marking_one_notification_read_lowers_the_count(tenant_a):
    first = notify(tenant_a, "sales", "One")
    notify(tenant_a, "sales", "Two")
    sales = browser(tenant_a, "sales")
    response = sales.post(f"/notifications/{first.pk}/read/", **htmx("notification-list"))
    assert response.status_code == 200 and "notifications-changed" in response["HX-Trigger"]
    assert sales.get("/notifications/count/").context["unread"] == 1
    with in_tenant(tenant_a):
        assert Notification.objects.get(pk=first.pk).read_at is not None


def test_marking_all_read_clears_the_count(tenant_a):
    notify(tenant_a, "sales", "One")
    notify(tenant_a, "sales", "Two")
    other = notify(tenant_a, "sales2", "Not touched")
    sales = browser(tenant_a, "sales")
    assert sales.post("/notifications/read/").status_code == 302
    assert sales.get("/notifications/count/").context["unread"] == 0
    assert b'data-testid="notification-count"' not in sales.get("/notifications/count/").content
    with in_tenant(tenant_a):
        assert Notification.objects.get(pk=other.pk).read_at is None


def test_nobody_marks_or_opens_another_users_notification(tenant_a):
    theirs = notify(tenant_a, "sales2", "Private")
    sales = browser(tenant_a, "sales")
    assert sales.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert sales.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert b"Private" not in sales.get("/notifications/").content
    with in_tenant(tenant_a):
        assert Notification.objects.get(pk=theirs.pk).read_at is None


# Comments ---------------------------------------------------------------------------


def test_a_managers_comment_from_the_timeline_notifies_the_owner(tenant_a, call):
    manager = browser(tenant_a, "manager")
    response = manager.post(f"/activities/{call.pk}/comments/", {"body": "Push for Q3"}, **htmx(f"activity-{call.pk}"))
    assert response.status_code == 200
    assert "Push for Q3" in response.content.decode()
    sales = browser(tenant_a, "sales")
    assert sales.get("/notifications/count/").context["unread"] == 1
    listing = sales.get("/notifications/").content.decode()
    assert "Pitched" in listing
    with in_tenant(tenant_a):
        note = Notification.objects.get(user=user_of(tenant_a, "sales"))
    opened = sales.post(f"/notifications/{note.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == f"/accounts/{call.account_id}/#activity-{call.pk}"
    assert "Push for Q3" in sales.get(opened["Location"]).content.decode()
    assert sales.get("/notifications/count/").context["unread"] == 0


def test_a_sales_user_cannot_comment_on_an_activity_out_of_scope(tenant_a, call):
    response = browser(tenant_a, "sales2").post(f"/activities/{call.pk}/comments/", {"body": "Sneaky"})
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not ActivityComment.objects.filter(activity=call).exists()
        assert not Notification.objects.exists()


def test_an_empty_comment_is_refused_inline_and_nothing_is_saved(tenant_a, call):
    response = browser(tenant_a, "manager").post(
        f"/activities/{call.pk}/comments/", {"body": "  "}, **htmx(f"activity-{call.pk}")
    )
    assert response.status_code == 200 and f'id="comment-{call.pk}-error"' in response.content.decode()
    with in_tenant(tenant_a):
        assert not ActivityComment.objects.exists() and not Notification.objects.exists()


def test_logging_an_activity_on_a_deal_shows_it_on_the_deals_timeline_with_comments(tenant_a, managers_team):
    deal = make_deal(tenant_a, "sales", name="Fleet")
    sales = browser(tenant_a, "sales")
    response = sales.post(
        f"/deals/{deal.pk}/activities/", {"kind": "meeting", "subject": "Kick-off"}, **htmx("timeline")
    )
    assert response.status_code == 200 and "Kick-off" in response.content.decode()
    with in_tenant(tenant_a):
        activity = deal.activities.get()
        services.comment_on_activity(activity=activity, by=user_of(tenant_a, "manager"), body="Nice")
    page = sales.get(f"/deals/{deal.pk}/").content.decode()
    assert "Kick-off" in page and "Nice" in page


def test_opening_a_reminder_goes_to_the_tasks_page_in_the_ui_not_the_api(tenant_a):
    todo = task(tenant_a, "sales", "Call back")
    note = notify(tenant_a, "sales", "Reminder: Call back", link=f"/api/v1/tasks/{todo.pk}/")
    response = browser(tenant_a, "sales").post(f"/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response["Location"] == f"/tasks/{todo.pk}/edit/"
