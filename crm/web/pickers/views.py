"""GET /pick/<kind>/?q=...: the records of one kind the user may see that match
what they typed, as the options of a picker (crm/pickers/_matches.html): at most
PICKED of them, each with its name and what tells it apart from a namesake
(a contact's account, e-mail and phone; an account's region and phone; a deal's
account and stage; a lead's company).

What is searched and shown follows the global search (crm.web.search): only
records in the user's scope (crm.web.pickers.fields.SCOPES), only in a module
they may use; a name in either order ("李伟", "伟 李", "Wei Li"); a phone however
it was typed (its normalised key). A field masked for the user's role is
neither searched nor shown: a match on it would tell its value."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from crm.access.masking import MaskedRecord
from crm.access.permissions import custom_object_module, may_use_module
from crm.accounts.matching import phone_key
from crm.builder.selectors import records_visible_to
from crm.contacts import names
from crm.web.contacts import search as search_contacts
from crm.web.masking import masks_for
from crm.web.pickers.fields import SCOPES

PICKED = 20
# Longer text finds nothing a shorter one would not; it only costs the database.
LONGEST = 100


def _by_phone(queryset: QuerySet[Any], found: QuerySet[Any], text: str, masked: frozenset[str]) -> QuerySet[Any]:
    """`found`, and the records of `queryset` whose phone is the number `text` is."""
    key = phone_key(text)
    if not key or "phone" in masked:
        return found
    return queryset.filter(Q(pk__in=found.values("pk")) | Q(phone_key__endswith=key))


def _accounts(queryset, text, masked):
    return _by_phone(queryset, queryset.filter(name__icontains=text), text, masked)


def _contacts(queryset, text, masked):
    return _by_phone(queryset, search_contacts(queryset, text, masked), text, masked)


def _deals(queryset, text, masked):
    return queryset.filter(Q(name__icontains=text) | Q(account__name__icontains=text))


def _leads(queryset, text, masked):
    searched = [f"{field}__icontains" for field in ("first_name", "last_name", "company", "email", "phone")]
    searched = [lookup for lookup in searched if lookup.split("__")[0] not in masked]
    query = Q()
    for word in text.split():
        any_field = Q()
        for lookup in searched:
            any_field |= Q(**{lookup: word})
        query &= any_field
    if not masked & {"first_name", "last_name"}:
        query |= names.name_contains(text)
    return queryset.filter(query)


@dataclass(frozen=True)
class Kind:
    search: Callable[[QuerySet[Any], str, frozenset[str]], QuerySet[Any]]
    # (field, value) of what tells a match apart, read from the record; masked fields are left out.
    details: Callable[[Any], list[tuple[str, str]]]
    order: tuple[str, ...]


def _account_details(account):
    return [("region", account.region), ("phone", account.phone)]


def _contact_details(contact):
    account = contact.account.name if contact.account else ""
    return [("account", account), ("email", contact.email), ("phone", contact.phone)]


def _deal_details(deal):
    return [("account", deal.account.name if deal.account else ""), ("stage", deal.stage.name)]


def _lead_details(lead):
    return [("company", lead.company), ("email", lead.email)]


KINDS = {
    "accounts": Kind(_accounts, _account_details, ("name", "id")),
    "contacts": Kind(_contacts, _contact_details, ("last_name", "first_name", "id")),
    "deals": Kind(_deals, _deal_details, ("name", "id")),
    "leads": Kind(_leads, _lead_details, ("last_name", "first_name", "id")),
}


@login_required
@require_GET
def pick(request, kind):
    """The matches of `kind` (a key of KINDS) for ?q=; empty ?q=: the first ones
    by name, so that a picker shows something when it is opened."""
    spec = KINDS[kind]
    user = request.user
    if not may_use_module(user, kind):
        raise Http404
    masked = masks_for(request)[kind]
    text = request.GET.get("q", "").strip()[:LONGEST]
    records = SCOPES[kind](user).prefetch_related(None)
    if text:
        records = spec.search(records, text, masked)
    found = list(records.order_by(*spec.order)[: PICKED + 1])
    matches = [
        {
            "value": record.pk,
            "label": str(MaskedRecord(record, masked)) if masked else str(record),
            "details": [value for field, value in spec.details(record) if value and field not in masked],
        }
        for record in found[:PICKED]
    ]
    return render(request, "crm/pickers/_matches.html", {"matches": matches, "more": len(found) > PICKED, "q": text})


@login_required
@require_GET
def pick_record(request, object_name):
    """The records of the custom object `object_name` whose name holds ?q= (a
    record's name is its one field never masked); Http404 for an object that
    does not exist or is hidden from the user's role."""
    user = request.user
    if not may_use_module(user, custom_object_module(object_name)):
        raise Http404
    records = records_visible_to(user, object_name, fields=[])
    text = request.GET.get("q", "").strip()[:LONGEST]
    if text:
        records = records.filter(name__icontains=text)
    found = list(records.order_by("name", "id")[: PICKED + 1])
    matches = [{"value": record.pk, "label": record.name, "details": []} for record in found[:PICKED]]
    return render(request, "crm/pickers/_matches.html", {"matches": matches, "more": len(found) > PICKED, "q": text})
