"""Deal registration (商机报备): the tenant's rule says which deals need it;
registering submits the deal to the approval engine as `deal_registration`,
and the deal's page shows where its registration stands."""

from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client

from crm.access.models import ModulePermission
from crm.activities.models import Notification
from crm.approvals import services as approvals
from crm.audit.models import AuditEvent
from crm.deals import registration
from crm.deals.models import RegistrationRule
from crm.teams.models import Team, TeamMembership
from tests.crm.deals.factories import make_deal
from tests.tenancy import host, in_tenant, user_of

pytestmark = pytest.mark.django_db


def rule(tenant, threshold, currency="CNY"):
    with in_tenant(tenant):
        RegistrationRule.objects.update_or_create(
            pk=1, defaults={"threshold": None if threshold is None else Decimal(threshold), "currency": currency}
        )


def needs(tenant, deal):
    with in_tenant(tenant):
        return registration.needs_registration(deal)


@pytest.fixture
def east(tenant_a):
    with in_tenant(tenant_a):
        team = Team.objects.create(name="East", manager=user_of(tenant_a, "manager"))
        TeamMembership.objects.create(user=user_of(tenant_a, "sales"), team=team)
    return team


def test_a_deal_above_the_threshold_in_its_currency_needs_registration(tenant_a):
    rule(tenant_a, "100000")
    assert needs(tenant_a, make_deal(tenant_a, amount="100000.01", currency="CNY")) is True
    assert needs(tenant_a, make_deal(tenant_a, amount="100000.00", currency="CNY")) is False


def test_a_deal_in_another_currency_never_needs_it(tenant_a):
    rule(tenant_a, "100000")
    assert needs(tenant_a, make_deal(tenant_a, amount="900000.00", currency="USD")) is False


def test_without_a_threshold_no_deal_needs_it(tenant_a):
    rule(tenant_a, None)
    assert needs(tenant_a, make_deal(tenant_a, amount="900000.00")) is False


def test_the_kind_gives_the_deals_amount_currency_stage_and_owner(tenant_a):
    deal = make_deal(tenant_a, amount="1234.50", stage="Proposal")
    with in_tenant(tenant_a):
        assert registration.values(deal) == {
            "amount": Decimal("1234.50"),
            "currency": deal.currency,
            "stage": "Proposal",
            "owner": user_of(tenant_a, "sales").pk,
        }


def test_the_kind_hides_deals_from_a_role_the_deals_module_is_hidden_from(tenant_a):
    deal = make_deal(tenant_a, "sales")
    with in_tenant(tenant_a):
        ModulePermission.objects.create(role="sales", module="deals", hidden=True)
        with pytest.raises(Http404):
            registration.get_for_user(user_of(tenant_a, "sales"), deal.pk)


def test_the_owner_hears_when_their_manager_registered_their_deal(tenant_a, east):
    deal = make_deal(tenant_a, "sales", name="Harbour cranes")
    with in_tenant(tenant_a):
        # The manager registers it; without a flow the manager's own manager
        # (none: the admin) approves.
        request = approvals.submit(kind=registration.KIND, subject=deal, by=user_of(tenant_a, "manager"))
        task = request.tasks.get()
        approvals.approve(task=task, by=task.approver)
        assert Notification.objects.filter(
            user=user_of(tenant_a, "sales"), text="Your deal is registered: Harbour cranes"
        ).exists()


def test_the_deals_page_shows_its_registration_approved(tenant_a, east):
    rule(tenant_a, "100")
    deal = make_deal(tenant_a, "sales", amount="5000.00")
    with in_tenant(tenant_a):
        request = approvals.submit(kind=registration.KIND, subject=deal, by=user_of(tenant_a, "sales"))
        approvals.approve(task=request.tasks.get(), by=user_of(tenant_a, "manager"))
    client = Client(HTTP_HOST=host(tenant_a))
    with in_tenant(tenant_a):
        client.force_login(user_of(tenant_a, "sales"))
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="approval-status">Approved' in page and "Register<" not in page


def test_the_admin_changes_the_rule_with_an_audit_row(tenant_a):
    with in_tenant(tenant_a):
        changed = registration.update_rule(by=user_of(tenant_a, "admin"), threshold=Decimal("50000"), currency="USD")
        assert (changed.threshold, changed.currency) == (Decimal("50000"), "USD")
        assert AuditEvent.objects.filter(action="deal.registration_rule_changed").exists()
