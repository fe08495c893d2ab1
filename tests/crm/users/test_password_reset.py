""" "Forgot password?" on the login page: a reset link by e-mail on the tenant's host,
the same answer whether or not the e-mail is known, choosing through set_password."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from crm.users.models import ApiToken
from crm.users.services import RESET_REQUEST_LIMIT
from tests.tenancy import PASSWORD, api_client, host, in_tenant, user_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-fresh-reset-passphrase"


@pytest.fixture(autouse=True)
def _no_counters():
    cache.clear()
    yield
    cache.clear()


def main(response):
    """The page's own content (the head differs per request: nonce, CSRF token)."""
    return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)


def ask(tenant, email, capture):
    with capture(execute=True):
        return Client(HTTP_HOST=host(tenant)).post("/password/reset/", {"email": email})


def test_the_login_page_links_to_forgot_password(tenant_a):
    page = Client(HTTP_HOST=host(tenant_a)).get("/login/").content.decode()
    assert 'href="/password/reset/"' in page


def test_a_known_and_an_unknown_email_get_the_same_answer_and_only_the_user_gets_mail(
    tenant_a, django_capture_on_commit_callbacks
):
    known = ask(tenant_a, "SALES@alpha.test", django_capture_on_commit_callbacks)
    unknown = ask(tenant_a, "nobody@alpha.test", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    assert main(known) == main(unknown)
    assert [message.to for message in mail.outbox] == [["sales@alpha.test"]]
    assert f"http://{host(tenant_a)}/password/reset/" in mail.outbox[0].body


def test_the_emailed_link_sets_the_password_and_ends_the_api_tokens(tenant_a, django_capture_on_commit_callbacks):
    sales = user_of(tenant_a, "sales")
    their_api = api_client(tenant_a, sales)
    assert their_api.get("/api/v1/accounts/").status_code == 200
    ask(tenant_a, "sales@alpha.test", django_capture_on_commit_callbacks)
    link = re.search(r"http://\S+/password/reset/\S+/", mail.outbox[0].body).group(0)
    browser = Client(HTTP_HOST=host(tenant_a))
    form_page = browser.get(link.split(host(tenant_a), 1)[1], follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.content.decode()
    done = browser.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/login/"
    assert their_api.get("/api/v1/accounts/").status_code == 401
    with in_tenant(tenant_a):
        assert not ApiToken.objects.filter(user=sales).exists()
    login = Client(HTTP_HOST=host(tenant_a)).post("/login/", {"email": "sales@alpha.test", "password": NEW_PASSWORD})
    assert login.status_code == 302
    old = Client(HTTP_HOST=host(tenant_a)).post("/login/", {"email": "sales@alpha.test", "password": PASSWORD})
    assert old.status_code == 400


def test_requests_beyond_the_limit_send_nothing_more_but_answer_the_same(tenant_a, django_capture_on_commit_callbacks):
    answers = {
        main(ask(tenant_a, "sales@alpha.test", django_capture_on_commit_callbacks))
        for _ in range(RESET_REQUEST_LIMIT + 2)
    }
    assert len(answers) == 1
    assert len(mail.outbox) == RESET_REQUEST_LIMIT


def test_a_bad_email_answers_400_with_the_field_message(tenant_a):
    response = Client(HTTP_HOST=host(tenant_a)).post("/password/reset/", {"email": "not-an-address"})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert mail.outbox == []
