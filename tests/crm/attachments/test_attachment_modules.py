"""Attachments follow the module permissions of their record's module, not only
the record's visibility: a file on an account is as hidden as the accounts
module is for the caller's role."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.attachments.models import Attachment
from tests.crm.accounts.factories import account, contact
from tests.crm.deals.factories import make_deal
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


def _hide(tenant, module, role="sales", hidden=True):
    response = api_client(tenant, user_of(tenant, "admin")).post(
        "/api/v1/access/modules/", {"role": role, "module": module, "hidden": hidden}, format="json"
    )
    assert response.status_code in (200, 201), response.content


@pytest.fixture
def sales_account_file(tenant_a):
    """An account of `sales` with one file on it, uploaded by its owner."""
    record = account(tenant_a, "Hidden Module Co", owner="sales")
    response = _attach(api_client(tenant_a, user_of(tenant_a, "sales")), "account", record.pk, b"price list")
    assert response.status_code == 201
    return record, response.json()["id"]


def test_sales_gets_404_for_an_accounts_files_once_the_admin_hides_accounts_from_sales(tenant_a, sales_account_file):
    record, attachment_id = sales_account_file
    _hide(tenant_a, "accounts")
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    responses = {
        "list": sales.get(f"/api/v1/attachments/?record_type=account&record_id={record.pk}"),
        "detail": sales.get(f"/api/v1/attachments/{attachment_id}/"),
        "download": sales.get(f"/api/v1/attachments/{attachment_id}/download/"),
        "upload": _attach(sales, "account", record.pk, b"another"),
        "delete": sales.delete(f"/api/v1/attachments/{attachment_id}/"),
    }
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    # Nothing was added or removed by the refused upload and delete.
    with in_tenant(tenant_a):
        assert list(
            Attachment.objects.filter(object_id=record.pk, content_type__model="account").values_list("id", flat=True)
        ) == [attachment_id]


def test_a_hidden_modules_file_answers_exactly_like_a_missing_one(tenant_a, sales_account_file):
    record, attachment_id = sales_account_file
    _hide(tenant_a, "accounts")
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert (
        sales.get(f"/api/v1/attachments/{attachment_id}/download/").json()
        == sales.get("/api/v1/attachments/999999999/download/").json()
    )
    assert (
        sales.get(f"/api/v1/attachments/?record_type=account&record_id={record.pk}").json()
        == sales.get("/api/v1/attachments/?record_type=account&record_id=999999999").json()
    )


def test_hiding_accounts_from_sales_leaves_their_contacts_files_alone(tenant_a):
    person = contact(tenant_a, "Carla", owner="sales")
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    attachment_id = _attach(sales, "contact", person.pk, b"card").json()["id"]
    _hide(tenant_a, "accounts")
    assert sales.get(f"/api/v1/attachments/?record_type=contact&record_id={person.pk}").status_code == 200
    download = sales.get(f"/api/v1/attachments/{attachment_id}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"card"


def test_roles_the_module_is_not_hidden_from_still_get_the_files(tenant_a, sales_account_file):
    _record, attachment_id = sales_account_file
    _hide(tenant_a, "accounts")
    for role in ("director", "admin"):
        client = api_client(tenant_a, user_of(tenant_a, role))
        download = client.get(f"/api/v1/attachments/{attachment_id}/download/")
        assert download.status_code == 200, role
        assert b"".join(download.streaming_content) == b"price list"


def test_sales_deletes_the_file_again_once_the_admin_shows_accounts_again(tenant_a, sales_account_file):
    _record, attachment_id = sales_account_file
    _hide(tenant_a, "accounts")
    _hide(tenant_a, "accounts", hidden=False)
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    assert sales.delete(f"/api/v1/attachments/{attachment_id}/").status_code == 204
    with in_tenant(tenant_a):
        assert not Attachment.objects.filter(pk=attachment_id).exists()


def test_hiding_deals_from_sales_hides_the_files_on_their_deals(tenant_a):
    deal = make_deal(tenant_a, "sales", name="Filed deal")
    sales = api_client(tenant_a, user_of(tenant_a, "sales"))
    attachment_id = _attach(sales, "deal", deal.pk).json()["id"]
    _hide(tenant_a, "deals")
    assert sales.get(f"/api/v1/attachments/?record_type=deal&record_id={deal.pk}").status_code == 404
    assert sales.get(f"/api/v1/attachments/{attachment_id}/download/").status_code == 404
