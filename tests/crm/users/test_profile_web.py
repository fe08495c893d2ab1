"""/me/: the signed-in user's name and language, linked from the sidebar."""

import pytest
from django.test import Client

from crm.audit.models import AuditEvent
from crm.users.models import User
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def browser(tenant, local):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def test_the_sidebar_links_the_users_name_to_their_profile_with_time_zone_and_password(tenant_a):
    client = browser(tenant_a, "sales")
    home = client.get("/").content.decode()
    assert 'href="/me/" data-testid="my-profile"' in home
    page = client.get("/me/").content.decode()
    assert 'href="/me/time-zone/"' in page and 'href="/password/"' in page
    assert "sales@alpha.test" in page


def test_a_user_sets_their_name_and_language_and_gets_the_language_on_every_page(tenant_a):
    client = browser(tenant_a, "sales")
    response = client.post("/me/", {"name": "王伟", "language": "zh-hans"})
    assert response.status_code == 302
    with in_tenant(tenant_a):
        user = User.objects.get(email="sales@alpha.test")
        assert (user.name, user.language) == ("王伟", "zh-hans")
        event = AuditEvent.objects.get(action="user.profile_changed", target_id=user.pk)
        assert event.payload["language"] == ["", "zh-hans"]
    # The browser asks for English; the user's choice wins.
    page = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "zh-hans"
    assert "王伟" in page.content.decode()
    # Back to the browser's language.
    client.post("/me/", {"name": "王伟", "language": ""})
    assert client.get("/me/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"


def test_bad_profile_input_answers_400_with_field_messages(tenant_a):
    client = browser(tenant_a, "sales")
    response = client.post("/me/", {"name": "", "language": "klingon"})
    assert response.status_code == 400
    with in_tenant(tenant_a):
        user = User.objects.get(email="sales@alpha.test")
        assert user.language == ""
        assert not AuditEvent.objects.filter(action="user.profile_changed").exists()


def test_the_profile_needs_a_sign_in(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a)).get("/me/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_language_switcher_changes_a_chosen_language_too(tenant_a):
    client = browser(tenant_a, "sales")
    client.post("/me/", {"name": "王伟", "language": "zh-hans"})
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/me/"})
    assert response.status_code == 302
    assert client.get("/me/", HTTP_ACCEPT_LANGUAGE="zh-hans")["Content-Language"] == "en"
    with in_tenant(tenant_a):
        assert User.objects.get(email="sales@alpha.test").language == "en"


# The photo ---------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _photo_client(tenant, local="sales"):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user_of(tenant, local))
    return client


def test_a_user_uploads_a_photo_that_colleagues_see_and_removes_it(tenant_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    mine = _photo_client(tenant_a, "sales")
    response = mine.post("/me/photo/", {"photo": SimpleUploadedFile("me.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    sales = user_of(tenant_a, "sales")
    assert 'data-testid="profile-photo"' in mine.get("/me/").content.decode()
    seen = _photo_client(tenant_a, "sales2").get(f"/users/{sales.pk}/photo/")
    assert seen.status_code == 200 and seen["Content-Type"] == "image/png" and seen.content == PNG
    assert mine.post("/me/photo/", {"remove": "1"}).status_code == 302
    assert _photo_client(tenant_a, "sales2").get(f"/users/{sales.pk}/photo/").status_code == 404


def test_a_file_that_is_no_picture_or_too_big_is_refused_and_nothing_changes(tenant_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.users.models import UserPhoto

    mine = _photo_client(tenant_a, "sales")
    fake = mine.post("/me/photo/", {"photo": SimpleUploadedFile("me.png", b"<svg/>", content_type="image/png")})
    assert fake.status_code == 400 and "PNG, JPEG or WebP" in fake.content.decode()
    big = mine.post("/me/photo/", {"photo": SimpleUploadedFile("me.png", PNG + b"\x00" * 600_000)})
    assert big.status_code == 400 and "512 KB" in big.content.decode()
    with in_tenant(tenant_a):
        assert not UserPhoto.objects.exists()


def test_a_photo_is_not_served_to_another_tenant_or_anyone_signed_out(tenant_a, tenant_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _photo_client(tenant_a, "sales").post("/me/photo/", {"photo": SimpleUploadedFile("me.png", PNG)})
    pk = user_of(tenant_a, "sales").pk
    assert Client(HTTP_HOST=host(tenant_a)).get(f"/users/{pk}/photo/").status_code == 302  # to the login page
    other = _photo_client(tenant_b, "sales").get(f"/users/{pk}/photo/")
    assert other.status_code == 404
