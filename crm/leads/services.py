"""Writes to leads, each with its audit row in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access import permissions, scope
from crm.access.ownership import check_may_delete, new_owner, resolve_owner
from crm.accounts.models import Account
from crm.accounts.services import create_account
from crm.audit import services as audit
from crm.audit import versions
from crm.builder import services as builder
from crm.contacts.services import create_contact
from crm.deals import services as deals
from crm.leads.models import Lead

if TYPE_CHECKING:
    from crm.users.models import User

_EDITABLE = ("first_name", "last_name", "company", "title", "email", "phone", "source", "status", "owner")


def _check_status(status: str) -> None:
    if status == Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("A lead becomes converted only by converting it.")]})


def _validate(lead: Lead) -> None:
    # The API's serializer checks fields too, but pages and imports reach the
    # services with whatever was typed or uploaded.
    try:
        lead.full_clean(exclude=["owner"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


@transaction.atomic
def create_lead(
    *,
    by: User,
    first_name: str,
    last_name: str = "",
    company: str = "",
    title: str = "",
    email: str = "",
    phone: str = "",
    source: str = "",
    status: str | None = None,
    owner: User | None = None,
    custom: Mapping[str, Any] | None = None,
) -> Lead:
    """Create a lead owned by `owner` (default: `by`), with its custom field
    values (`custom`: {api_key: value} already checked by crm.builder.values)
    and its audit rows, in one transaction. `status` defaults to new. A field
    masked for `by`'s role (crm.access.permissions) may not be given a value."""
    details = {
        "last_name": last_name,
        "company": company,
        "title": title,
        "email": email,
        "phone": phone,
        "source": source,
        "status": status,
    }
    given = [name for name, value in details.items() if value not in (None, "")]
    permissions.check_writable(by, "leads", [*given, *(custom or {})])
    details["status"] = status = status or Lead.Status.NEW
    _check_status(status)
    lead = Lead(first_name=first_name, owner=resolve_owner(by=by, owner=owner), **details)
    _validate(lead)
    lead.save()
    audit.record(actor=by, action="lead.created", target=lead, payload={"name": lead.full_name})
    if custom:
        builder.set_custom_values(object_name="leads", record_id=lead.pk, values=custom, by=by)
    return lead


@transaction.atomic
def update_lead(
    *,
    lead: Lead,
    by: User,
    custom: Mapping[str, Any] | None = None,
    expected_version: str | None = None,
    **values: Any,
) -> Lead:
    """Change the given fields (and `custom` field values) of a lead `by` can see,
    in one transaction; a converted lead no longer changes.

    Only what changes is written, on the row as it is now, locked; nothing
    changed, nothing written. `expected_version` (crm.audit.versions):
    StaleRecord, and nothing written, when the lead is no longer at that
    version. A field masked for `by`'s role is refused (ValidationError naming
    it); a new owner only from its owner, their managers, directors and admins
    (PermissionDenied)."""
    unknown = set(values) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"update_lead() got unexpected fields {sorted(unknown)}")
    versions.lock(lead)
    versions.check(lead, expected_version)
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"detail": _("This lead has been converted; change its account, contact or deal.")})
    permissions.check_writable(by, "leads", [*values, *(custom or {})])
    if "status" in values:
        _check_status(values["status"])
    if "owner" in values:
        values["owner"] = new_owner(by=by, record=lead, owner=values["owner"])
    diff = audit.changes(lead, _EDITABLE, values)
    for field in diff:
        setattr(lead, field, values[field])
    _validate(lead)
    changed = dict(diff)
    if custom:
        changed.update(builder.set_custom_values(object_name="leads", record_id=lead.pk, values=custom, by=by))
    if diff:
        audit.record(actor=by, action="lead.updated", target=lead, payload=diff)
    if changed:
        # Last, after the audit rows: the new version is stamped after them.
        lead.save(update_fields=sorted({*diff, "updated_at"}))
    return lead


@transaction.atomic
def delete_lead(*, lead: Lead, by: User, expected_version: str | None = None) -> None:
    """Delete a lead (its owner, their managers, directors and admins only:
    PermissionDenied otherwise), with its audit row; StaleRecord when it is no
    longer at `expected_version`."""
    versions.lock(lead)
    versions.check(lead, expected_version)
    check_may_delete(by=by, record=lead)
    audit.record(actor=by, action="lead.deleted", target=lead, payload={"name": lead.full_name})
    lead.delete()


def _account_source(source: str) -> str:
    """A lead's source (crm.deals.models.Source) as an account's: the same
    choices, but "web" is "website" there; "" when there is none."""
    if not source:
        return ""
    value = "website" if source == "web" else source
    return value if value in Account.Source.values else ""


@transaction.atomic
def convert_lead(
    *,
    lead: Lead,
    by: User,
    create_deal: bool = False,
    deal_name: str | None = None,
    amount: Decimal | None = None,
    account: Account | None = None,
) -> Lead:
    """Turn a lead into an account (or attach it to `account`, which `by` must be
    able to see), a contact and, if asked, a deal, all in one transaction; mark the
    lead converted with links to them. A lead converts once: a second attempt is
    a ValidationError and changes nothing. The new records belong to the lead's
    owner when `by` may assign to them, else to `by`.

    An `amount` is refused (ValidationError) when the deals' amount is masked for
    `by`'s role; the lead's values (last name, e-mail, phone, title, source) are not
    copied into a field of the new account, contact or deal masked for that role: those
    stay empty, and the lead's `not_copied` ({module: [field]}), which its
    `lead.converted` audit row also holds, names them."""
    if amount is not None:
        permissions.check_writable(by, "deals", ["amount"])
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"detail": _("This lead has already been converted.")})
    owner = lead.owner if lead.owner.is_active and scope.may_assign_to(by, lead.owner) else by
    not_copied: dict[str, list[str]] = {}
    if account is None:
        source = _account_source(lead.source)
        copied, not_copied["accounts"] = permissions.writable_values(
            by, "accounts", {"source": source} if source else {}
        )
        account = create_account(by=by, name=lead.company or lead.full_name, owner=owner, **copied)
    elif not scope.visible(type(account)._default_manager.filter(pk=account.pk), by).exists():
        raise ValidationError({"account": [_("No such account.")]})
    copied, not_copied["contacts"] = permissions.writable_values(
        by,
        "contacts",
        {
            "last_name": lead.last_name,
            "email": lead.email,
            "phone": lead.phone,
            **({"title": lead.title} if lead.title else {}),
        },
    )
    contact = create_contact(by=by, first_name=lead.first_name, account=account, owner=owner, **copied)
    deal = None
    if create_deal:
        copied, not_copied["deals"] = permissions.writable_values(by, "deals", {"source": lead.source})
        deal = deals.create_deal(
            by=by,
            name=deal_name or lead.company or lead.full_name,
            account=account,
            contacts=[contact],
            amount=amount,
            owner=owner,
            **copied,
        )
    not_copied = {module: names for module, names in not_copied.items() if names}
    lead.status = Lead.Status.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_account, lead.converted_contact, lead.converted_deal = account, contact, deal
    payload: dict[str, Any] = {"account": account.pk, "contact": contact.pk, "deal": deal.pk if deal else None}
    if not_copied:
        payload["not_copied"] = not_copied
    audit.record(actor=by, action="lead.converted", target=lead, payload=payload)
    lead.save()
    lead.not_copied = not_copied
    return lead
