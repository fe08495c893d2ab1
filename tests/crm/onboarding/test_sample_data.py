"""Load sample data in one click, remove it in one click: exactly the sample rows
go, whatever the user made (or hung on a sample) stays."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from crm.accounts.models import Account
from crm.activities.models import Activity, Task
from crm.audit.models import AuditEvent
from crm.contacts.models import Contact
from crm.deals.models import Deal
from crm.onboarding import selectors, services
from crm.onboarding.models import SampleRecord
from tests.factories import make_account, make_activity, make_deal
from tests.tenancy import host, in_tenant, sign_up, user_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(spare_pool):
    tenant = sign_up()
    return tenant, user_of(tenant, "owner")


def _client(tenant, user):
    client = Client(HTTP_HOST=host(tenant))
    with in_tenant(tenant):
        client.force_login(user)
    return client


def _counts():
    return {model.__name__: model.objects.count() for model in (Account, Contact, Deal, Activity, Task)}


def test_one_click_loads_a_marked_sample_set_over_the_pipeline(fresh):
    tenant, owner = fresh
    response = _client(tenant, owner).post("/onboarding/sample/load/", {"next": "/"}, follow=True)
    assert response.status_code == 200
    assert "Sample data loaded" in response.content.decode()
    with in_tenant(tenant):
        assert _counts() == {"Account": 4, "Contact": 4, "Deal": 4, "Activity": 4, "Task": 4}
        assert SampleRecord.objects.count() == 20
        assert Deal.objects.values("stage").distinct().count() > 1
        assert AuditEvent.objects.filter(action="onboarding.sample_loaded", actor=owner).exists()
        assert Account.objects.filter(name="Northwind Traders (sample)").exists()


def test_the_sample_set_is_in_chinese_for_a_chinese_admin(fresh):
    tenant, owner = fresh
    _client(tenant, owner).post("/onboarding/sample/load/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    with in_tenant(tenant):
        assert Account.objects.filter(name="上海精密机械有限公司（示例）").exists()


def test_loading_twice_is_refused_and_makes_nothing_more(fresh):
    tenant, owner = fresh
    client = _client(tenant, owner)
    client.post("/onboarding/sample/load/")
    html = client.post("/onboarding/sample/load/", follow=True).content.decode()
    assert "Sample data is already loaded." in html
    with in_tenant(tenant):
        assert Account.objects.count() == 4


def test_removal_deletes_the_samples_even_edited_and_nothing_the_user_made(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        services.load_sample_data(by=owner, language="en")
        mine = make_account(by=owner, name="My real customer")
        my_deal = make_deal(by=owner, account=mine, name="My real deal")
        sample_account = Account.objects.get(name="Atlas Furniture (sample)")
        sample_account.name = "Atlas Furniture Ltd"  # edited by the user: still sample data
        sample_account.save()

    response = _client(tenant, owner).post("/onboarding/sample/remove/", {"next": "/"}, follow=True)

    assert "Sample data removed: 20 records." in response.content.decode()
    with in_tenant(tenant):
        assert list(Account.objects.values_list("name", flat=True)) == ["My real customer"]
        assert list(Deal.objects.values_list("pk", flat=True)) == [my_deal.pk]
        assert Contact.objects.count() == Activity.objects.count() == Task.objects.count() == 0
        assert not selectors.sample_data_loaded()
        assert AuditEvent.objects.filter(action="onboarding.sample_removed", payload__removed=20).exists()


def test_a_sample_that_the_users_own_record_refers_to_stays_with_that_record(fresh):
    tenant, owner = fresh
    with in_tenant(tenant):
        services.load_sample_data(by=owner, language="en")
        sample_account = Account.objects.get(name="Northwind Traders (sample)")
        my_activity = make_activity(by=owner, account=sample_account, subject="Real call")

        removal = services.remove_sample_data(by=owner)

        assert removal.kept == 1 and removal.removed == 19
        my_activity.refresh_from_db()
        assert my_activity.account_id == sample_account.pk
        assert list(Account.objects.values_list("name", flat=True)) == ["Northwind Traders (sample)"]
        # Still marked: removing again later takes it once the user's record lets go.
        assert SampleRecord.objects.filter(object_id=sample_account.pk, model="accounts.account").exists()


def test_only_admins_may_remove_sample_data(tenant_a):
    admin, director = user_of(tenant_a, "admin"), user_of(tenant_a, "director")
    with in_tenant(tenant_a):
        services.load_sample_data(by=admin, language="en")
        before = _counts()
    assert _client(tenant_a, director).post("/onboarding/sample/remove/").status_code == 404
    with in_tenant(tenant_a):
        assert _counts() == before
        with pytest.raises(PermissionDenied):
            services.remove_sample_data(by=director)
        assert _counts() == before


def test_the_settings_page_offers_load_then_remove(fresh):
    tenant, owner = fresh
    client = _client(tenant, owner)
    assert 'data-testid="sample-load"' in client.get("/settings/").content.decode()
    client.post("/onboarding/sample/load/", {"next": "/settings/"})
    assert 'data-testid="sample-remove"' in client.get("/settings/").content.decode()
