"""Quotes and orders as PDF, the company block they print (name, address, logo),
and sending a quote by e-mail (issue 16): what a customer would read in the PDF,
and scopes that hold across users and tenants."""

import io

import pytest
from django.core import mail
from PIL import Image
from pypdf import PdfReader

from crm.access.services import set_sensitive_field
from crm.activities.models import Activity
from crm.sales.models import DocumentSettings, Quote
from tests.api.test_sales_api import client, quote
from tests.crm.deals.factories import make_deal
from tests.factories import make_account, make_contact
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db

BEANS = [
    {"description": "咖啡豆（云南）", "quantity": "12", "unit": "kg", "unit_price": "88.50", "tax_rate": "0.13"},
    {"description": "Espresso machine", "quantity": "1", "unit_price": "4999", "discount": "0.10", "tax_rate": "0.13"},
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def text_of(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def image(kind="PNG", size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    buffer.seek(0)
    buffer.name = f"logo.{kind.lower()}"
    return buffer


def approved(tenant, who="sales", **fields):
    made = quote(tenant, who, lines=BEANS, **fields)
    response = client(tenant, who).post(f"/api/v1/quotes/{made['id']}/submit/")
    assert response.json()["status"] == "approved"
    return made


# The PDF ---------------------------------------------------------------------------


def test_the_pdf_prints_the_company_the_customer_chinese_lines_and_the_total(tenant_a):
    admin = client(tenant_a, "admin")
    response = admin.patch(
        "/api/v1/sales/settings/",
        {
            "company_name": "上海示例贸易有限公司",
            "address": "上海市浦东新区世纪大道 100 号",
            "tax_id": "91310000MA1234567X",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    made = quote(tenant_a, lines=BEANS, terms="Payment within 30 days.")
    # 12 × 88.50 = 1062.00 + 4999 × 0.9 = 4499.10 → 5561.10; tax 138.06 + 584.88 = 722.94
    assert made["total"] == "6284.04"
    text = text_of(client(tenant_a, "sales").get(f"/api/v1/quotes/{made['id']}/pdf/"))
    for expected in (made["number"], "Quoted Co", "咖啡豆", "上海示例贸易有限公司", "91310000MA1234567X"):
        assert expected in text
    assert "¥6,284.04" in text and "¥5,561.10" in text and "Payment within 30 days." in text
    assert "Quote" in text and "Unit price" in text


def test_the_pdf_is_in_the_readers_language(tenant_a):
    made = quote(tenant_a, lines=BEANS)
    sales = client(tenant_a, "sales")
    text = text_of(sales.get(f"/api/v1/quotes/{made['id']}/pdf/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "报价单" in text and "合计" in text and "咖啡豆" in text
    assert "Unit price" not in text


def test_the_logo_uploaded_in_settings_is_printed(tenant_a):
    made = quote(tenant_a, lines=BEANS)
    without = client(tenant_a, "sales").get(f"/api/v1/quotes/{made['id']}/pdf/")
    response = client(tenant_a, "admin").patch("/api/v1/sales/settings/", {"logo": image()}, format="multipart")
    assert response.status_code == 200 and response.json()["has_logo"] is True
    with_logo = client(tenant_a, "sales").get(f"/api/v1/quotes/{made['id']}/pdf/")
    images = [img for page in PdfReader(io.BytesIO(with_logo.content)).pages for img in page.images]
    assert len(images) == 1 and images[0].image.size == (40, 20)
    assert not [img for page in PdfReader(io.BytesIO(without.content)).pages for img in page.images]


def test_a_contacts_masked_last_name_is_not_printed(tenant_a):
    sales_user = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        account = make_account(by=sales_user, name="Masked Co")
        contact = make_contact(by=sales_user, first_name="Wei", last_name="Zhangsecret", account=account)
        set_sensitive_field(by=user_of(tenant_a, "admin"), module="contacts", field="last_name", hidden_from=["sales"])
    made = quote(tenant_a, lines=BEANS, account=account.pk, contact=contact.pk)
    text = text_of(client(tenant_a, "sales").get(f"/api/v1/quotes/{made['id']}/pdf/"))
    assert "Wei" in text and "Zhangsecret" not in text
    assert "Wei Zhangsecret" in text_of(client(tenant_a, "admin").get(f"/api/v1/quotes/{made['id']}/pdf/"))


def test_another_salesperson_and_another_tenant_get_no_pdf(tenant_a, tenant_b):
    made = quote(tenant_a, lines=BEANS)
    assert client(tenant_a, "sales2").get(f"/api/v1/quotes/{made['id']}/pdf/").status_code == 404
    assert client(tenant_b, "admin").get(f"/api/v1/quotes/{made['id']}/pdf/").status_code == 404
    assert client(tenant_a, "director").get(f"/api/v1/quotes/{made['id']}/pdf/").status_code == 200
    # A client that asks for a PDF gets one, and its 404 is still JSON.
    asked = client(tenant_a, "sales").get(f"/api/v1/quotes/{made['id']}/pdf/", HTTP_ACCEPT="application/pdf")
    assert asked.status_code == 200 and asked.content.startswith(b"%PDF")
    refused = client(tenant_a, "sales2").get(f"/api/v1/quotes/{made['id']}/pdf/", HTTP_ACCEPT="application/pdf")
    assert refused.status_code == 404 and refused["Content-Type"] == "application/json"


def test_an_order_has_its_pdf_scoped_like_the_order(tenant_a, tenant_b):
    made = approved(tenant_a)
    order = client(tenant_a, "sales").post(f"/api/v1/quotes/{made['id']}/accept/").json()
    text = text_of(client(tenant_a, "sales").get(f"/api/v1/orders/{order['id']}/pdf/"))
    assert order["number"] in text and "咖啡豆" in text and "¥6,284.04" in text and "Order" in text
    assert client(tenant_a, "sales2").get(f"/api/v1/orders/{order['id']}/pdf/").status_code == 404
    assert client(tenant_b, "admin").get(f"/api/v1/orders/{order['id']}/pdf/").status_code == 404


def test_a_large_chinese_quote_runs_over_pages(tenant_a):
    lines = [{**BEANS[0], "description": f"咖啡豆 第{i}批"} for i in range(1, 51)]
    made = quote(tenant_a, lines=lines)
    response = client(tenant_a, "sales").get(f"/api/v1/quotes/{made['id']}/pdf/")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "咖啡豆 第50批" in text and f"¥{50 * 12 * 88.5 * 1.13:,.2f}" in text


# Document settings -----------------------------------------------------------------


def test_a_logo_must_be_a_small_png_or_jpeg(tenant_a):
    admin = client(tenant_a, "admin")
    fake = io.BytesIO(b"GIF89a not really")
    fake.name = "logo.png"
    response = admin.patch("/api/v1/sales/settings/", {"logo": fake}, format="multipart")
    assert response.status_code == 400 and "logo" in response.json()
    gif = image("GIF")
    assert admin.patch("/api/v1/sales/settings/", {"logo": gif}, format="multipart").status_code == 400
    big = io.BytesIO()
    Image.effect_noise((800, 800), 100).convert("RGB").save(big, "PNG")
    assert big.tell() > 1024 * 1024
    big.seek(0)
    big.name = "big.png"
    response = admin.patch("/api/v1/sales/settings/", {"logo": big}, format="multipart")
    assert response.status_code == 400 and "1 MB" in response.json()["logo"][0]
    assert admin.patch("/api/v1/sales/settings/", {"logo": image("JPEG")}, format="multipart").status_code == 200
    with in_tenant(tenant_a):
        assert DocumentSettings.objects.get().logo.name.endswith(".jpg")
    response = admin.patch("/api/v1/sales/settings/", {"logo": None}, format="json")
    assert response.status_code == 200 and response.json()["has_logo"] is False


def test_only_an_admin_changes_the_document_settings_and_number_formats(tenant_a):
    assert (
        client(tenant_a, "director").patch("/api/v1/sales/settings/", {"company_name": "X"}, format="json").status_code
        == 403
    )
    admin = client(tenant_a, "admin")
    bad = admin.patch("/api/v1/sales/settings/", {"number_formats": {"quote": "Q-{year}"}}, format="json")
    assert bad.status_code == 400 and "number_formats" in bad.json()
    response = admin.patch("/api/v1/sales/settings/", {"number_formats": {"quote": "BJ{year}{seq:05}"}}, format="json")
    assert response.status_code == 200 and response.json()["number_formats"]["quote"] == "BJ{year}{seq:05}"
    assert quote(tenant_a)["number"].endswith("00001") and quote(tenant_a)["number"].startswith("BJ")
    seen = client(tenant_a, "sales").get("/api/v1/sales/settings/").json()
    assert seen["number_formats"]["order"] == "SO-{year}-{seq:04}" and seen["has_logo"] is False


# Sending ---------------------------------------------------------------------------


def test_sending_mails_the_pdf_marks_the_quote_sent_and_logs_an_email_activity(
    tenant_a, django_capture_on_commit_callbacks
):
    deal = make_deal(tenant_a, name="Coffee for HQ", currency="CNY")
    made = approved(tenant_a, deal=deal.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client(tenant_a, "sales").post(
            f"/api/v1/quotes/{made['id']}/send/",
            {"to": "buyer@customer.test", "message": "Please find our quote attached."},
            format="json",
        )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "sent" and response.json()["sent_at"]
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["buyer@customer.test"] and made["number"] in sent.subject
    assert sent.body == "Please find our quote attached."
    ((name, content, kind),) = sent.attachments
    assert kind == "application/pdf" and name == f"{made['number']}.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert made["number"] in text and "咖啡豆" in text
    with in_tenant(tenant_a):
        activity = Activity.objects.get(deal_id=deal.pk)
        assert activity.kind == "email" and made["number"] in activity.subject
        assert activity.account_id == deal.account_id and "buyer@customer.test" in activity.body


def test_a_bad_address_or_a_draft_is_refused_and_nothing_is_sent(tenant_a, django_capture_on_commit_callbacks):
    draft = quote(tenant_a, lines=BEANS)
    sales = client(tenant_a, "sales")
    with django_capture_on_commit_callbacks(execute=True):
        bad = sales.post(f"/api/v1/quotes/{draft['id']}/send/", {"to": "not an address"}, format="json")
        refused = sales.post(f"/api/v1/quotes/{draft['id']}/send/", {"to": "buyer@customer.test"}, format="json")
    assert bad.status_code == 400 and "to" in bad.json()
    assert refused.status_code == 400 and "detail" in refused.json()
    assert mail.outbox == []
    with in_tenant(tenant_a):
        assert Quote.objects.get(pk=draft["id"]).status == "draft"
        assert not Activity.objects.filter(kind="email").exists()


def test_another_salesperson_and_another_tenant_cannot_send(tenant_a, tenant_b):
    made = approved(tenant_a)
    body = {"to": "buyer@customer.test"}
    assert client(tenant_a, "sales2").post(f"/api/v1/quotes/{made['id']}/send/", body, format="json").status_code == 404
    assert client(tenant_b, "admin").post(f"/api/v1/quotes/{made['id']}/send/", body, format="json").status_code == 404
    assert mail.outbox == []
