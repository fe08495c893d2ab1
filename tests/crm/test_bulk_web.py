"""The bulk bar of the accounts, contacts, leads and deals lists: tick rows,
then delete (after a confirmation page), change owner or set status. Each
record goes through its own service, so the rules of a record's page hold:
only the owner, their managers, directors and admins delete or give a record
away. Ids the user cannot see (forged, another owner's, another tenant's) are
ignored and counted as skipped, like records they see but may not change."""

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.access import services as access_services
from crm.access.models import RecordShare
from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.leads.models import Lead
from tests.crm.test_delete_web import browser
from tests.factories import make_account, make_contact, make_deal, make_lead
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db

KINDS = {
    "accounts": (make_account, Account, "/accounts/", "account"),
    "contacts": (make_contact, Contact, "/contacts/", "contact"),
    "leads": (make_lead, Lead, "/leads/", "lead"),
    "deals": (make_deal, Deal, "/deals/list/", "deal"),
}


def _bulk_url(kind):
    return f"/{kind}/bulk/"


def _records(tenant, kind, owner="sales", n=2):
    with in_tenant(tenant):
        return [KINDS[kind][0](by=user_of(tenant, "admin"), owner=user_of(tenant, owner)) for _ in range(n)]


def _existing(tenant, kind, records):
    with in_tenant(tenant):
        return set(KINDS[kind][1].objects.filter(pk__in=[r.pk for r in records]).values_list("pk", flat=True))


def _owners(tenant, kind, records):
    with in_tenant(tenant):
        rows = KINDS[kind][1].objects.filter(pk__in=[r.pk for r in records])
        return {row.pk: row.owner.email for row in rows}


def _share(tenant, record, email_local):
    with in_tenant(tenant):
        RecordShare.objects.create(
            content_type=ContentType.objects.get_for_model(type(record)),
            object_id=record.pk,
            user=user_of(tenant, email_local),
        )


@pytest.mark.parametrize("kind", KINDS)
def test_the_list_offers_a_checkbox_per_row_select_all_and_the_bulk_bar(tenant_a, kind):
    records = _records(tenant_a, kind)
    page = browser(tenant_a, "sales").get(KINDS[kind][2]).content.decode()
    assert 'data-testid="bulk-bar"' in page
    assert 'data-testid="select-all"' in page
    for record in records:
        assert f'name="ids" value="{record.pk}"' in page
    assert "0 selected" in page


@pytest.mark.parametrize("kind", KINDS)
def test_delete_asks_first_then_deletes_each_with_its_audit_row(tenant_a, kind):
    records = _records(tenant_a, kind)
    owner = browser(tenant_a, "sales")
    ids = [r.pk for r in records]
    confirm = owner.post(_bulk_url(kind), {"action": "delete", "ids": ids, "next": KINDS[kind][2]})
    assert confirm.status_code == 200
    assert 'data-testid="bulk-delete-form"' in confirm.content.decode()
    assert _existing(tenant_a, kind, records) == set(ids)  # nothing gone before the confirmation

    done = owner.post(
        _bulk_url(kind), {"action": "delete", "confirmed": "1", "ids": ids, "next": KINDS[kind][2]}, follow=True
    )
    assert done.redirect_chain[-1][0] == KINDS[kind][2]
    assert "2 deleted, 0 skipped." in done.content.decode()
    assert _existing(tenant_a, kind, records) == set()
    with in_tenant(tenant_a):
        deleted = AuditEvent.objects.filter(action=f"{KINDS[kind][3]}.deleted", target_id__in=ids)
        assert sorted(deleted.values_list("target_id", flat=True)) == sorted(ids)


@pytest.mark.parametrize("kind", KINDS)
def test_a_salesperson_deletes_only_their_own_forged_and_shared_ids_are_skipped(tenant_a, tenant_b, kind):
    mine = _records(tenant_a, kind, n=1)
    others = _records(tenant_a, kind, owner="sales2", n=1)  # out of scope: a forged id
    shared = _records(tenant_a, kind, owner="sales2", n=1)  # visible through a share, not theirs to delete
    _share(tenant_a, shared[0], "sales")
    elsewhere = _records(tenant_b, kind, n=1)  # another tenant's
    ids = [r.pk for r in mine + others + shared + elsewhere]
    sales = browser(tenant_a, "sales")

    confirm = sales.post(_bulk_url(kind), {"action": "delete", "ids": ids}).content.decode()
    assert str(shared[0]) not in confirm.split('data-testid="bulk-delete-records"')[1].split("</ul>")[0]
    response = sales.post(_bulk_url(kind), {"action": "delete", "confirmed": "1", "ids": ids}, follow=True)

    # (Another tenant's id may equal one of this tenant's: it then names that record here.)
    assert f"1 deleted, {len(set(ids)) - 1} skipped." in response.content.decode()
    assert _existing(tenant_a, kind, mine) == set()
    assert _existing(tenant_a, kind, others + shared) == {others[0].pk, shared[0].pk}
    assert _existing(tenant_b, kind, elsewhere) == {elsewhere[0].pk}
    with in_tenant(tenant_a):
        refused = AuditEvent.objects.filter(
            action=f"{KINDS[kind][3]}.deleted", target_id__in=[others[0].pk, shared[0].pk]
        )
        assert not refused.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_an_admin_changes_the_owner_of_the_selected_records(tenant_a, kind):
    records = _records(tenant_a, kind)
    response = browser(tenant_a, "admin").post(
        _bulk_url(kind),
        {"action": "assign", "owner": user_of(tenant_a, "sales2").pk, "ids": [r.pk for r in records]},
        follow=True,
    )
    assert "2 reassigned, 0 skipped." in response.content.decode()
    assert set(_owners(tenant_a, kind, records).values()) == {"sales2@alpha.test"}
    with in_tenant(tenant_a):
        assert (
            AuditEvent.objects.filter(
                action=f"{KINDS[kind][3]}.updated", target_id__in=[r.pk for r in records], payload__has_key="owner"
            ).count()
            == 2
        )


@pytest.mark.parametrize("kind", KINDS)
def test_a_salesperson_cannot_give_records_to_someone_else(tenant_a, kind):
    records = _records(tenant_a, kind)
    response = browser(tenant_a, "sales").post(
        _bulk_url(kind), {"action": "assign", "owner": user_of(tenant_a, "sales2").pk, "ids": [r.pk for r in records]}
    )
    assert response.status_code == 400
    assert 'data-testid="bulk-errors"' in response.content.decode()
    assert set(_owners(tenant_a, kind, records).values()) == {"sales@alpha.test"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_salesperson_cannot_take_over_records_out_of_scope_or_only_shared(tenant_a, kind):
    others = _records(tenant_a, kind, owner="sales2", n=1)
    shared = _records(tenant_a, kind, owner="sales2", n=1)
    _share(tenant_a, shared[0], "sales")
    response = browser(tenant_a, "sales").post(
        _bulk_url(kind),
        {"action": "assign", "owner": user_of(tenant_a, "sales").pk, "ids": [others[0].pk, shared[0].pk]},
        follow=True,
    )
    assert "0 reassigned, 2 skipped." in response.content.decode()
    assert set(_owners(tenant_a, kind, others + shared).values()) == {"sales2@alpha.test"}


@pytest.mark.parametrize("kind", ["accounts", "leads"])
def test_set_status_on_the_selected_records(tenant_a, kind):
    records = _records(tenant_a, kind)
    status = "lost" if kind == "accounts" else "qualified"
    response = browser(tenant_a, "sales").post(
        _bulk_url(kind), {"action": "status", "status": status, "ids": [r.pk for r in records]}, follow=True
    )
    assert "Status set on 2, 0 skipped." in response.content.decode()
    with in_tenant(tenant_a):
        assert set(KINDS[kind][1].objects.filter(pk__in=[r.pk for r in records]).values_list("status", flat=True)) == {
            status
        }


def test_a_lead_cannot_be_bulk_converted_by_status(tenant_a):
    records = _records(tenant_a, "leads")
    response = browser(tenant_a, "sales").post(
        _bulk_url("leads"), {"action": "status", "status": "converted", "ids": [r.pk for r in records]}
    )
    assert response.status_code == 400
    with in_tenant(tenant_a):
        assert not Lead.objects.filter(pk__in=[r.pk for r in records], status="converted").exists()


@pytest.mark.parametrize("kind", ["contacts", "deals"])
def test_no_status_action_where_the_kind_has_none(tenant_a, kind):
    records = _records(tenant_a, kind)
    response = browser(tenant_a, "sales").post(
        _bulk_url(kind), {"action": "status", "status": "won", "ids": [r.pk for r in records]}
    )
    assert response.status_code == 400
    assert 'data-testid="bulk-set-status"' not in browser(tenant_a, "sales").get(KINDS[kind][2]).content.decode()


@pytest.mark.parametrize("data", [{"action": "delete"}, {"action": "delete", "ids": ["x", "-3"]}, {"ids": ["1"]}])
def test_nothing_selected_or_no_action_is_a_400_with_a_message(tenant_a, data):
    response = browser(tenant_a, "sales").post(_bulk_url("accounts"), data)
    assert response.status_code == 400
    assert 'data-testid="bulk-errors"' in response.content.decode()


def test_next_elsewhere_goes_back_to_the_list_itself(tenant_a):
    records = _records(tenant_a, "accounts", n=1)
    response = browser(tenant_a, "sales").post(
        _bulk_url("accounts"),
        {"action": "status", "status": "lost", "ids": [records[0].pk], "next": "https://evil.test/accounts/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"


def test_a_hidden_module_has_no_bulk_action(tenant_a):
    records = _records(tenant_a, "leads", n=1)
    with in_tenant(tenant_a):
        access_services.set_module_visibility(by=user_of(tenant_a, "admin"), role="sales", module="leads", hidden=True)
    response = browser(tenant_a, "sales").post(
        _bulk_url("leads"), {"action": "delete", "confirmed": "1", "ids": [records[0].pk]}
    )
    assert response.status_code == 404
    assert _existing(tenant_a, "leads", records) == {records[0].pk}


def test_a_refused_record_leaves_the_others_done(tenant_a):
    records = _records(tenant_a, "leads", n=3)
    with in_tenant(tenant_a):
        Lead.objects.filter(pk=records[1].pk).update(status="converted")  # a converted lead no longer changes
    response = browser(tenant_a, "sales").post(
        _bulk_url("leads"), {"action": "status", "status": "unqualified", "ids": [r.pk for r in records]}, follow=True
    )
    assert "Status set on 2, 1 skipped." in response.content.decode()
    with in_tenant(tenant_a):
        statuses = dict(Lead.objects.filter(pk__in=[r.pk for r in records]).values_list("pk", "status"))
    assert statuses == {records[0].pk: "unqualified", records[1].pk: "converted", records[2].pk: "unqualified"}


def test_the_bulk_bar_and_its_answers_speak_chinese(tenant_a):
    records = _records(tenant_a, "leads")
    client = browser(tenant_a, "sales")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    page = client.get("/leads/").content.decode()
    assert "已选 0 条" in page
    assert "更换负责人" in page and "设置状态" in page and "全选本页" in page and "筛选" in page
    confirm = client.post(_bulk_url("leads"), {"action": "delete", "ids": [r.pk for r in records]}).content.decode()
    assert "将删除 2 条记录" in confirm
    done = client.post(
        _bulk_url("leads"), {"action": "delete", "confirmed": "1", "ids": [r.pk for r in records]}, follow=True
    )
    assert "已删除 2 条，跳过 0 条。" in done.content.decode()
