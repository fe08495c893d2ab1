from django.db import transaction

from crm.access.ownership import resolve_owner
from crm.accounts.models import Account
from crm.audit import services as audit

_EDITABLE = ("name", "owner")


@transaction.atomic
def create_account(*, by, name, owner=None):
    """Create an account owned by `owner` (default: `by`), with its audit row."""
    account = Account.objects.create(name=name, owner=resolve_owner(by=by, owner=owner))
    audit.record(actor=by, action="account.created", target=account, payload={"name": name})
    return account


@transaction.atomic
def update_account(*, account, by, **values):
    """Change the given fields of an account `by` can see; records old → new."""
    if "owner" in values:
        values["owner"] = resolve_owner(by=by, owner=values["owner"])
    diff = audit.changes(account, _EDITABLE, values)
    for field, value in values.items():
        setattr(account, field, value)
    account.save()
    if diff:
        audit.record(actor=by, action="account.updated", target=account, payload=diff)
    return account


@transaction.atomic
def delete_account(*, account, by):
    audit.record(actor=by, action="account.deleted", target=account, payload={"name": account.name})
    account.delete()
