"""The onboarding checklist on Home: admins see it until it is complete or put
away, each step ticks when the thing is really done."""

import pytest
from django.test import Client
from django.utils import timezone

from crm.deals import services as deal_services
from crm.deals.selectors import default_pipeline
from crm.imports.models import ImportJob
from crm.onboarding import selectors, services
from crm.onboarding.models import OnboardingState
from crm.users.models import Role, User
from tests.factories import make_account, make_activity
from tests.tenancy import PASSWORD, host, in_tenant, sign_up, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(spare_pool):
    """A tenant just signed up: its owner only, nothing done yet."""
    tenant = sign_up()
    return tenant, user_of(tenant, "owner")


def _home(tenant, user):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user)
    return client.get("/").content.decode()


def _done(tenant, user):
    with in_tenant(tenant):
        checklist = selectors.checklist_for(user)
    return None if checklist is None else {step.key: step.done for step in checklist.steps}


def test_a_new_admin_sees_the_checklist_with_nothing_done(fresh):
    tenant, owner = fresh
    html = _home(tenant, owner)
    assert 'data-testid="onboarding-checklist"' in html
    assert "0 of 4 done" in html
    assert _done(tenant, owner) == {"invite": False, "import": False, "pipeline": False, "activity": False}


def test_inviting_a_colleague_ticks_the_first_step(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        from crm.users.services import create_user

        create_user(by=owner, email="ann@example.test", name="Ann", role=Role.SALES, invite_url=lambda u, t: "x")
    assert _done(tenant, owner)["invite"] is True
    assert "1 of 4 done" in _home(tenant, owner)


def test_a_finished_import_ticks_import_but_a_dry_run_or_an_undone_one_does_not(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        job = ImportJob.objects.create(
            kind="accounts", file_name="a.csv", file_content=b"", created_by=owner, status="done", dry_run=True
        )
    assert _done(tenant, owner)["import"] is False
    with in_tenant(tenant):
        ImportJob.objects.filter(pk=job.pk).update(dry_run=False, undone_at=timezone.now())
    assert _done(tenant, owner)["import"] is False
    with in_tenant(tenant):
        ImportJob.objects.filter(pk=job.pk).update(undone_at=None)
    assert _done(tenant, owner)["import"] is True


def test_editing_a_stage_or_confirming_the_pipeline_ticks_the_pipeline_step(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        stage = default_pipeline().stages.order_by("position").first()
        deal_services.update_stage(stage=stage, by=owner, name="Qualified lead")
    assert _done(tenant, owner)["pipeline"] is True


def test_the_default_pipeline_fits_button_ticks_the_pipeline_step(fresh):
    tenant, owner = fresh
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(owner)
    assert client.post("/onboarding/pipeline/", {"next": "/"}).status_code == 302
    assert _done(tenant, owner)["pipeline"] is True


def test_logging_an_activity_ticks_the_last_step(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        make_activity(by=owner, account=make_account(by=owner))
    assert _done(tenant, owner)["activity"] is True


def test_sample_activities_do_not_tick_the_activity_step(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        services.load_sample_data(by=owner, language="en")
    assert _done(tenant, owner)["activity"] is False


def test_the_checklist_goes_when_every_step_is_done(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        User.objects.create_user(email="b@example.test", password=PASSWORD, role=Role.SALES)
        ImportJob.objects.create(kind="accounts", file_name="a.csv", file_content=b"", created_by=owner, status="done")
        services.confirm_pipeline(by=owner)
        make_activity(by=owner, account=make_account(by=owner))
        assert selectors.checklist_for(owner) is None
    assert 'data-testid="onboarding-checklist"' not in _home(tenant, owner)


def test_dismissing_puts_the_checklist_away(fresh):
    tenant, owner = fresh
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(owner)
    assert client.post("/onboarding/dismiss/", {"next": "/"}).status_code == 302
    assert 'data-testid="onboarding-checklist"' not in client.get("/").content.decode()


def test_other_roles_neither_see_nor_dismiss_the_checklist(tenant_a):
    sales = user_of(tenant_a, "sales")
    assert 'data-testid="onboarding-checklist"' not in _home(tenant_a, sales)
    client = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        client.force_login(sales)
    assert client.post("/onboarding/dismiss/").status_code == 404
    assert client.post("/onboarding/sample/load/").status_code == 404
    with in_tenant(tenant_a):
        assert not OnboardingState.objects.filter(dismissed_at__isnull=False).exists()
        assert not selectors.sample_data_loaded()


def test_dismissing_in_one_tenant_leaves_the_other_tenants_checklist(tenant_a, tenant_b):
    admin_a, admin_b = user_of(tenant_a, "admin"), user_of(tenant_b, "admin")
    with in_tenant(tenant_a):
        services.dismiss_checklist(by=admin_a)
    # tenant_b has every role's user (the invite step is done) but nothing else
    assert 'data-testid="onboarding-checklist"' in _home(tenant_b, admin_b)
    assert 'data-testid="onboarding-checklist"' not in _home(tenant_a, admin_a)


def test_the_checklist_speaks_chinese_to_a_chinese_admin(fresh):
    tenant, owner = fresh
    client = Client(HTTP_HOST=host(tenant), HTTP_ACCEPT_LANGUAGE="zh-hans")
    with in_tenant(tenant):
        client.force_login(owner)
    html = client.get("/").content.decode()
    assert "开始使用" in html and "已完成 0 / 4" in html and "邀请同事" in html
