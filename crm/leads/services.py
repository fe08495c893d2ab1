"""Writes to leads, each with its audit row in the same transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access import scope
from crm.access.ownership import resolve_owner
from crm.accounts.services import create_account
from crm.audit import services as audit
from crm.contacts.services import create_contact
from crm.deals import services as deals
from crm.leads.models import Lead

_EDITABLE = ("first_name", "last_name", "company", "title", "email", "phone", "source", "status", "owner")


def _check_status(status):
    if status == Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("A lead becomes converted only by converting it.")]})


def _validate(lead):
    # The API's serializer checks fields too, but pages and imports reach the
    # services with whatever was typed or uploaded.
    try:
        lead.full_clean(exclude=["owner"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


@transaction.atomic
def create_lead(
    *,
    by,
    first_name,
    last_name="",
    company="",
    title="",
    email="",
    phone="",
    source="",
    status=Lead.Status.NEW,
    owner=None,
):
    """Create a lead owned by `owner` (default: `by`), with its audit row."""
    _check_status(status)
    lead = Lead(
        first_name=first_name,
        last_name=last_name,
        company=company,
        title=title,
        email=email,
        phone=phone,
        source=source,
        status=status,
        owner=resolve_owner(by=by, owner=owner),
    )
    _validate(lead)
    lead.save()
    audit.record(actor=by, action="lead.created", target=lead, payload={"name": lead.full_name})
    return lead


@transaction.atomic
def update_lead(*, lead, by, **values):
    """Change the given fields of a lead `by` can see; a converted lead no longer changes."""
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"detail": _("This lead has been converted; change its account, contact or deal.")})
    if "status" in values:
        _check_status(values["status"])
    if "owner" in values:
        values["owner"] = resolve_owner(by=by, owner=values["owner"])
    diff = audit.changes(lead, _EDITABLE, values)
    for field, value in values.items():
        setattr(lead, field, value)
    _validate(lead)
    lead.save()
    if diff:
        audit.record(actor=by, action="lead.updated", target=lead, payload=diff)
    return lead


@transaction.atomic
def delete_lead(*, lead, by):
    audit.record(actor=by, action="lead.deleted", target=lead, payload={"name": lead.full_name})
    lead.delete()


@transaction.atomic
def convert_lead(*, lead, by, create_deal=False, deal_name=None, amount=None, account=None):
    """Turn a lead into an account (or attach it to `account`, which `by` must be
    able to see), a contact and, if asked, a deal, all in one transaction; mark the
    lead converted with links to them. A lead converts once: a second attempt is
    a ValidationError and changes nothing. The new records belong to the lead's
    owner when `by` may assign to them, else to `by`."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"detail": _("This lead has already been converted.")})
    owner = lead.owner if lead.owner.is_active and scope.may_assign_to(by, lead.owner) else by
    if account is None:
        account = create_account(by=by, name=lead.company or lead.full_name, owner=owner)
    elif not scope.visible(type(account).objects.filter(pk=account.pk), by).exists():
        raise ValidationError({"account": [_("No such account.")]})
    contact = create_contact(
        by=by,
        first_name=lead.first_name,
        last_name=lead.last_name,
        email=lead.email,
        phone=lead.phone,
        account=account,
        owner=owner,
    )
    deal = None
    if create_deal:
        deal = deals.create_deal(
            by=by,
            name=deal_name or lead.company or lead.full_name,
            account=account,
            contacts=[contact],
            amount=amount if amount is not None else 0,
            source=lead.source,
            owner=owner,
        )
    lead.status = Lead.Status.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_account, lead.converted_contact, lead.converted_deal = account, contact, deal
    lead.save()
    audit.record(
        actor=by,
        action="lead.converted",
        target=lead,
        payload={"account": account.pk, "contact": contact.pk, "deal": deal.pk if deal else None},
    )
    return lead
