"""The files card on a deal's page: upload, list, download and delete through
crm.attachments, within the user's scope, like an account's or a contact's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.attachments.models import Attachment
from tests.conftest import api_client, in_tenant, user_of
from tests.crm.deals.factories import make_deal
from tests.crm.deals.test_web import browser

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def files_of(tenant, deal):
    with in_tenant(tenant):
        return list(Attachment.objects.filter(object_id=deal.pk, content_type__model="deal"))


def test_a_file_uploaded_from_the_deal_page_is_listed_downloads_and_deletes(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Files Deal")
    client = browser(tenant_a, "sales")

    assert 'data-testid="attachments"' in client.get(f"/deals/{deal.pk}/").content.decode()
    response = client.post(f"/deals/{deal.pk}/files/", {"file": SimpleUploadedFile("quote.txt", b"the quote")})
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    [attachment] = files_of(tenant_a, deal)
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert f'href="/files/{attachment.pk}/"' in page and "quote.txt" in page
    assert f'action="/deals/{deal.pk}/files/"' in page

    download = client.get(f"/files/{attachment.pk}/")
    assert b"".join(download.streaming_content) == b"the quote"

    deleted = client.post(f"/files/{attachment.pk}/delete/")
    assert deleted.status_code == 302 and deleted["Location"] == f"/deals/{deal.pk}/"
    assert files_of(tenant_a, deal) == []
    assert f'href="/files/{attachment.pk}/"' not in client.get(f"/deals/{deal.pk}/").content.decode()


def test_a_file_added_through_the_api_shows_on_the_deal_page(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Api Files Deal")
    api = api_client(tenant_a, user_of(tenant_a, "sales"))
    created = api.post(
        "/api/v1/attachments/",
        {"record_type": "deal", "record_id": deal.pk, "file": SimpleUploadedFile("spec.pdf", b"%PDF-1.4")},
        format="multipart",
    )
    assert created.status_code == 201, created.content

    page = browser(tenant_a, "sales").get(f"/deals/{deal.pk}/").content.decode()
    assert "spec.pdf" in page


def test_uploading_to_a_deal_out_of_scope_is_404_and_stores_nothing(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Theirs Files Deal")

    response = browser(tenant_a, "sales2").post(f"/deals/{deal.pk}/files/", {"file": SimpleUploadedFile("x.txt", b"x")})

    assert response.status_code == 404
    assert files_of(tenant_a, deal) == []


def test_a_file_of_a_deal_out_of_scope_neither_downloads_nor_deletes(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Private Files Deal")
    browser(tenant_a, "sales").post(f"/deals/{deal.pk}/files/", {"file": SimpleUploadedFile("p.txt", b"p")})
    [attachment] = files_of(tenant_a, deal)
    other = browser(tenant_a, "sales2")

    assert other.get(f"/files/{attachment.pk}/").status_code == 404
    assert other.post(f"/files/{attachment.pk}/delete/").status_code == 404
    assert files_of(tenant_a, deal) == [attachment]


def test_uploading_without_a_file_says_so_and_stores_nothing(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Empty Upload Deal")
    client = browser(tenant_a, "sales")

    response = client.post(f"/deals/{deal.pk}/files/", {}, follow=True)

    assert response.status_code == 200
    assert "Choose a file to upload." in response.content.decode()
    assert files_of(tenant_a, deal) == []
