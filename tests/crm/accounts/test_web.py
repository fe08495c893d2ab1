"""The account pages as a browser uses them (Django's test client on the tenant's
host): list tools (saved views, export) and the actions on an account's page."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crm.access.models import RecordShare
from crm.accounts.models import Account, AccountWatch
from crm.activities.models import Activity
from crm.activities.services import log_activity
from crm.attachments.models import Attachment
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.savedviews.models import SavedView
from crm.savedviews.services import create_saved_view
from tests.crm.accounts.factories import account, contact
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def browser(tenant, who):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, who))
    return client


def _csv_names(response):
    return [row[1] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))][1:]


def _audit(tenant, record, action):
    with in_tenant(tenant):
        return list(AuditEvent.objects.filter(target_type="accounts.account", target_id=record.pk, action=action))


# Export ------------------------------------------------------------------------


def test_the_list_export_holds_only_the_filtered_rows_the_user_may_see_in_the_lists_order(tenant_a):
    account(tenant_a, "Webexp North", owner="sales")
    account(tenant_a, "Webexp South", owner="sales")
    account(tenant_a, "Unrelated Co", owner="sales")
    account(tenant_a, "Webexp Theirs", owner="sales2")
    response = browser(tenant_a, "sales").get("/accounts/export/?q=webexp&sort=-name&file_format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="accounts.csv"' in response["Content-Disposition"]
    assert _csv_names(response) == ["Webexp South", "Webexp North"]


def test_the_xlsx_export_button_writes_the_same_rows_as_a_spreadsheet(tenant_a):
    account(tenant_a, "Xlsxweb Mine", owner="sales")
    account(tenant_a, "Xlsxweb Theirs", owner="sales2")
    response = browser(tenant_a, "sales").get("/accounts/export/?q=xlsxweb&file_format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["Xlsxweb Mine"]


def test_the_account_list_links_its_export_buttons_to_the_current_filters(tenant_a):
    page = browser(tenant_a, "sales").get("/accounts/?q=acme&sort=-name").content.decode()
    assert 'href="/accounts/export/?q=acme&amp;sort=-name&amp;file_format=csv"' in page
    assert 'href="/accounts/export/?q=acme&amp;sort=-name&amp;file_format=xlsx"' in page


def test_the_pool_list_offers_saved_views_but_no_export(tenant_a):
    page = browser(tenant_a, "sales").get("/pool/").content.decode()
    assert 'data-testid="saved-views"' in page
    assert 'data-testid="export"' not in page


# Saved views -------------------------------------------------------------------


def test_saving_the_current_filters_shows_the_list_through_the_new_view(tenant_a):
    client = browser(tenant_a, "sales")
    response = client.post(
        "/saved-views/",
        {
            "list": "accounts",
            "name": "Acme first",
            "query": "q=acme&sort=-name&page=2",
            "next": "/accounts/?q=acme&sort=-name&page=2",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/?q=acme&sort=-name"
    with in_tenant(tenant_a):
        view = SavedView.objects.get(user=user_of(tenant_a, "sales"), list_name="accounts")
    assert (view.name, view.query, view.shared) == ("Acme first", "q=acme&sort=-name", False)
    page = client.get(response["Location"]).content.decode()
    assert '<a href="/accounts/?q=acme&amp;sort=-name" data-testid="saved-view" aria-current="page"' in page


def test_a_view_without_a_name_is_not_saved_and_the_list_says_why(tenant_a):
    client = browser(tenant_a, "sales")
    response = client.post(
        "/saved-views/", {"list": "accounts", "name": " ", "query": "q=acme", "next": "/accounts/?q=acme"}, follow=True
    )
    assert "Give the view a name." in response.content.decode()
    with in_tenant(tenant_a):
        assert not SavedView.objects.filter(user=user_of(tenant_a, "sales")).exists()


def test_a_shared_view_opened_by_a_sales_user_lists_only_that_users_records(tenant_a):
    account(tenant_a, "Sharedview Mine", owner="sales")
    account(tenant_a, "Sharedview Theirs", owner="sales2")
    with in_tenant(tenant_a):
        create_saved_view(
            by=user_of(tenant_a, "admin"),
            list_name="accounts",
            name="All shared-view accounts",
            query="q=sharedview",
            shared=True,
        )
    client = browser(tenant_a, "sales")
    listing = client.get("/accounts/").content.decode()
    assert 'href="/accounts/?q=sharedview"' in listing
    page = client.get("/accounts/?q=sharedview").content.decode()
    assert "Sharedview Mine" in page
    assert "Sharedview Theirs" not in page
    export = client.get("/accounts/export/?q=sharedview")
    assert _csv_names(export) == ["Sharedview Mine"]


def test_another_user_cannot_rename_or_delete_a_shared_view_from_the_list(tenant_a):
    with in_tenant(tenant_a):
        view = create_saved_view(
            by=user_of(tenant_a, "sales"), list_name="accounts", name="Team view", query="q=x", shared=True
        )
    client = browser(tenant_a, "sales2")
    page = client.get("/accounts/").content.decode()
    assert f'action="/saved-views/{view.pk}/"' not in page
    response = client.post(f"/saved-views/{view.pk}/", {"name": "Mine now", "next": "/accounts/"}, follow=True)
    assert "Only the person who saved this view" in response.content.decode()
    client.post(f"/saved-views/{view.pk}/delete/", {"next": "/accounts/"})
    with in_tenant(tenant_a):
        view.refresh_from_db()
        assert (view.name, view.shared) == ("Team view", True)


def test_the_author_renames_unshares_and_deletes_a_view_from_the_list(tenant_a):
    with in_tenant(tenant_a):
        view = create_saved_view(by=user_of(tenant_a, "sales"), list_name="accounts", name="Old", shared=True)
    client = browser(tenant_a, "sales")
    assert client.post(f"/saved-views/{view.pk}/", {"name": "New", "next": "/accounts/"}).status_code == 302
    with in_tenant(tenant_a):
        view.refresh_from_db()
        assert (view.name, view.shared) == ("New", False)
    client.post(f"/saved-views/{view.pk}/delete/", {"next": "/accounts/"})
    with in_tenant(tenant_a):
        assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_private_view_of_someone_else_is_404(tenant_a):
    with in_tenant(tenant_a):
        view = create_saved_view(by=user_of(tenant_a, "sales"), list_name="accounts", name="Private")
    response = browser(tenant_a, "sales2").post(f"/saved-views/{view.pk}/delete/")
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert SavedView.objects.filter(pk=view.pk).exists()


# Release to the pool -----------------------------------------------------------


def test_the_owner_releases_an_account_from_its_page_into_the_pool_with_a_history_row(tenant_a):
    record = account(tenant_a, "Release Me Co", owner="sales")
    client = browser(tenant_a, "sales")
    page = client.get(f"/accounts/{record.pk}/").content.decode()
    assert f'href="/accounts/{record.pk}/release/"' in page
    assert client.get(f"/accounts/{record.pk}/release/").status_code == 200  # the confirmation
    response = client.post(f"/accounts/{record.pk}/release/", {"reason": "No budget this year"})
    assert response.status_code == 302
    assert response["Location"] == "/pool/"
    with in_tenant(tenant_a):
        record.refresh_from_db()
        assert record.owner_id is None and record.pooled_at is not None
    [event] = _audit(tenant_a, record, "pool.released")
    assert event.actor_id == user_of(tenant_a, "sales").pk
    assert event.payload == {"owner": user_of(tenant_a, "sales").pk, "reason": "No budget this year"}
    assert "Release Me Co" in client.get("/pool/").content.decode()


def test_a_sales_user_cannot_release_someone_elses_account(tenant_a):
    record = account(tenant_a, "Not Yours Co", owner="sales")
    response = browser(tenant_a, "sales2").post(f"/accounts/{record.pk}/release/")
    assert response.status_code == 404
    with in_tenant(tenant_a):
        record.refresh_from_db()
        assert record.owner_id == user_of(tenant_a, "sales").pk
    assert _audit(tenant_a, record, "pool.released") == []


def test_a_user_an_account_is_only_shared_with_cannot_release_it(tenant_a):
    record = account(tenant_a, "Shared Only Co", owner="sales")
    with in_tenant(tenant_a):
        from crm.accounts.sharing import share

        share(record=record, by=user_of(tenant_a, "sales"), users=[user_of(tenant_a, "sales2")])
    client = browser(tenant_a, "sales2")
    assert f"/accounts/{record.pk}/release/" not in client.get(f"/accounts/{record.pk}/").content.decode()
    response = client.post(f"/accounts/{record.pk}/release/", follow=True)
    assert "Only the owner" in response.content.decode()
    with in_tenant(tenant_a):
        record.refresh_from_db()
        assert record.owner_id == user_of(tenant_a, "sales").pk
    assert _audit(tenant_a, record, "pool.released") == []


# Watch, share ------------------------------------------------------------------


def test_watching_an_account_from_its_page_shows_a_filled_star(tenant_a):
    record = account(tenant_a, "Key Customer Co", owner="sales")
    client = browser(tenant_a, "sales")
    assert "☆" in client.get(f"/accounts/{record.pk}/").content.decode()
    client.post(f"/accounts/{record.pk}/watch/", {"watch": "1"})
    with in_tenant(tenant_a):
        assert AccountWatch.objects.filter(account=record, user=user_of(tenant_a, "sales")).exists()
    assert "★" in client.get(f"/accounts/{record.pk}/").content.decode()
    client.post(f"/accounts/{record.pk}/watch/", {"watch": "0"}, HTTP_HX_REQUEST="true")
    with in_tenant(tenant_a):
        assert not AccountWatch.objects.filter(account=record).exists()


def test_sharing_from_the_page_lets_the_other_user_open_the_account_and_unsharing_stops_it(tenant_a):
    record = account(tenant_a, "Share Me Co", owner="sales")
    other = browser(tenant_a, "sales2")
    assert other.get(f"/accounts/{record.pk}/").status_code == 404
    owner = browser(tenant_a, "sales")
    owner.post(f"/accounts/{record.pk}/share/", {"users": [user_of(tenant_a, "sales2").pk]})
    assert other.get(f"/accounts/{record.pk}/").status_code == 200
    owner.post(f"/accounts/{record.pk}/unshare/", {"users": [user_of(tenant_a, "sales2").pk]})
    assert other.get(f"/accounts/{record.pk}/").status_code == 404


def test_a_user_an_account_is_shared_with_cannot_share_it_further(tenant_a):
    record = account(tenant_a, "Reshare Co", owner="sales")
    with in_tenant(tenant_a):
        from crm.accounts.sharing import share

        share(record=record, by=user_of(tenant_a, "sales"), users=[user_of(tenant_a, "sales2")])
    browser(tenant_a, "sales2").post(f"/accounts/{record.pk}/share/", {"users": [user_of(tenant_a, "manager").pk]})
    with in_tenant(tenant_a):
        assert list(
            RecordShare.objects.filter(object_id=record.pk, content_type__model="account").values_list(
                "user__email", flat=True
            )
        ) == ["sales2@alpha.test"]


# Merge -------------------------------------------------------------------------


def test_merging_from_the_page_keeps_the_other_accounts_contacts_and_activities(tenant_a):
    keep = account(tenant_a, "Merge Keep Co", owner="sales")
    other = account(tenant_a, "Merge Keep Company Old", owner="sales")
    person = contact(tenant_a, "Mia", owner="sales", account=other)
    with in_tenant(tenant_a):
        activity = log_activity(by=user_of(tenant_a, "sales"), kind="call", subject="Intro call", account=other)
    client = browser(tenant_a, "sales")
    preview = client.get(f"/accounts/{keep.pk}/merge/?other={other.pk}").content.decode()
    assert "Merge Keep Company Old" in preview
    assert "<dt>Contacts</dt><dd>1</dd>" in preview
    assert "<dt>Activities</dt><dd>1</dd>" in preview
    response = client.post(f"/accounts/{keep.pk}/merge/", {"other": other.pk})
    assert response.status_code == 302 and response["Location"] == f"/accounts/{keep.pk}/"
    with in_tenant(tenant_a):
        assert not Account.objects.filter(pk=other.pk).exists()
        assert Contact.objects.get(pk=person.pk).account_id == keep.pk
        assert Activity.objects.get(pk=activity.pk).account_id == keep.pk
    page = client.get(f"/accounts/{keep.pk}/").content.decode()
    assert "Mia" in page and "Intro call" in page and "account.merged" in page


def test_the_merge_page_offers_only_accounts_the_user_can_see(tenant_a):
    keep = account(tenant_a, "Pickme Keep", owner="sales")
    account(tenant_a, "Pickme Mine", owner="sales")
    account(tenant_a, "Pickme Theirs", owner="sales2")
    page = browser(tenant_a, "sales").get(f"/accounts/{keep.pk}/merge/?q=pickme").content.decode()
    assert "Pickme Mine" in page
    assert "Pickme Theirs" not in page


def test_merging_in_an_account_out_of_scope_is_404_and_changes_nothing(tenant_a):
    keep = account(tenant_a, "Scope Keep Co", owner="sales")
    theirs = account(tenant_a, "Scope Theirs Co", owner="sales2")
    response = browser(tenant_a, "sales").post(f"/accounts/{keep.pk}/merge/", {"other": theirs.pk})
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert Account.objects.filter(pk=theirs.pk).exists()
    assert _audit(tenant_a, keep, "account.merged") == []


# Files -------------------------------------------------------------------------


def test_a_file_uploaded_from_the_account_page_is_listed_and_downloads(tenant_a):
    record = account(tenant_a, "Files Page Co", owner="sales")
    client = browser(tenant_a, "sales")
    response = client.post(f"/accounts/{record.pk}/files/", {"file": SimpleUploadedFile("offer.txt", b"the offer")})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        attachment = Attachment.objects.get(object_id=record.pk, content_type__model="account")
    page = client.get(f"/accounts/{record.pk}/").content.decode()
    assert f'href="/files/{attachment.pk}/"' in page and "offer.txt" in page
    download = client.get(f"/files/{attachment.pk}/")
    assert b"".join(download.streaming_content) == b"the offer"
    client.post(f"/files/{attachment.pk}/delete/")
    with in_tenant(tenant_a):
        assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_uploading_to_an_account_out_of_scope_is_404_and_stores_nothing(tenant_a):
    record = account(tenant_a, "Files Theirs Co", owner="sales")
    response = browser(tenant_a, "sales2").post(
        f"/accounts/{record.pk}/files/", {"file": SimpleUploadedFile("x.txt", b"x")}
    )
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert not Attachment.objects.filter(object_id=record.pk, content_type__model="account").exists()


def test_a_file_of_an_account_out_of_scope_neither_downloads_nor_deletes(tenant_a):
    record = account(tenant_a, "Files Private Co", owner="sales")
    browser(tenant_a, "sales").post(f"/accounts/{record.pk}/files/", {"file": SimpleUploadedFile("p.txt", b"p")})
    with in_tenant(tenant_a):
        attachment = Attachment.objects.get(object_id=record.pk, content_type__model="account")
    other = browser(tenant_a, "sales2")
    assert other.get(f"/files/{attachment.pk}/").status_code == 404
    assert other.post(f"/files/{attachment.pk}/delete/").status_code == 404
    with in_tenant(tenant_a):
        assert Attachment.objects.filter(pk=attachment.pk).exists()


# Duplicate warning -------------------------------------------------------------


def test_a_new_account_that_looks_like_an_existing_one_is_held_back_until_saved_anyway(tenant_a):
    account(tenant_a, "Dupecheck Trading Ltd", owner="sales")
    client = browser(tenant_a, "sales")
    response = client.post("/accounts/new/", {"name": "DUPECHECK TRADING Limited"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Dupecheck Trading Ltd" in page and 'name="save_anyway"' in page
    with in_tenant(tenant_a):
        assert Account.objects.filter(name_key="dupecheck trading").count() == 1
    response = client.post("/accounts/new/", {"name": "DUPECHECK TRADING Limited", "save_anyway": "on"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        assert Account.objects.filter(name_key="dupecheck trading").count() == 2
