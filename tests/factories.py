"""One factory per kind of record, each through the real service (validation,
audit row, custom fields and all), so that tests arrange data the way users
make it. Call them inside the tenant (`with in_tenant(tenant):`), with the
acting user as `by`; every other argument is the service's own and overrides
the defaults here.

    with in_tenant(tenant_a):
        account = make_account(by=user_of(tenant_a, "sales"), industry="Retail")
        deal = make_deal(by=..., account=account, amount="1200")
"""

import itertools
from typing import Any

from crm.accounts import services as account_services
from crm.accounts.models import Account
from crm.activities import services as activity_services
from crm.activities.models import Activity, Task
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.deals import services as deal_services
from crm.deals.models import Deal
from crm.leads import services as lead_services
from crm.leads.models import Lead
from crm.users.models import User

_numbers = itertools.count(1)


def _next() -> int:
    return next(_numbers)


def make_account(*, by: User, **fields: Any) -> Account:
    """crm.accounts.services.create_account; a unique name unless given."""
    fields.setdefault("name", f"Account {_next()}")
    return account_services.create_account(by=by, **fields)


def make_contact(*, by: User, **fields: Any) -> Contact:
    """crm.contacts.services.create_contact; a unique first name unless given."""
    fields.setdefault("first_name", f"Contact {_next()}")
    return contact_services.create_contact(by=by, **fields)


def make_lead(*, by: User, **fields: Any) -> Lead:
    """crm.leads.services.create_lead; a unique first name unless given."""
    fields.setdefault("first_name", f"Lead {_next()}")
    return lead_services.create_lead(by=by, **fields)


def make_deal(*, by: User, **fields: Any) -> Deal:
    """crm.deals.services.create_deal (the default pipeline's first stage unless given)."""
    fields.setdefault("name", f"Deal {_next()}")
    return deal_services.create_deal(by=by, **fields)


def make_task(*, by: User, **fields: Any) -> Task:
    """crm.activities.services.create_task; for `by` unless `assignee` is given."""
    fields.setdefault("title", f"Task {_next()}")
    return activity_services.create_task(by=by, **fields)


def make_activity(*, by: User, **fields: Any) -> Activity:
    """crm.activities.services.log_activity; a note unless `kind` is given."""
    fields.setdefault("kind", Activity.Kind.NOTE)
    fields.setdefault("subject", f"Activity {_next()}")
    return activity_services.log_activity(by=by, **fields)
