import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.accounts.models import Account
from crm.attachments.models import Attachment
from tests.crm.accounts.factories import account
from tests.tenancy import api_client, in_tenant, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def _attach(client, record_type, record_id, content=b"hello", name="notes.txt"):
    return client.post(
        "/api/v1/attachments/",
        {"record_type": record_type, "record_id": record_id, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def _download(response):
    return b"".join(response.streaming_content)


def test_the_owner_attaches_a_file_stored_in_the_tenants_directory_and_downloads_it(tenant_a, media_root):
    record = account(tenant_a, "Files Co", owner="sales")
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    response = _attach(client, "account", record.pk, b"contract text")
    assert response.status_code == 201
    attachment_id = response.json()["id"]
    with in_tenant(tenant_a):
        stored = Attachment.objects.get(pk=attachment_id).file.name
    assert stored.startswith(f"{tenant_a.schema_name}/attachments/account/{record.pk}/")
    assert (media_root / stored).read_bytes() == b"contract text"
    listed = client.get(f"/api/v1/attachments/?record_type=account&record_id={record.pk}")
    assert [a["id"] for a in listed.json()] == [attachment_id]
    assert _download(client.get(f"/api/v1/attachments/{attachment_id}/download/")) == b"contract text"


def test_a_user_who_cannot_see_the_record_gets_404_for_its_files(tenant_a):
    record = account(tenant_a, "Private Files Co", owner="sales")
    attachment_id = _attach(api_client(tenant_a, user_of(tenant_a, "sales")), "account", record.pk).json()["id"]
    other = api_client(tenant_a, user_of(tenant_a, "sales2"))
    assert other.get(f"/api/v1/attachments/{attachment_id}/download/").status_code == 404
    assert other.get(f"/api/v1/attachments/{attachment_id}/").status_code == 404
    assert other.get(f"/api/v1/attachments/?record_type=account&record_id={record.pk}").status_code == 404
    assert _attach(other, "account", record.pk).status_code == 404


def test_a_file_of_tenant_a_is_never_served_on_tenant_bs_host(tenant_a, tenant_b):
    record = account(tenant_a, "Tenant A Files", owner="sales")
    attachment_id = _attach(
        api_client(tenant_a, user_of(tenant_a, "admin")), "account", record.pk, b"secret of A"
    ).json()["id"]
    b_admin = api_client(tenant_b, user_of(tenant_b, "admin"))
    with in_tenant(tenant_a):
        a_file = Attachment.objects.get(pk=attachment_id).file.name
    with in_tenant(tenant_b):
        assert not Attachment.objects.filter(pk=attachment_id).exists()
    assert b_admin.get(f"/api/v1/attachments/{attachment_id}/download/").status_code == 404
    # Even a row in B that names A's file (say, restored from the wrong backup) is not served.
    b_record = account(tenant_b, "Tenant B Co", owner="sales")
    with in_tenant(tenant_b):
        forged = Attachment.objects.create(
            content_type=ContentType.objects.get_for_model(Account),
            object_id=b_record.pk,
            file=a_file,
            name="x",
            size=1,
        )
    assert b_admin.get(f"/api/v1/attachments/{forged.pk}/download/").status_code == 404


def test_an_attachment_on_a_contact_and_on_a_deal_of_someone_else_is_404(tenant_a):
    client = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert _attach(client, "contact", 999999999).status_code == 404
    assert _attach(client, "deal", 999999999).status_code == 404
