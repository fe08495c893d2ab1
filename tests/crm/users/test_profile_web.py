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
