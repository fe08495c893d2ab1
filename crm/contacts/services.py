from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.access import scope
from crm.access.ownership import resolve_owner
from crm.audit import services as audit
from crm.contacts.models import Contact

_EDITABLE = ("first_name", "last_name", "email", "phone", "account", "owner")


def _check_account(by, account):
    # Linking to an account the caller cannot see would reveal that it exists.
    if account is not None and not scope.visible(type(account).objects.filter(pk=account.pk), by).exists():
        raise ValidationError({"account": [_("No such account.")]})


@transaction.atomic
def create_contact(*, by, first_name, last_name="", email="", phone="", account=None, owner=None):
    """Create a contact owned by `owner` (default: `by`), with its audit row."""
    _check_account(by, account)
    contact = Contact.objects.create(
        first_name=first_name, last_name=last_name, email=email, phone=phone,
        account=account, owner=resolve_owner(by=by, owner=owner),
    )
    audit.record(actor=by, action="contact.created", target=contact, payload={"name": str(contact)})
    return contact


@transaction.atomic
def update_contact(*, contact, by, **values):
    """Change the given fields of a contact `by` can see; records old → new."""
    if "account" in values:
        _check_account(by, values["account"])
    if "owner" in values:
        values["owner"] = resolve_owner(by=by, owner=values["owner"])
    diff = audit.changes(contact, _EDITABLE, values)
    for field, value in values.items():
        setattr(contact, field, value)
    contact.save()
    if diff:
        audit.record(actor=by, action="contact.updated", target=contact, payload=diff)
    return contact


@transaction.atomic
def delete_contact(*, contact, by):
    audit.record(actor=by, action="contact.deleted", target=contact, payload={"name": str(contact)})
    contact.delete()
