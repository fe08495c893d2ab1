from datetime import datetime, time

from django.utils import timezone

from crm.accounts.services import create_account
from crm.activities import services
from crm.contacts.services import create_contact
from tests.tenancy import in_tenant, user_of


def make_account(tenant, owner_local="sales", name="Acme"):
    """An account owned by `owner_local`, made by the tenant's admin."""
    with in_tenant(tenant):
        return create_account(by=user_of(tenant, "admin"), name=name, owner=user_of(tenant, owner_local))


def make_contact(tenant, owner_local="sales", account=None, first_name="Ann"):
    with in_tenant(tenant):
        return create_contact(
            by=user_of(tenant, "admin"), first_name=first_name, account=account, owner=user_of(tenant, owner_local)
        )


def log(tenant, by_local="sales", kind="call", subject="Called", **fields):
    """An activity logged by `by_local` through the service."""
    with in_tenant(tenant):
        return services.log_activity(by=user_of(tenant, by_local), kind=kind, subject=subject, **fields)


def at(day, hour=12):
    """An aware datetime on `day` at `hour` o'clock, local time."""
    return timezone.make_aware(datetime.combine(day, time(hour)))
