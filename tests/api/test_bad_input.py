"""Bad input is a 400 the client can read, never a 500: deeply nested JSON, a NUL
in a URL, a file name longer than a file system allows, a body over the size
limit, a malformed Host header."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from crm.accounts.models import Account
from crm.attachments.models import Attachment
from tests.conftest import api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

NESTED = ["[" * 100_000, '{"a": ' * 50_000]


def lenient(client):
    client.raise_request_exception = False  # a 500 is answered, as in production
    return client


@pytest.fixture
def admin_api(tenant_a):
    return lenient(api_client(tenant_a, user_of(tenant_a, "admin")))


@pytest.fixture
def admin_browser(tenant_a):
    client = Client(HTTP_HOST=host(tenant_a), raise_request_exception=False)
    with in_tenant(tenant_a):
        client.force_login(user_of(tenant_a, "admin"))
    return client


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.mark.parametrize("body", NESTED)
def test_deeply_nested_json_is_400_even_before_signing_in(tenant_a, body):
    response = lenient(api_client(tenant_a)).post("/api/v1/auth/token/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("body", NESTED)
def test_deeply_nested_json_is_400_on_any_endpoint(admin_api, body):
    response = admin_api.post("/api/v1/accounts/", data=body, content_type="application/json")
    assert response.status_code == 400 and "detail" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/?q=a%00b",
        "/contacts/?q=%00",
        "/leads/?q=%00",
        "/deals/list/?q=%00",
        "/pool/?q=%00",
        "/search/?q=%00",
        "/settings/users/?q=%00",
    ],
)
def test_a_nul_in_a_search_box_is_400_not_500(admin_browser, url):
    assert admin_browser.get(url).status_code == 400


@pytest.mark.parametrize(
    "url", ["/api/v1/objects/ab%00c/", "/api/v1/objects/ab%00c/1/", "/api/v1/accounts/?search=%00"]
)
def test_a_nul_in_an_api_url_is_a_json_400(admin_api, url):
    response = admin_api.get(url)
    assert response.status_code == 400
    assert response.json() == {"detail": "Null characters are not allowed."}


LONG_NAME = "季度报告" * 40 + ".pdf"  # 160 characters, 482 bytes of UTF-8


def test_an_upload_with_a_name_too_long_for_the_file_system_is_kept_with_its_name(tenant_a, admin_api, media_root):
    with in_tenant(tenant_a):
        account = Account.objects.create(name="Files Ltd", owner=user_of(tenant_a, "admin"))
    response = admin_api.post(
        "/api/v1/attachments/",
        {"record_type": "account", "record_id": account.pk, "file": SimpleUploadedFile(LONG_NAME, b"%PDF-1.4")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == LONG_NAME
    with in_tenant(tenant_a):
        stored = Attachment.objects.get(pk=response.json()["id"])
    on_disk = stored.file.name.rsplit("/", 1)[1]
    assert len(on_disk.encode()) <= 255 and on_disk.endswith(".pdf")
    download = admin_api.get(f"/api/v1/attachments/{stored.pk}/download/")
    assert download.status_code == 200


def test_the_record_page_takes_a_long_chinese_file_name_too(tenant_a, admin_browser, media_root):
    with in_tenant(tenant_a):
        account = Account.objects.create(name="Files Ltd", owner=user_of(tenant_a, "admin"))
    response = admin_browser.post(f"/accounts/{account.pk}/files/", {"file": SimpleUploadedFile(LONG_NAME, b"x")})
    assert response.status_code in (200, 302)
    assert LONG_NAME in admin_browser.get(f"/accounts/{account.pk}/").content.decode()


def test_a_body_over_the_size_limit_is_a_json_400_on_the_api(admin_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = admin_api.post(
        "/api/v1/attachments/",
        {"record_type": "account", "record_id": 1, "comment": "x" * 5000, "file": SimpleUploadedFile("a.txt", b"x")},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is too large."}


@pytest.mark.parametrize("bad_host", ["bad host!", "a..b/", "[::1"])
def test_a_malformed_host_header_is_a_json_400_on_the_api(bad_host):
    response = Client(HTTP_HOST=bad_host, raise_request_exception=False).get("/api/v1/accounts/")
    assert response.status_code == 400
    assert response.json() == {"detail": "The Host header is not valid."}


def test_a_malformed_host_header_is_still_an_html_400_on_pages():
    response = Client(HTTP_HOST="bad host!", raise_request_exception=False).get("/accounts/")
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
