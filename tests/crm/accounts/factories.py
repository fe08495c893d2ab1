from crm.accounts.services import create_account
from crm.contacts.services import create_contact
from tests.tenancy import in_tenant, user_of


def account(tenant, name="Acme Ltd", owner="sales", **details):
    """An account owned by `owner` (a user's e-mail local part), made by the tenant's admin."""
    with in_tenant(tenant):
        return create_account(by=user_of(tenant, "admin"), name=name, owner=user_of(tenant, owner), **details)


def contact(tenant, first_name="Ann", owner="sales", **fields):
    with in_tenant(tenant):
        return create_contact(
            by=user_of(tenant, "admin"), first_name=first_name, owner=user_of(tenant, owner), **fields
        )


def foreign_account(tenant, other_tenant, owner="sales"):
    """An account of `tenant` whose id no account of `other_tenant` has (ids are per schema)."""
    from crm.accounts.models import Account

    while True:
        made = account(tenant, "Foreign Co", owner=owner)
        with in_tenant(other_tenant):
            if not Account.objects.filter(pk=made.pk).exists():
                return made
