"""The tenant admin's settings pages (crm/web/settings/): only the admin sees them,
and every change goes through the services, with the errors on the page."""

import re

import pytest
from django.core import mail
from django.test import Client

from crm.access.models import ModulePermission, SensitiveField
from crm.accounts.models import Account, PoolSettings
from crm.accounts.selectors import pool_settings
from crm.accounts.services import create_account
from crm.audit.models import AuditEvent
from crm.audit.selectors import history_for
from crm.contacts.models import Contact
from crm.contacts.services import create_contact
from crm.deals.models import Deal, Pipeline, Stage
from crm.deals.services import create_deal
from crm.teams.models import Team
from crm.teams.services import create_team
from crm.users.models import User
from tenants.models import Tenant
from tests.tenancy import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

NON_ADMINS = ("director", "manager", "sales")


def browser(tenant, local, htmx=False):
    client = Client(HTTP_HOST=host(tenant), **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def set_seats(tenant, seats):
    Tenant.objects.filter(pk=tenant.pk).update(seats=seats)  # rolled back with the test


def default_stages(tenant):
    with in_tenant(tenant):
        return list(Pipeline.objects.get(is_default=True).stages.order_by("position"))


def text(response):
    return response.content.decode()


def is_checked(content, testid):
    tag = content.split(f'data-testid="{testid}"')[0].rsplit("<input", 1)[1]
    return " checked" in tag


@pytest.fixture
def admin(tenant_a):
    return browser(tenant_a, "admin")


def settings_urls(tenant):
    """Every settings page, with real ids in it."""
    with in_tenant(tenant):
        user = User.objects.get(email="sales2@alpha.test")
        team = Team.objects.create(name="Page Team")
        pipeline = Pipeline.objects.get(is_default=True)
        stage = pipeline.stages.first()
    return [
        "/settings/",
        "/settings/users/",
        "/settings/users/invite/",
        f"/settings/users/{user.pk}/",
        f"/settings/users/{user.pk}/reassign/",
        "/settings/teams/",
        "/settings/teams/new/",
        f"/settings/teams/{team.pk}/edit/",
        "/settings/access/",
        "/settings/pool/",
        "/settings/documents/",
        "/settings/pipelines/",
        "/settings/pipelines/new/",
        f"/settings/pipelines/{pipeline.pk}/",
        f"/settings/pipelines/{pipeline.pk}/edit/",
        f"/settings/stages/{stage.pk}/edit/",
    ]


# Admin only ------------------------------------------------------------------------


def test_the_admin_opens_every_settings_page(tenant_a, admin):
    for url in settings_urls(tenant_a):
        assert admin.get(url).status_code == 200, url


@pytest.mark.parametrize("role", NON_ADMINS)
def test_every_settings_page_is_a_404_for_a_non_admin(tenant_a, role):
    client = browser(tenant_a, role)
    for url in settings_urls(tenant_a):
        assert client.get(url).status_code == 404, url


def test_signed_out_visitors_are_sent_to_sign_in(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a)).get("/settings/users/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def snapshot(tenant):
    with in_tenant(tenant):
        return {
            "users": list(User.objects.order_by("pk").values_list("pk", "role", "is_active", "name")),
            "teams": list(Team.objects.order_by("pk").values_list("pk", "name", "parent_id", "manager_id")),
            "owners": list(Account.objects.order_by("pk").values_list("pk", "owner_id")),
            "modules": list(ModulePermission.objects.order_by("pk").values_list("role", "module", "hidden")),
            "masked": list(SensitiveField.objects.order_by("pk").values_list("module", "field", "hidden_from")),
            "pool": list(
                PoolSettings.objects.values_list(
                    "claim_cap", "release_after_days_without_follow_up", "release_after_days_without_deal"
                )
            ),
            "pipelines": list(Pipeline.objects.order_by("pk").values_list("pk", "name", "is_default")),
            "stages": list(Stage.objects.order_by("pk").values_list("pk", "name", "probability", "kind", "position")),
            "audit": AuditEvent.objects.count(),
        }


@pytest.mark.parametrize("role", NON_ADMINS)
def test_a_non_admins_posts_to_the_settings_pages_change_nothing(tenant_a, role):
    set_seats(tenant_a, 20)
    admin_user, sales2 = user_of(tenant_a, "admin"), user_of(tenant_a, "sales2")
    with in_tenant(tenant_a):
        create_account(by=admin_user, name="Kept", owner=sales2)
        team = Team.objects.create(name="Kept Team")
        pipeline = Pipeline.objects.get(is_default=True)
        other = Pipeline.objects.create(name="Other")
        stage = pipeline.stages.order_by("position").last()
    before = snapshot(tenant_a)
    client = browser(tenant_a, role)
    posts = [
        ("/settings/users/invite/", {"email": "sneaky@alpha.test", "name": "Sneaky", "role": "admin"}),
        (f"/settings/users/{sales2.pk}/", {"name": "Renamed", "role": "admin"}),
        (f"/settings/users/{sales2.pk}/active/", {"is_active": "0"}),
        (f"/settings/users/{sales2.pk}/reassign/", {"to": user_of(tenant_a, role).pk}),
        ("/settings/teams/new/", {"name": "Mine"}),
        (f"/settings/teams/{team.pk}/edit/", {"name": "Taken over"}),
        (f"/settings/teams/{team.pk}/delete/", {}),
        ("/settings/access/modules/", {"hidden": ["sales:accounts"]}),
        ("/settings/access/fields/", {"field": "contacts.phone", "hidden_from": ["sales"]}),
        ("/settings/pool/", {"claim_cap": "1"}),
        ("/settings/documents/", {"company_name": "Taken over", "quote_format": "X{seq}", "order_format": "Y{seq}"}),
        ("/settings/pipelines/new/", {"name": "Mine"}),
        (f"/settings/pipelines/{other.pk}/edit/", {"name": "Renamed"}),
        (f"/settings/pipelines/{other.pk}/default/", {}),
        (f"/settings/pipelines/{other.pk}/delete/", {}),
        (f"/settings/pipelines/{pipeline.pk}/stages/new/", {"name": "Extra", "probability": "5", "kind": "open"}),
        (f"/settings/stages/{stage.pk}/edit/", {"name": "X", "probability": "1", "kind": "open"}),
        (f"/settings/stages/{stage.pk}/move/", {"direction": "up"}),
        (f"/settings/stages/{stage.pk}/delete/", {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert snapshot(tenant_a) == before
    assert mail.outbox == []


def test_only_the_admin_has_a_settings_entry_in_the_sidebar(tenant_a, admin):
    assert 'href="/settings/"' in text(admin.get("/"))
    for role in NON_ADMINS:
        assert 'href="/settings/"' not in text(browser(tenant_a, role).get("/"))


def test_the_landing_page_links_to_every_settings_page(admin):
    content = text(admin.get("/settings/"))
    for url in (
        "/settings/users/",
        "/settings/teams/",
        "/settings/access/",
        "/settings/pool/",
        "/settings/documents/",
        "/settings/pipelines/",
    ):
        assert f'href="{url}"' in content


# Users -----------------------------------------------------------------------------


def test_the_user_list_shows_role_team_active_and_last_sign_in(tenant_a, admin):
    with in_tenant(tenant_a):
        create_team(by=None, name="East", members=[User.objects.get(email="sales@alpha.test")])
        User.objects.filter(email="sales2@alpha.test").update(is_active=False)
    content = text(admin.get("/settings/users/"))
    sales_row = content.split("sales@alpha.test")[1].split("</tr>")[0]
    assert "Sales" in sales_row and "East" in sales_row and "Active" in sales_row and "Never" in sales_row
    assert "Deactivated" in content.split("sales2@alpha.test")[1].split("</tr>")[0]
    assert "4 of 5 paid seats in use" in content


def test_the_admin_invites_a_user_into_a_team(tenant_a, admin, django_capture_on_commit_callbacks):
    set_seats(tenant_a, 10)
    with in_tenant(tenant_a):
        team = Team.objects.create(name="West")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/settings/users/invite/",
            {"email": "New.Person@alpha.test", "name": "New Person", "role": "manager", "team": team.pk},
        )
    assert response.status_code == 302 and response["Location"] == "/settings/users/"
    with in_tenant(tenant_a):
        user = User.objects.get(email="new.person@alpha.test")
        assert (user.name, user.role, user.membership.team_id) == ("New Person", "manager", team.pk)
        assert AuditEvent.objects.filter(action="user.created", target_id=user.pk).exists()
    assert [message.to for message in mail.outbox] == [["new.person@alpha.test"]]
    assert f"http://{host(tenant_a)}/invite/" in mail.outbox[0].body
    assert "new.person@alpha.test is invited" in text(admin.get("/settings/users/"))


def test_an_invitation_asks_for_the_name_and_the_user_is_named_by_it(
    tenant_a, admin, django_capture_on_commit_callbacks
):
    set_seats(tenant_a, 10)
    response = admin.post("/settings/users/invite/", {"email": "nameless@alpha.test", "role": "sales"})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert not User.objects.filter(email="nameless@alpha.test").exists()
        assert str(User(email="wang.wei@alpha.test")) == "wang.wei"
    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/settings/users/invite/", {"email": "wang@alpha.test", "name": "王伟", "role": "sales"})
    with in_tenant(tenant_a):
        assert str(User.objects.get(email="wang@alpha.test")) == "王伟"


def test_after_inviting_the_admin_sees_the_emailed_link_once_with_a_copy_button(
    tenant_a, admin, django_capture_on_commit_callbacks
):
    set_seats(tenant_a, 10)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/settings/users/invite/", {"email": "linked@alpha.test", "name": "Linked", "role": "sales"})
    page = admin.get("/settings/users/").content.decode()
    link = re.search(r'id="invite-link"[^>]*value="([^"]+)"', page).group(1)
    assert link.startswith(f"http://{host(tenant_a)}/invite/") and link in mail.outbox[0].body
    assert 'data-copy="#invite-link"' in page
    # Shown once: the next visit of the list has no link.
    assert 'id="invite-link"' not in admin.get("/settings/users/").content.decode()


def test_inviting_beyond_the_paid_seats_shows_the_limit_with_the_billing_hint_and_creates_no_user(
    tenant_a, admin, django_capture_on_commit_callbacks
):
    with in_tenant(tenant_a):
        before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/settings/users/invite/", {"email": "extra@alpha.test", "name": "Extra", "role": "sales"}
        )
    assert response.status_code == 402
    content = text(response)
    assert "All 5 paid seats are taken" in content
    assert "Seats are bought on the billing page." in content
    with in_tenant(tenant_a):
        assert User.objects.count() == before
    assert mail.outbox == []


def test_an_htmx_invite_with_bad_input_answers_400_with_only_the_form_and_its_messages(tenant_a):
    set_seats(tenant_a, 10)
    client = browser(tenant_a, "admin", htmx=True)
    response = client.post("/settings/users/invite/", {"email": "not-an-address", "role": "chief"})
    assert response.status_code == 400
    content = text(response)
    assert content.startswith("<form") and "<html" not in content
    assert 'id="id_email-error"' in content and 'id="id_role-error"' in content
    duplicate = client.post("/settings/users/invite/", {"email": "SALES@alpha.test", "name": "Dup", "role": "sales"})
    assert duplicate.status_code == 400
    assert "A user with this e-mail already exists." in text(duplicate)
    with in_tenant(tenant_a):
        assert not User.objects.filter(email="not-an-address").exists()


def test_the_admin_changes_a_users_role_and_team(tenant_a, admin):
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        team = Team.objects.create(name="North")
    response = admin.post(f"/settings/users/{sales.pk}/", {"name": "Sam", "role": "manager", "team": team.pk})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        user = User.objects.get(pk=sales.pk)
        assert (user.name, user.role, user.membership.team_id) == ("Sam", "manager", team.pk)
        assert AuditEvent.objects.filter(action="user.updated", target_id=user.pk).exists()


def test_the_last_admin_cannot_demote_themselves_on_the_page(tenant_a, admin):
    me = user_of(tenant_a, "admin")
    response = admin.post(f"/settings/users/{me.pk}/", {"role": "sales"})
    assert response.status_code == 400
    assert "The last admin must stay an active admin." in text(response)
    with in_tenant(tenant_a):
        assert User.objects.get(pk=me.pk).role == "admin"


def test_deactivating_a_user_frees_a_seat_and_keeps_their_records(tenant_a, admin):
    leaver = user_of(tenant_a, "sales2")
    with in_tenant(tenant_a):
        account = create_account(by=user_of(tenant_a, "admin"), name="Leaver's client", owner=leaver)
    response = admin.post(f"/settings/users/{leaver.pk}/active/", {"is_active": "0"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert User.objects.get(pk=leaver.pk).is_active is False
        assert Account.objects.get(pk=account.pk).owner_id == leaver.pk
    assert "4 of 5 paid seats in use" in text(admin.get("/settings/users/"))


def test_reactivating_without_a_free_seat_shows_the_limit_and_keeps_the_user_deactivated(tenant_a, admin):
    leaver = user_of(tenant_a, "sales2")
    admin.post(f"/settings/users/{leaver.pk}/active/", {"is_active": "0"})
    set_seats(tenant_a, 4)
    response = admin.post(f"/settings/users/{leaver.pk}/active/", {"is_active": "1"})
    assert response.status_code == 402
    assert "All 4 paid seats are taken" in text(response)
    assert "Seats are bought on the billing page." in text(response)
    with in_tenant(tenant_a):
        assert User.objects.get(pk=leaver.pk).is_active is False


def test_an_admin_cannot_deactivate_themselves(tenant_a, admin):
    me = user_of(tenant_a, "admin")
    response = admin.post(f"/settings/users/{me.pk}/active/", {"is_active": "0"})
    assert response.status_code == 400
    assert "You cannot deactivate yourself." in text(response)
    with in_tenant(tenant_a):
        assert User.objects.get(pk=me.pk).is_active is True


def test_the_user_page_counts_the_records_a_reassignment_would_move(tenant_a, admin):
    leaver, admin_user = user_of(tenant_a, "sales2"), user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        for name in ("One", "Two"):
            account = create_account(by=admin_user, name=name, owner=leaver)
        create_contact(by=admin_user, first_name="Ann", account=account, owner=leaver)
    counts = text(admin.get(f"/settings/users/{leaver.pk}/")).split('data-testid="owned-counts"')[1].split("</ul>")[0]
    assert "2 accounts" in counts and "1 contacts" in counts


def test_reassigning_a_departing_users_records_moves_them_all_with_history(tenant_a, admin):
    leaver, heir, admin_user = user_of(tenant_a, "sales2"), user_of(tenant_a, "sales"), user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        account = create_account(by=admin_user, name="Inherited", owner=leaver)
        contact = create_contact(by=admin_user, first_name="Bo", account=account, owner=leaver)
        deal = create_deal(by=admin_user, name="Inherited deal", account=account, owner=leaver)
    response = browser(tenant_a, "admin", htmx=True).post(f"/settings/users/{leaver.pk}/reassign/", {"to": heir.pk})
    assert response.status_code == 200
    result = text(response).split('data-testid="reassign-result"')[1].split("</p>")[0]
    assert "1 accounts" in result and "1 contacts" in result and "1 deals" in result
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=account.pk).owner_id == heir.pk
        assert Contact.objects.get(pk=contact.pk).owner_id == heir.pk
        assert Deal.objects.get(pk=deal.pk).owner_id == heir.pk
        actions = [event.action for event in history_for(Account.objects.get(pk=account.pk))]
        assert actions[0] == "owner.reassigned" and "account.created" in actions


def test_records_cannot_be_reassigned_to_a_deactivated_user(tenant_a, admin):
    leaver, gone, admin_user = user_of(tenant_a, "sales2"), user_of(tenant_a, "sales"), user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        account = create_account(by=admin_user, name="Stays", owner=leaver)
        User.objects.filter(pk=gone.pk).update(is_active=False)
    response = admin.post(f"/settings/users/{leaver.pk}/reassign/", {"to": gone.pk})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert Account.objects.get(pk=account.pk).owner_id == leaver.pk


# Teams -----------------------------------------------------------------------------


def test_the_admin_builds_a_team_tree_with_managers_and_members(tenant_a, admin):
    manager, sales, sales2 = (user_of(tenant_a, name) for name in ("manager", "sales", "sales2"))
    assert (
        admin.post("/settings/teams/new/", {"name": "East", "manager": manager.pk, "members": [sales.pk]}).status_code
        == 302
    )
    with in_tenant(tenant_a):
        east = Team.objects.get(name="East")
    assert (
        admin.post(
            "/settings/teams/new/", {"name": "East-Shanghai", "parent": east.pk, "members": [sales2.pk]}
        ).status_code
        == 302
    )
    content = text(admin.get("/settings/teams/"))
    assert content.index(">East<") < content.index(">East-Shanghai<")
    assert 'class="tree-1"' in content.split(">East-Shanghai<")[0].rsplit("<tr", 1)[1]
    # And the org chart is what scope follows: East's manager now sees sales2's accounts.
    with in_tenant(tenant_a):
        create_account(by=sales2, name="Shanghai client", owner=sales2)
    assert "Shanghai client" in text(browser(tenant_a, "manager").get("/accounts/"))


def test_a_team_name_must_be_unique(tenant_a, admin):
    with in_tenant(tenant_a):
        Team.objects.create(name="South")
    response = admin.post("/settings/teams/new/", {"name": "south"})
    assert response.status_code == 400
    assert "A team with this name already exists." in text(response)
    with in_tenant(tenant_a):
        assert Team.objects.filter(name__iexact="south").count() == 1


def test_a_team_cannot_be_put_under_its_own_sub_team(tenant_a, admin):
    with in_tenant(tenant_a):
        top = Team.objects.create(name="Top")
        sub = Team.objects.create(name="Sub", parent=top)
    response = admin.post(f"/settings/teams/{top.pk}/edit/", {"name": "Top", "parent": sub.pk})
    assert response.status_code == 400
    assert "A team cannot be inside itself." in text(response)
    with in_tenant(tenant_a):
        assert Team.objects.get(pk=top.pk).parent_id is None


def test_deleting_a_team_keeps_its_members(tenant_a, admin):
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        team = create_team(by=None, name="Gone", members=[User.objects.get(pk=sales.pk)])
    assert admin.post(f"/settings/teams/{team.pk}/delete/").status_code == 302
    with in_tenant(tenant_a):
        assert not Team.objects.filter(pk=team.pk).exists()
        assert User.objects.get(pk=sales.pk).is_active


# Module permissions and masked fields ------------------------------------------------


def test_hiding_a_module_from_sales_makes_its_pages_404_and_removes_its_sidebar_entry(tenant_a, admin):
    sales = browser(tenant_a, "sales")
    assert sales.get("/accounts/").status_code == 200
    assert 'href="/accounts/"' in text(sales.get("/"))
    response = admin.post("/settings/access/modules/", {"hidden": ["sales:accounts"]})
    assert response.status_code == 302
    assert sales.get("/accounts/").status_code == 404
    assert 'href="/accounts/"' not in text(sales.get("/"))
    # Only sales lost it.
    assert browser(tenant_a, "manager").get("/accounts/").status_code == 200
    grid = text(admin.get("/settings/access/"))
    assert is_checked(grid, "hide-sales:accounts") and not is_checked(grid, "hide-manager:accounts")


def test_unticking_a_hidden_module_gives_it_back(tenant_a, admin):
    admin.post("/settings/access/modules/", {"hidden": ["sales:accounts", "manager:pool"]})
    admin.post("/settings/access/modules/", {"hidden": ["manager:pool"]})
    assert browser(tenant_a, "sales").get("/accounts/").status_code == 200
    assert browser(tenant_a, "manager").get("/pool/").status_code == 404
    with in_tenant(tenant_a):
        assert AuditEvent.objects.filter(action="access.module_visibility").count() == 3


def test_a_module_grid_with_an_unknown_role_or_module_is_400_and_changes_nothing(tenant_a, admin):
    response = admin.post("/settings/access/modules/", {"hidden": ["sales:accounts", "admin:deals"]})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert not ModulePermission.objects.filter(hidden=True).exists()


def test_masking_a_contacts_phone_for_sales_masks_it_for_sales_only(tenant_a, admin):
    sales, admin_user = user_of(tenant_a, "sales"), user_of(tenant_a, "admin")
    with in_tenant(tenant_a):
        contact = create_contact(by=admin_user, first_name="Li", phone="+86 138 0000 0000", owner=sales)
    response = admin.post("/settings/access/fields/", {"field": "contacts.phone", "hidden_from": ["sales"]})
    assert response.status_code == 302
    assert api_client(tenant_a, sales).get(f"/api/v1/contacts/{contact.pk}/").json()["phone"] == "••••••"
    director = api_client(tenant_a, user_of(tenant_a, "director"))
    assert director.get(f"/api/v1/contacts/{contact.pk}/").json()["phone"] == "+86 138 0000 0000"
    masked = text(admin.get("/settings/access/")).split('data-testid="masked-fields"')[1].split("</tbody>")[0]
    assert "Contacts" in masked and "Phone" in masked and "Sales" in masked


def test_an_unknown_field_cannot_be_masked(tenant_a):
    response = browser(tenant_a, "admin", htmx=True).post(
        "/settings/access/fields/", {"field": "contacts.password", "hidden_from": ["sales"]}
    )
    assert response.status_code == 400
    assert 'id="id_field-error"' in text(response)
    with in_tenant(tenant_a):
        assert not SensitiveField.objects.filter(module="contacts").exists()


# Customer pool -----------------------------------------------------------------------


def test_the_admin_sets_the_pool_rules_and_an_empty_box_switches_a_rule_off(tenant_a, admin):
    response = admin.post(
        "/settings/pool/",
        {"claim_cap": "30", "release_after_days_without_follow_up": "14", "release_after_days_without_deal": ""},
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        settings = PoolSettings.objects.get()
        assert (
            settings.claim_cap,
            settings.release_after_days_without_follow_up,
            settings.release_after_days_without_deal,
        ) == (30, 14, None)
        assert AuditEvent.objects.filter(action="pool.settings_changed").exists()


@pytest.mark.parametrize(
    "field", ["claim_cap", "release_after_days_without_follow_up", "release_after_days_without_deal"]
)
@pytest.mark.parametrize("value", ["0", "-3"])
def test_pool_rules_of_zero_or_below_are_400_and_nothing_is_saved(tenant_a, field, value):
    with in_tenant(tenant_a):
        pool_settings()  # the row is made on first use; make it before comparing
    before = snapshot(tenant_a)
    response = browser(tenant_a, "admin", htmx=True).post("/settings/pool/", {field: value})
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in text(response)
    assert snapshot(tenant_a) == before


# Pipelines and stages ----------------------------------------------------------------


def test_the_admin_edits_a_stages_name_probability_and_kind(tenant_a, admin):
    stage = default_stages(tenant_a)[1]
    response = admin.post(
        f"/settings/stages/{stage.pk}/edit/", {"name": "Discovery", "probability": "45", "kind": "open"}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        stage = Stage.objects.get(pk=stage.pk)
        assert (stage.name, stage.probability) == ("Discovery", 45)
    assert "45%" in text(admin.get(f"/settings/pipelines/{stage.pipeline_id}/"))


@pytest.mark.parametrize("probability", ["101", "-1", "sixty"])
def test_a_stage_probability_outside_0_to_100_is_400_and_nothing_changes(tenant_a, probability):
    stage = default_stages(tenant_a)[1]
    before = snapshot(tenant_a)
    response = browser(tenant_a, "admin", htmx=True).post(
        f"/settings/stages/{stage.pk}/edit/", {"name": stage.name, "probability": probability, "kind": "open"}
    )
    assert response.status_code == 400
    assert 'id="id_probability-error"' in text(response)
    assert snapshot(tenant_a) == before


def test_moving_stages_up_and_down_reorders_the_pipeline(tenant_a, admin):
    stages = default_stages(tenant_a)
    names = [stage.name for stage in stages]
    assert admin.post(f"/settings/stages/{stages[2].pk}/move/", {"direction": "up"}).status_code == 302
    assert [stage.name for stage in default_stages(tenant_a)] == [names[0], names[2], names[1], *names[3:]]
    response = browser(tenant_a, "admin", htmx=True).post(
        f"/settings/stages/{stages[0].pk}/move/", {"direction": "down"}
    )
    assert response.status_code == 200
    assert [stage.name for stage in default_stages(tenant_a)] == [names[2], names[0], names[1], *names[3:]]
    shown = text(response)
    assert shown.index(names[2]) < shown.index(names[0]) < shown.index(names[1])
    # The first stage cannot move further up: nothing changes.
    admin.post(f"/settings/stages/{stages[2].pk}/move/", {"direction": "up"})
    assert [stage.name for stage in default_stages(tenant_a)] == [names[2], names[0], names[1], *names[3:]]


def test_the_admin_adds_and_deletes_a_stage(tenant_a, admin):
    pipeline_id = default_stages(tenant_a)[0].pipeline_id
    assert (
        admin.post(
            f"/settings/pipelines/{pipeline_id}/stages/new/", {"name": "Trial", "probability": "50", "kind": "open"}
        ).status_code
        == 302
    )
    stages = default_stages(tenant_a)
    assert stages[-1].name == "Trial"
    assert admin.post(f"/settings/stages/{stages[-1].pk}/delete/").status_code == 302
    assert "Trial" not in [stage.name for stage in default_stages(tenant_a)]


def test_a_stage_with_deals_cannot_be_deleted(tenant_a, admin):
    with in_tenant(tenant_a):
        deal = create_deal(by=user_of(tenant_a, "admin"), name="Holding on")
    response = admin.post(f"/settings/stages/{deal.stage_id}/delete/")
    assert response.status_code == 400
    assert "This stage still has deals" in text(response)
    with in_tenant(tenant_a):
        assert Stage.objects.filter(pk=deal.stage_id).exists()


def test_the_admin_creates_renames_makes_default_and_deletes_a_pipeline(tenant_a, admin):
    response = admin.post("/settings/pipelines/new/", {"name": "Renewals"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        renewals = Pipeline.objects.get(name="Renewals")
        old_default = Pipeline.objects.get(is_default=True)
        assert renewals.stages.count() == 6
    assert admin.post(f"/settings/pipelines/{renewals.pk}/edit/", {"name": "Renewal deals"}).status_code == 302
    assert admin.post(f"/settings/pipelines/{renewals.pk}/default/").status_code == 302
    with in_tenant(tenant_a):
        assert Pipeline.objects.get(is_default=True).name == "Renewal deals"
    assert admin.post(f"/settings/pipelines/{old_default.pk}/delete/").status_code == 302
    with in_tenant(tenant_a):
        assert list(Pipeline.objects.values_list("name", flat=True)) == ["Renewal deals"]


def test_the_default_pipeline_cannot_be_deleted(tenant_a, admin):
    pipeline_id = default_stages(tenant_a)[0].pipeline_id
    response = admin.post(f"/settings/pipelines/{pipeline_id}/delete/")
    assert response.status_code == 400
    assert "The default pipeline cannot be deleted." in text(response)
    with in_tenant(tenant_a):
        assert Pipeline.objects.filter(pk=pipeline_id).exists()


def test_a_pipeline_name_must_be_unique(tenant_a, admin):
    with in_tenant(tenant_a):
        taken = Pipeline.objects.get(is_default=True).name
    response = admin.post("/settings/pipelines/new/", {"name": taken})
    assert response.status_code == 400
    assert "A pipeline with this name already exists." in text(response)


def test_saving_a_team_keeps_its_deactivated_members(tenant_a, admin):
    sales, sales2 = user_of(tenant_a, "sales"), user_of(tenant_a, "sales2")
    with in_tenant(tenant_a):
        team = create_team(by=None, name="Mixed", members=list(User.objects.filter(pk__in=[sales.pk, sales2.pk])))
        User.objects.filter(pk=sales2.pk).update(is_active=False)
    form = text(admin.get(f"/settings/teams/{team.pk}/edit/"))
    assert re.search(rf'name="members" value="{sales2.pk}"[^>]* checked', form)
    response = admin.post(
        f"/settings/teams/{team.pk}/edit/", {"name": "Mixed renamed", "members": [sales.pk, sales2.pk]}
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        team = Team.objects.get(pk=team.pk)
        assert team.name == "Mixed renamed"
        assert set(team.memberships.values_list("user_id", flat=True)) == {sales.pk, sales2.pk}


BUILT_MODULES = (
    "accounts",
    "contacts",
    "leads",
    "deals",
    "approvals",
    "activities",
    "pool",
    "products",
    "quotes",
    "orders",
)
NOT_YET_BUILT = ("contracts", "invoices", "payments", "tickets", "reports")


def test_the_module_grid_offers_only_the_modules_that_exist(tenant_a, admin):
    grid = text(admin.get("/settings/access/"))
    offered = set(re.findall(r'data-testid="hide-sales:([a-z_]+)"', grid))
    assert offered == set(BUILT_MODULES)
    for module in NOT_YET_BUILT:
        assert f"sales:{module}" not in grid


def test_a_module_that_does_not_exist_yet_cannot_be_hidden_on_the_page_or_in_the_api(tenant_a, admin):
    page = admin.post("/settings/access/modules/", {"hidden": ["sales:accounts", "sales:tickets"]})
    api = api_client(tenant_a, user_of(tenant_a, "admin")).post(
        "/api/v1/access/modules/", {"role": "sales", "module": "tickets", "hidden": True}, format="json"
    )
    masked = api_client(tenant_a, user_of(tenant_a, "admin")).post(
        "/api/v1/access/sensitive-fields/",
        {"module": "invoices", "field": "amount", "hidden_from": ["sales"]},
        format="json",
    )

    assert page.status_code == 400
    assert api.status_code == 400 and "module" in api.json()
    assert masked.status_code == 400 and "module" in masked.json()
    with in_tenant(tenant_a):
        assert not ModulePermission.objects.filter(hidden=True).exists()
        assert not SensitiveField.objects.filter(module="invoices").exists()


def test_the_api_documents_only_the_modules_that_exist(tenant_a):
    document = api_client(tenant_a, user_of(tenant_a, "admin")).get("/api/schema/?format=json").json()
    schemas = document["components"]["schemas"]
    request = schemas["ModulePermissionRequest"]["properties"]["module"]
    enum = request.get("enum") or schemas[request["$ref"].rsplit("/", 1)[1]]["enum"]
    assert set(enum) == set(BUILT_MODULES)


def test_a_not_yet_built_modules_name_stays_reserved_for_custom_objects(tenant_a):
    response = api_client(tenant_a, user_of(tenant_a, "admin")).post(
        "/api/v1/customization/objects/", {"name": "quotes", "label": "Quote", "label_plural": "Quotes"}, format="json"
    )
    assert response.status_code == 400
