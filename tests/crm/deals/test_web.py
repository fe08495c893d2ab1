"""The deal pages: list, board, detail and its actions, create and edit, each
within the user's scope."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from crm.audit.models import AuditEvent
from crm.deals import services
from crm.deals.models import Deal
from crm.web.money import money
from tests.crm.deals.factories import make_deal, stage_named
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


def later(days=30):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def two_deals(tenant_a):
    return {
        "mine": make_deal(tenant_a, "sales", name="Mine", amount="1000.00", stage="Qualification"),
        "theirs": make_deal(tenant_a, "sales2", name="Theirs", amount="5000.00", stage="Proposal"),
    }


# List -----------------------------------------------------------------------------


def test_sales_user_never_sees_another_owners_deal_in_the_list(tenant_a, two_deals):
    response = browser(tenant_a, "sales").get("/deals/list/")
    assert response.status_code == 200
    names = [deal.name for deal in response.context["listing"].page]
    assert names == ["Mine"]
    assert b"Theirs" not in response.content


def test_sales_user_does_not_find_another_owners_deal_by_searching(tenant_a, two_deals):
    response = browser(tenant_a, "sales").get("/deals/list/?q=Theirs")
    assert list(response.context["listing"].page) == []


def test_weighted_total_counts_only_the_deals_the_user_may_see(tenant_a, two_deals):
    currency = two_deals["mine"].currency
    sales = browser(tenant_a, "sales").get("/deals/list/")
    # 1000 at Qualification (10 %); the other owner's 5000 at Proposal (60 %) is not theirs to count.
    assert sales.context["weighted"] == {currency: Decimal("100.00")}
    assert money(Decimal("100"), currency).encode() in sales.content
    director = browser(tenant_a, "director").get("/deals/list/")
    assert director.context["weighted"][currency] >= Decimal("3100.00")


def test_weighted_total_follows_the_filters_over_all_pages(tenant_a, two_deals):
    proposal = stage_named(tenant_a, "Proposal")
    response = browser(tenant_a, "admin").get(f"/deals/list/?stage={proposal.pk}&q=Theirs")
    assert [d.name for d in response.context["listing"].page] == ["Theirs"]
    assert response.context["weighted"] == {two_deals["theirs"].currency: Decimal("3000.00")}


def test_list_filters_by_owner_me_and_by_status(tenant_a, two_deals):
    with in_tenant(tenant_a):
        services.pause_deal(deal=two_deals["mine"], by=user_of(tenant_a, "sales"), reason="Budget", until=later())
    director = browser(tenant_a, "director")
    assert [d.name for d in director.get("/deals/list/?owner=me").context["listing"].page] == []
    sales = browser(tenant_a, "sales")
    assert [d.name for d in sales.get("/deals/list/?status=paused").context["listing"].page] == ["Mine"]
    assert [d.name for d in sales.get("/deals/list/?status=open").context["listing"].page] == []


def test_list_filters_by_expected_close_date_range(tenant_a):
    make_deal(tenant_a, "sales", name="Soon", expected_close_date=later(5))
    make_deal(tenant_a, "sales", name="Next year", expected_close_date=later(400))
    response = browser(tenant_a, "sales").get(f"/deals/list/?closes_from={later(1)}&closes_to={later(30)}")
    assert [d.name for d in response.context["listing"].page] == ["Soon"]


def test_list_sorts_by_amount_either_way(tenant_a):
    for name, amount in (("Small", "10.00"), ("Large", "900.00"), ("Medium", "50.00")):
        make_deal(tenant_a, "sales", name=name, amount=amount)
    sales = browser(tenant_a, "sales")
    assert [d.name for d in sales.get("/deals/list/?sort=amount").context["listing"].page] == [
        "Small",
        "Medium",
        "Large",
    ]
    assert [d.name for d in sales.get("/deals/list/?sort=-amount").context["listing"].page] == [
        "Large",
        "Medium",
        "Small",
    ]


def test_htmx_filtering_returns_only_the_table_with_its_total(tenant_a, two_deals):
    response = browser(tenant_a, "sales").get("/deals/list/?q=Mine", **htmx("deal-table"))
    assert response.status_code == 200
    assert b'data-testid="deal-list"' in response.content and b'data-testid="weighted-total"' in response.content
    assert b"<html" not in response.content


# Board ------------------------------------------------------------------------------


def test_board_shows_weighted_totals_per_column_and_overall_for_visible_deals(tenant_a, two_deals):
    currency = two_deals["mine"].currency
    response = browser(tenant_a, "sales").get("/deals/")
    columns = {c["stage"].name: c for c in response.context["columns"]}
    assert columns["Qualification"]["weighted"] == {currency: Decimal("100.00")}
    assert columns["Proposal"]["weighted"] == {}
    assert response.context["summary"]["weighted_totals"] == {currency: Decimal("100.00")}


def test_board_cards_link_to_the_deal_and_show_a_paused_deal_as_paused(tenant_a, two_deals):
    deal = two_deals["mine"]
    with in_tenant(tenant_a):
        services.pause_deal(deal=deal, by=user_of(tenant_a, "sales"), reason="Budget", until=later())
    content = browser(tenant_a, "sales").get("/deals/").content.decode()
    card = content[content.index(f'data-testid="deal-{deal.pk}"') - 200 :]
    card = card[: card.index("</article>")]
    assert f'href="/deals/{deal.pk}/"' in card
    assert 'draggable="false"' in card and "Paused until" in card
    assert "kanban-move" not in card and 'name="stage"' not in card


# Detail and actions ----------------------------------------------------------------


def test_deal_page_shows_its_fields_contacts_and_history(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Fleet renewal", competitors="Globex")
    response = browser(tenant_a, "sales").get(f"/deals/{deal.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Fleet renewal" in text and "Globex" in text and "deal.created" in text


def test_the_pages_actions_post_to_the_pages_not_to_the_api(tenant_a):
    deal = make_deal(tenant_a, "sales")
    page = browser(tenant_a, "sales").get(f"/deals/{deal.pk}/").content.decode()
    for action in ("stage", "pause", "activities"):
        assert f'action="/deals/{deal.pk}/{action}/"' in page
    assert 'href="/deals/list/"' in browser(tenant_a, "sales").get("/deals/").content.decode()
    assert "/api/" not in page.split("<main>")[1].split("</main>")[0]


def test_deal_page_of_a_deal_out_of_scope_is_404_like_a_missing_one(tenant_a, two_deals):
    sales = browser(tenant_a, "sales")
    theirs = two_deals["theirs"]
    hidden, missing = sales.get(f"/deals/{theirs.pk}/"), sales.get("/deals/99999999/")
    assert hidden.status_code == missing.status_code == 404
    assert b"Theirs" not in hidden.content


def test_sales_user_cannot_edit_pause_or_move_a_deal_out_of_scope(tenant_a, two_deals):
    sales = browser(tenant_a, "sales")
    theirs = two_deals["theirs"]
    lost = stage_named(tenant_a, "Lost")
    responses = [
        sales.post(f"/deals/{theirs.pk}/edit/", {"name": "Mine now", "currency": "CNY", "amount": "1"}),
        sales.post(f"/deals/{theirs.pk}/pause/", {"reason": "x", "until": later().isoformat()}),
        sales.post(f"/deals/{theirs.pk}/stage/", {"stage": lost.pk, "lost_reason": "x"}),
        sales.post(f"/deals/{theirs.pk}/reactivate/"),
    ]
    assert [r.status_code for r in responses] == [404] * 4
    with in_tenant(tenant_a):
        unchanged = Deal.objects.get(pk=theirs.pk)
        assert (unchanged.name, unchanged.paused_until, unchanged.stage.name) == ("Theirs", None, "Proposal")


def test_pausing_a_deal_from_its_page_with_a_reason_and_a_date(tenant_a, two_deals):
    deal = two_deals["mine"]
    sales = browser(tenant_a, "sales")
    until = later(14)
    response = sales.post(f"/deals/{deal.pk}/pause/", {"reason": "Budget freeze", "until": until.isoformat()})
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    with in_tenant(tenant_a):
        paused = Deal.objects.get(pk=deal.pk)
        assert (paused.paused_until, paused.pause_reason) == (until, "Budget freeze")
    page = sales.get(f"/deals/{deal.pk}/").content.decode()
    assert "Paused until" in page and "Budget freeze" in page and "Reactivate now" in page
    assert f'action="/deals/{deal.pk}/reactivate/"' in page


def test_pausing_with_a_past_date_is_400_with_the_message_and_saves_nothing(tenant_a, two_deals):
    deal = two_deals["mine"]
    response = browser(tenant_a, "sales").post(
        f"/deals/{deal.pk}/pause/", {"reason": "Budget", "until": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400
    assert "Choose a date after today." in response.content.decode()
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).paused_until is None
        assert not AuditEvent.objects.filter(action="deal.paused", target_id=deal.pk).exists()


def test_pausing_without_a_reason_is_refused_inline_with_htmx(tenant_a, two_deals):
    deal = two_deals["mine"]
    response = browser(tenant_a, "sales").post(
        f"/deals/{deal.pk}/pause/", {"reason": "", "until": later().isoformat()}, **htmx("deal-actions")
    )
    assert response.status_code == 200
    assert 'id="deal-actions"' in response.content.decode() and "required" in response.content.decode()
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).paused_until is None


def test_reactivating_a_paused_deal_now_from_its_page(tenant_a, two_deals):
    deal = two_deals["mine"]
    sales = browser(tenant_a, "sales")
    sales.post(f"/deals/{deal.pk}/pause/", {"reason": "Budget", "until": later().isoformat()})
    response = sales.post(f"/deals/{deal.pk}/reactivate/", **htmx("deal-actions"))
    assert response.status_code == 200 and response["HX-Redirect"] == f"/deals/{deal.pk}/"
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).paused_until is None
        assert AuditEvent.objects.filter(action="deal.reactivated", target_id=deal.pk).exists()


def test_moving_to_a_lost_stage_from_the_page_asks_for_the_reason(tenant_a, two_deals):
    deal = two_deals["mine"]
    lost = stage_named(tenant_a, "Lost")
    sales = browser(tenant_a, "sales")
    refused = sales.post(f"/deals/{deal.pk}/stage/", {"stage": lost.pk, "lost_reason": ""})
    assert refused.status_code == 400 and "Say why the deal was lost." in refused.content.decode()
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).status == "open"

    moved = sales.post(f"/deals/{deal.pk}/stage/", {"stage": lost.pk, "lost_reason": "Went with Globex"})
    assert moved.status_code == 302
    with in_tenant(tenant_a):
        assert (Deal.objects.get(pk=deal.pk).status, Deal.objects.get(pk=deal.pk).lost_reason) == (
            "lost",
            "Went with Globex",
        )
    assert "Went with Globex" in sales.get(f"/deals/{deal.pk}/").content.decode()


# Create and edit --------------------------------------------------------------------


def test_creating_a_deal_from_the_form(tenant_a, two_deals):
    account = two_deals["mine"].account
    proposal = stage_named(tenant_a, "Proposal")
    response = browser(tenant_a, "sales").post(
        "/deals/new/",
        {
            "name": "Expansion",
            "account": account.pk,
            "amount": "2500.50",
            "currency": "usd",
            "expected_close_date": later(10).isoformat(),
            "stage": proposal.pk,
            "source": "referral",
        },
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        deal = Deal.objects.get(name="Expansion")
        assert (deal.owner.email, deal.account_id, deal.amount, deal.currency, deal.stage_id, deal.source) == (
            "sales@alpha.test",
            account.pk,
            Decimal("2500.50"),
            "USD",
            proposal.pk,
            "referral",
        )
    assert response["Location"] == f"/deals/{deal.pk}/"


def test_invalid_deal_form_is_400_with_messages_and_saves_nothing(tenant_a):
    with in_tenant(tenant_a):
        before = Deal.objects.count()
    response = browser(tenant_a, "sales").post("/deals/new/", {"name": "", "amount": "-5", "currency": "dollars"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) >= {"name", "amount", "currency"}
    assert 'id="id_name-error"' in response.content.decode()
    with in_tenant(tenant_a):
        assert Deal.objects.count() == before


def test_the_form_offers_only_assignable_owners_and_visible_accounts(tenant_a, two_deals):
    form = browser(tenant_a, "sales").get("/deals/new/").context["form"]
    with in_tenant(tenant_a):
        assert [u.email for u in form.fields["owner"].queryset] == ["sales@alpha.test"]
        assert list(form.fields["account"].queryset) == [two_deals["mine"].account]


def test_sales_user_cannot_give_a_deal_to_someone_else_or_put_it_on_a_hidden_account(tenant_a, two_deals):
    sales = browser(tenant_a, "sales")
    responses = [
        sales.post(
            "/deals/new/", {"name": "Sneaky", "amount": "1", "currency": "CNY", "owner": user_of(tenant_a, "sales2").pk}
        ),
        sales.post(
            "/deals/new/",
            {"name": "Sneaky", "amount": "1", "currency": "CNY", "account": two_deals["theirs"].account.pk},
        ),
    ]
    assert [r.status_code for r in responses] == [400, 400]
    assert "owner" in responses[0].context["form"].errors and "account" in responses[1].context["form"].errors
    with in_tenant(tenant_a):
        assert not Deal.objects.filter(name="Sneaky").exists()


def test_editing_a_deal_records_the_change_in_its_history(tenant_a, two_deals):
    deal = two_deals["mine"]
    sales = browser(tenant_a, "sales")
    response = sales.post(
        f"/deals/{deal.pk}/edit/",
        {"name": "Mine, bigger", "account": deal.account.pk, "amount": "1500.00", "currency": deal.currency},
    )
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Deal.objects.get(pk=deal.pk).amount == Decimal("1500.00")
    page = sales.get(f"/deals/{deal.pk}/").content.decode()
    assert "deal.updated" in page and "Mine, bigger" in page


def test_the_history_reads_as_sentences_in_english_and_chinese(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Story deal")
    with in_tenant(tenant_a):
        admin = user_of(tenant_a, "admin")
        services.move_deal(deal=deal, stage=stage_named(tenant_a, "Proposal"), by=admin)
        name = str(admin)
    client = browser(tenant_a, "sales")
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    history = page.split('data-testid="history"')[1].split("</ol>")[0]
    assert f"{name} created the deal" in history
    assert f"{name} moved the deal from Qualification to Proposal" in history
    assert "<code>deal.created</code>" not in history
    zh = client.get(f"/deals/{deal.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    history = zh.split('data-testid="history"')[1].split("</ol>")[0]
    assert f"{name} 创建了商机" in history
    assert f"{name} 将商机从" in history
