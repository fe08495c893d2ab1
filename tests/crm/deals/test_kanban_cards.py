"""The board's compact cards and its drop zones: each card names its owner and
says whether the deal's next planned activity (its earliest open task with a
due date) is overdue, due today or not planned at all, "today" being the
viewer's own (their time zone); won and lost are drop zones below the board."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from crm.activities.services import create_task
from crm.users.models import User
from tests.crm.deals.factories import make_deal, stage_named
from tests.crm.deals.test_web import browser
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db

# UTC+14 and UTC-11: 25 hours apart, so their dates always differ.
EAST, WEST = "Pacific/Kiritimati", "Pacific/Pago_Pago"


def _today_in(zone):
    return datetime.now(ZoneInfo(zone)).date()


def _card(page, deal):
    match = re.search(rf'data-testid="deal-{deal.pk}">(.*?)</article>', page, re.S)
    assert match, f"no card for {deal}"
    return match.group(1)


def _zone(tenant, local, zone):
    with in_tenant(tenant):
        User.objects.filter(pk=user_of(tenant, local).pk).update(time_zone=zone)


def _task(tenant, deal, due, done=False):
    with in_tenant(tenant):
        create_task(by=user_of(tenant, "admin"), title="Call", due_date=due, deal=deal, done=done)


def test_a_card_names_the_owner_and_says_when_nothing_is_planned(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Quiet deal")
    _task(tenant_a, deal, timezone.localdate() - timedelta(days=3), done=True)  # done: no longer planned
    card = _card(browser(tenant_a, "admin").get("/deals/").content.decode(), deal)
    with in_tenant(tenant_a):
        assert user_of(tenant_a, "sales").display_name in card
    assert "No activity planned" in card


def test_overdue_and_due_today_follow_the_viewers_own_time_zone(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Timed deal")
    _task(tenant_a, deal, _today_in(EAST))
    _task(tenant_a, deal, _today_in(EAST) + timedelta(days=9))  # a later one does not count

    _zone(tenant_a, "admin", EAST)
    assert "Due today" in _card(browser(tenant_a, "admin").get("/deals/").content.decode(), deal)
    _zone(tenant_a, "admin", WEST)
    west = _card(browser(tenant_a, "admin").get("/deals/").content.decode(), deal)
    assert "Due today" not in west and "Overdue" not in west  # tomorrow or later over there

    later = make_deal(tenant_a, "sales", name="Late deal")
    _task(tenant_a, later, _today_in(WEST))
    _zone(tenant_a, "admin", EAST)
    assert "Overdue" in _card(browser(tenant_a, "admin").get("/deals/").content.decode(), later)


def test_closed_deals_show_no_next_activity_status(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Won deal", stage="Won")
    card = _card(browser(tenant_a, "admin").get("/deals/").content.decode(), deal)
    assert 'data-testid="next-activity"' not in card


def test_won_and_lost_are_drop_zones_and_a_move_there_is_saved(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Closing deal")
    won, lost = stage_named(tenant_a, "Won"), stage_named(tenant_a, "Lost")
    page = browser(tenant_a, "sales").get("/deals/").content.decode()
    for stage in (won, lost):
        assert f'data-testid="dropzone-{stage.pk}"' in page
    assert f'data-stage="{won.pk}" data-kind="won" data-testid="dropzone-{won.pk}"' in page
    response = browser(tenant_a, "sales").post(
        f"/deals/{deal.pk}/move/", {"stage": won.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kanban"
    )
    assert response.status_code == 200
    with in_tenant(tenant_a):
        deal.refresh_from_db()
    assert deal.stage_id == won.pk


def test_the_cards_and_drop_zones_speak_chinese(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Quiet deal")
    client = browser(tenant_a, "admin")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.get("/deals/").content.decode()
    assert "未计划活动" in _card(page, deal)
    assert "移动到…" in _card(page, deal)
    assert "拖放以结束：" in page
