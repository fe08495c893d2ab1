"""tests/factories.py: each factory makes its record through the real service."""

import pytest

from crm.audit.models import AuditEvent
from tests.factories import make_account, make_activity, make_contact, make_deal, make_lead, make_task
from tests.tenancy import in_tenant, user_of

pytestmark = pytest.mark.django_db


def test_each_factory_makes_a_record_through_its_service_with_its_audit_row(tenant_a):
    sales = user_of(tenant_a, "sales")
    with in_tenant(tenant_a):
        account = make_account(by=sales)
        records = [
            account,
            make_contact(by=sales, account=account),
            make_lead(by=sales),
            make_deal(by=sales, account=account),
        ]
        make_task(by=sales, account=account)
        make_activity(by=sales, account=account)
        for record in records:
            assert record.pk and record.owner == sales
            assert AuditEvent.objects.filter(target_id=record.pk, action__endswith=".created").exists()
        assert make_account(by=sales).name != account.name
