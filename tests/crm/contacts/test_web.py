"""The contact pages as a browser uses them: export, duplicate warning, share,
merge and files."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.attachments.models import Attachment
from crm.contacts.models import Contact, ContactAccount
from tests.crm.accounts.factories import account, contact
from tests.crm.accounts.test_web import browser
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_the_contact_export_holds_only_the_filtered_contacts_the_user_may_see(tenant_a):
    contact(tenant_a, "Webcx", last_name="Mine", owner="sales")
    contact(tenant_a, "Other", last_name="Person", owner="sales")
    contact(tenant_a, "Webcx", last_name="Theirs", owner="sales2")
    response = browser(tenant_a, "sales").get("/contacts/export/?q=webcx")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row[1], row[2]) for row in rows[1:]] == [("Webcx", "Mine")]


def test_the_contact_list_has_saved_views_and_export_buttons(tenant_a):
    page = browser(tenant_a, "sales").get("/contacts/?q=ann").content.decode()
    assert 'data-testid="saved-views"' in page
    assert 'href="/contacts/export/?q=ann&amp;file_format=xlsx"' in page


def test_a_new_contact_with_a_known_email_is_held_back_until_saved_anyway(tenant_a):
    contact(tenant_a, "Dora", last_name="Dupe", email="dora.dupe@example.test", owner="sales")
    client = browser(tenant_a, "sales")
    fields = {"first_name": "Dorothy", "last_name": "Dupe", "email": "Dora.Dupe@example.test"}
    response = client.post("/contacts/new/", fields)
    assert response.status_code == 400
    assert "Dora Dupe" in response.content.decode()
    with in_tenant(tenant_a):
        assert Contact.objects.filter(email_key="dora.dupe@example.test").count() == 1
    assert client.post("/contacts/new/", {**fields, "save_anyway": "on"}).status_code == 302
    with in_tenant(tenant_a):
        assert Contact.objects.filter(email_key="dora.dupe@example.test").count() == 2


def test_merging_contacts_from_the_page_keeps_the_others_account_links(tenant_a):
    first = account(tenant_a, "Cmerge One", owner="sales")
    second = account(tenant_a, "Cmerge Two", owner="sales")
    keep = contact(tenant_a, "Kim", last_name="Keep", owner="sales", account=first)
    other = contact(tenant_a, "Kim", last_name="Old", owner="sales", account=second)
    client = browser(tenant_a, "sales")
    assert "Kim Old" in client.get(f"/contacts/{keep.pk}/merge/?other={other.pk}").content.decode()
    response = client.post(f"/contacts/{keep.pk}/merge/", {"other": other.pk})
    assert response["Location"] == f"/contacts/{keep.pk}/"
    with in_tenant(tenant_a):
        assert not Contact.objects.filter(pk=other.pk).exists()
        assert set(ContactAccount.objects.filter(contact_id=keep.pk).values_list("account_id", flat=True)) == {
            first.pk,
            second.pk,
        }


def test_merging_in_a_contact_out_of_scope_is_404_and_changes_nothing(tenant_a):
    keep = contact(tenant_a, "Kept", owner="sales")
    theirs = contact(tenant_a, "Theirs", owner="sales2")
    assert browser(tenant_a, "sales").post(f"/contacts/{keep.pk}/merge/", {"other": theirs.pk}).status_code == 404
    with in_tenant(tenant_a):
        assert Contact.objects.filter(pk=theirs.pk).exists()


def test_sharing_a_contact_from_its_page_lets_the_other_user_open_it(tenant_a):
    record = contact(tenant_a, "Shira", owner="sales")
    other = browser(tenant_a, "sales2")
    assert other.get(f"/contacts/{record.pk}/").status_code == 404
    browser(tenant_a, "sales").post(f"/contacts/{record.pk}/share/", {"users": [user_of(tenant_a, "sales2").pk]})
    assert other.get(f"/contacts/{record.pk}/").status_code == 200


def test_a_file_uploaded_from_the_contact_page_is_listed_and_out_of_scope_is_404(tenant_a):
    record = contact(tenant_a, "Fiona", owner="sales")
    client = browser(tenant_a, "sales")
    client.post(f"/contacts/{record.pk}/files/", {"file": SimpleUploadedFile("cv.pdf", b"%PDF-1.4")})
    assert "cv.pdf" in client.get(f"/contacts/{record.pk}/").content.decode()
    response = browser(tenant_a, "sales2").post(
        f"/contacts/{record.pk}/files/", {"file": SimpleUploadedFile("x.txt", b"x")}
    )
    assert response.status_code == 404
    with in_tenant(tenant_a):
        assert list(
            Attachment.objects.filter(object_id=record.pk, content_type__model="contact").values_list("name", flat=True)
        ) == ["cv.pdf"]
