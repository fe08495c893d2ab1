"""The bulk bar of the accounts, contacts, leads and deals lists: rows ticked on
the page, then delete (after a confirmation page), change owner or, for
accounts and leads, set status. Every action is a crm.bulk.services call, which
runs each record through its own service: the same permission rules and audit
rows as on a record's page. Ids out of the user's scope are counted as skipped
(crm.bulk.services), never named."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from crm.access.ownership import owner_or_above
from crm.accounts.selectors import account_choices
from crm.bulk import services
from crm.leads.selectors import lead_statuses
from crm.web.decorators import module_page
from crm.web.forms import assignable_owners


@dataclass(frozen=True)
class _List:
    url: str  # URL names: the bulk action, the list
    listing: str


LISTS = {
    "accounts": _List("accounts-bulk", "accounts"),
    "contacts": _List("contacts-bulk", "contacts"),
    "leads": _List("leads-bulk", "leads"),
    "deals": _List("deals-bulk", "deal-page-list"),
}


def _statuses(kind: str) -> list[tuple[str, Any]]:
    offered = services.KINDS[kind].statuses or ()
    if kind == "accounts":
        return [c for c in account_choices()["status"] if c[0] in offered]
    if kind == "leads":
        return [c for c in lead_statuses(settable=True) if c[0] in offered]
    return []


def bulk_bar(kind: str, masked: Any = ()) -> dict[str, Any]:
    """What the list partial's bulk bar needs for list `kind`: where it posts and
    the statuses it offers (none where the status is masked for the user's role:
    the service would refuse it anyway)."""
    return {
        "bulk": {
            "url": reverse(LISTS[kind].url),
            "statuses": [] if "status" in masked else _statuses(kind),
        }
    }


def _back(request: HttpRequest, kind: str) -> str:
    """The list page (with its filters) the bar was on, else the list itself."""
    listing = reverse(LISTS[kind].listing)
    target = request.POST.get("next", "")
    if (
        target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and urlsplit(target).path == listing
    ):
        return target
    return listing


def _refused(request: HttpRequest, kind: str, errors: list[str]) -> HttpResponse:
    return render(
        request,
        "crm/lists/bulk_page.html",
        {"errors": errors, "back": _back(request, kind), "title": _("Selected records")},
        status=400,
    )


def _report(request: HttpRequest, text: str, result: services.BulkResult) -> None:
    note = text % {"done": result.done, "skipped": result.skipped}
    (messages.success if result.done else messages.warning)(request, note)


def _view(kind: str) -> Any:
    @module_page(kind)
    def view(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return redirect(LISTS[kind].listing)
        user: Any = request.user
        ids = services.clean_ids(request.POST.getlist("ids"))
        action = request.POST.get("action", "")
        if not ids:
            return _refused(request, kind, [_("Select at least one record first.")])
        try:
            if action == "delete":
                if request.POST.get("confirmed") != "1":
                    return _confirm_delete(request, kind, ids)
                result = services.bulk_delete(kind=kind, ids=ids, by=user)
                _report(request, _("%(done)s deleted, %(skipped)s skipped."), result)
            elif action == "assign":
                owner_id = request.POST.get("owner", "")
                owner = assignable_owners(user).filter(pk=owner_id).first() if owner_id.isdigit() else None
                if owner is None:
                    return _refused(request, kind, [_("Choose an owner you may assign records to.")])
                result = services.bulk_assign(kind=kind, ids=ids, by=user, owner=owner)
                _report(request, _("%(done)s reassigned, %(skipped)s skipped."), result)
            elif action == "status" and services.KINDS[kind].statuses is not None:
                result = services.bulk_set_status(kind=kind, ids=ids, by=user, status=request.POST.get("status", ""))
                _report(request, _("Status set on %(done)s, %(skipped)s skipped."), result)
            else:
                return _refused(request, kind, [_("Choose an action.")])
        except ValidationError as error:
            return _refused(request, kind, [str(m) for m in error.messages])
        return redirect(_back(request, kind))

    view.__name__ = f"{kind}_bulk"
    return view


def _confirm_delete(request: HttpRequest, kind: str, ids: list[int]) -> HttpResponse:
    """The confirmation page: the records that will go, and how many will be skipped."""
    user: Any = request.user
    records = services.selected(kind=kind, ids=ids, by=user)
    deletable = [r for r in records if owner_or_above(user, r)]
    return render(
        request,
        "crm/lists/bulk_page.html",
        {
            "title": _("Delete the selected records?"),
            "confirm": True,
            "records": deletable,
            "ids": ids,
            "skipped": len(ids) - len(deletable),
            "next": _back(request, kind),
            "back": _back(request, kind),
            "action_url": reverse(LISTS[kind].url),
        },
    )


account_bulk = _view("accounts")
contact_bulk = _view("contacts")
lead_bulk = _view("leads")
deal_bulk = _view("deals")
