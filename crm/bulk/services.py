"""Bulk actions on accounts, contacts, leads and deals: delete, change owner,
set status (accounts and leads).

Each selected record is fetched through the acting user's scoped selector and
handed to the record's own service (delete_account, update_lead, ...), which
decides who may (crm.access.ownership: owner, their managers, directors,
admins) and writes the record's audit row. So a bulk action can do nothing a
single-record action would refuse. Ids the user cannot see (forged, deleted,
another tenant's) are not looked at further: they are counted as skipped,
exactly like records the user sees but may not change, so the answer tells
nothing about records out of scope. Everything runs in one transaction, each
record in its own savepoint, so a refused record leaves no partial write."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from crm.access.ownership import resolve_owner
from crm.accounts import services as account_services
from crm.accounts.models import Account
from crm.accounts.selectors import accounts_visible_to
from crm.contacts import services as contact_services
from crm.contacts.selectors import contacts_visible_to
from crm.deals import services as deal_services
from crm.deals.selectors import deals_visible_to
from crm.leads import services as lead_services
from crm.leads.models import Lead
from crm.leads.selectors import leads_visible_to

if TYPE_CHECKING:
    from crm.users.models import User

# More than any page shows (25 rows), few enough to run in one request.
MAX_RECORDS = 500


@dataclass(frozen=True)
class BulkResult:
    done: int
    skipped: int


@dataclass(frozen=True)
class _Kind:
    visible: Callable[[Any], QuerySet[Any]]
    delete: Callable[..., None]
    update: Callable[..., Any]
    argument: str  # the services' keyword for the record
    # The statuses a bulk "set status" may choose (None: the kind has no such action).
    statuses: tuple[str, ...] | None = None


KINDS: dict[str, _Kind] = {
    "accounts": _Kind(
        accounts_visible_to,
        account_services.delete_account,
        account_services.update_account,
        "account",
        tuple(Account.Status.values),
    ),
    "contacts": _Kind(contacts_visible_to, contact_services.delete_contact, contact_services.update_contact, "contact"),
    "leads": _Kind(
        leads_visible_to,
        lead_services.delete_lead,
        lead_services.update_lead,
        "lead",
        # Converted is reached only by converting a lead.
        tuple(s for s in Lead.Status.values if s != Lead.Status.CONVERTED),
    ),
    "deals": _Kind(deals_visible_to, deal_services.delete_deal, deal_services.update_deal, "deal"),
}


def clean_ids(ids: Iterable[object]) -> list[int]:
    """The distinct record ids among `ids` (form values); anything not a number is dropped."""
    found = {int(str(i)) for i in ids if str(i).isdigit() and 0 < int(str(i)) < 2**63}
    return sorted(found)[:MAX_RECORDS]


def selected(*, kind: str, ids: Iterable[object], by: User) -> list[Any]:
    """The records of `kind` among `ids` that `by` may see (the others are left out)."""
    wanted = clean_ids(ids)
    if not wanted:
        return []
    return list(KINDS[kind].visible(by).filter(pk__in=wanted).order_by("pk"))


def _each(kind: str, ids: Iterable[object], by: User, action: Callable[[_Kind, Any], None]) -> BulkResult:
    wanted = clean_ids(ids)
    records = selected(kind=kind, ids=wanted, by=by)
    done = 0
    for record in records:
        try:
            with transaction.atomic():
                action(KINDS[kind], record)
        except (PermissionDenied, ValidationError):
            continue
        done += 1
    return BulkResult(done=done, skipped=len(wanted) - done)


@transaction.atomic
def bulk_delete(*, kind: str, ids: Iterable[object], by: User) -> BulkResult:
    """Delete the records of `kind` among `ids` that `by` may delete
    (check_may_delete, through each record's delete service, with its audit row);
    the rest, and ids out of `by`'s scope, are skipped."""
    return _each(kind, ids, by, lambda k, record: k.delete(by=by, **{k.argument: record}))


@transaction.atomic
def bulk_assign(*, kind: str, ids: Iterable[object], by: User, owner: User) -> BulkResult:
    """Make `owner` the owner of the records of `kind` among `ids` whose owner `by`
    may change (crm.access.ownership.new_owner, through each record's update
    service, with its audit row). ValidationError on `owner`, and nothing
    changed, when `by` may not assign records to `owner` at all."""
    resolve_owner(by=by, owner=owner)
    return _each(kind, ids, by, lambda k, record: k.update(by=by, owner=owner, **{k.argument: record}))


@transaction.atomic
def bulk_set_status(*, kind: str, ids: Iterable[object], by: User, status: str) -> BulkResult:
    """Set the status of the records of `kind` (accounts, leads) among `ids` that
    `by` may edit, through each record's update service (which refuses a status
    masked for `by`'s role, and a converted lead). ValidationError on `status`
    for a status the action does not offer."""
    statuses = KINDS[kind].statuses
    if statuses is None or status not in statuses:
        raise ValidationError({"status": [_("Choose one of the statuses offered.")]})
    return _each(kind, ids, by, lambda k, record: k.update(by=by, status=status, **{k.argument: record}))
