"""Deleting an account, a contact, a lead or a deal from its page: GET asks to
confirm, POST (carrying the version the page showed) deletes through the
record's service, which decides who may (crm.access.ownership.check_may_delete,
as for the API) and refuses a stale version. The record is fetched through its
scoped getter first, so one out of the user's scope is a 404."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access.ownership import owner_or_above
from crm.accounts import services as account_services
from crm.accounts.selectors import account_get_for_user
from crm.audit import versions
from crm.contacts import services as contact_services
from crm.contacts.selectors import contact_get_for_user
from crm.deals import services as deal_services
from crm.deals.selectors import deal_get_for_user
from crm.leads import services as lead_services
from crm.leads.selectors import lead_get_for_user
from crm.web.decorators import module_page


def may_delete(user: Any, record: Any) -> bool:
    """Whether the record's page offers Delete: the rule the delete services apply."""
    return owner_or_above(user, record)


@dataclass(frozen=True)
class Kind:
    module: str
    get: Callable[[Any, Any], Any]
    delete: Callable[..., None]
    argument: str  # the service's keyword for the record
    detail: str  # URL names
    listing: str
    title: Promise


KINDS = {
    "account": Kind(
        "accounts",
        account_get_for_user,
        account_services.delete_account,
        "account",
        "account",
        "accounts",
        gettext_lazy("Delete account"),
    ),
    "contact": Kind(
        "contacts",
        contact_get_for_user,
        contact_services.delete_contact,
        "contact",
        "contact",
        "contacts",
        gettext_lazy("Delete contact"),
    ),
    "lead": Kind(
        "leads", lead_get_for_user, lead_services.delete_lead, "lead", "lead", "leads", gettext_lazy("Delete lead")
    ),
    "deal": Kind(
        "deals",
        deal_get_for_user,
        deal_services.delete_deal,
        "deal",
        "deal",
        "deal-page-list",
        gettext_lazy("Delete deal"),
    ),
}


def _page(request: HttpRequest, kind: Kind, record: Any, *, version: str, status: int = 200) -> HttpResponse:
    return render(
        request,
        "crm/delete_page.html",
        {
            "record": record,
            "title": kind.title,
            "version": version,
            "cancel": reverse(kind.detail, args=[record.pk]),
        },
        status=status,
    )


def _view(name: str) -> Callable[..., HttpResponse]:
    kind = KINDS[name]

    @module_page(kind.module)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        record = kind.get(request.user, pk)
        if not may_delete(request.user, record):
            raise PermissionDenied(_("Only the owner, their managers and directors may delete this record."))
        if request.method != "POST":
            return _page(request, kind, record, version=versions.version_of(record))
        label = str(record)
        try:
            version = request.POST.get("version") or None
            kind.delete(by=request.user, expected_version=version, **{kind.argument: record})
        except versions.StaleRecord as stale:
            messages.error(request, str(stale))
            record.refresh_from_db()
            return _page(request, kind, record, version=versions.version_of(record), status=409)
        messages.success(request, _("“%(name)s” deleted.") % {"name": label})
        return redirect(kind.listing)

    view.__name__ = f"{name}_delete"
    return view


account_delete = _view("account")
contact_delete = _view("contact")
lead_delete = _view("lead")
deal_delete = _view("deal")
