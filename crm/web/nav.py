"""The sidebar: which areas exist in this build and which of them a user may open."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.access.permissions import custom_object_module, may_administer, usable_modules
from crm.builder.selectors import custom_objects

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Entry:
    module: str | None  # crm.access.permissions.AVAILABLE_MODULES name; None: always shown
    label: "StrOrPromise"
    url_name: str
    admin_only: bool = False


# In sidebar order. An entry whose page is not in the URLconf yet (the area is
# still being built) is left out rather than linking to a 404.
ENTRIES = (
    Entry(None, _("Home"), "home"),
    Entry("accounts", _("Accounts"), "accounts"),
    Entry("contacts", _("Contacts"), "contacts"),
    Entry("pool", _("Customer pool"), "pool"),
    Entry("leads", _("Leads"), "leads"),
    Entry("deals", _("Deals"), "deals"),
    Entry("activities", _("Worklists"), "worklists"),
    Entry("activities", _("Tasks"), "tasks"),
    Entry("approvals", _("Approvals"), "approvals"),
    # Here: one entry per custom object of the tenant (custom_object_entries).
    Entry(None, "", "custom-objects"),
    Entry(None, _("Import"), "imports"),
    Entry(None, _("Settings"), "settings", admin_only=True),
    Entry(None, _("Billing"), "billing", admin_only=True),
    Entry(None, _("Backups"), "backups", admin_only=True),
)


def entries_for(user, current_path=""):
    """(label, url, is_current) for each page `user` may open."""
    found, usable = [], usable_modules(user)
    for entry in ENTRIES:
        if entry.url_name == "custom-objects":
            found += custom_object_entries(user, current_path, usable)
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        if entry.module is not None and entry.module not in usable:
            continue
        if entry.admin_only and not may_administer(user):
            continue
        current = current_path == url if url == "/" else current_path.startswith(url)
        found.append((entry.label, url, current))
    return found


def custom_object_entries(user, current_path, usable):
    """(label, url, is_current) of the tenant's custom objects `user` may use
    (`usable`: their usable_modules), each with its icon before its plural
    label; read from the tenant's schema on every page (no other tenant's
    objects can show)."""
    found = []
    for custom_object in custom_objects():
        if custom_object_module(custom_object.name) not in usable:
            continue
        try:
            url = reverse("custom-records", args=[custom_object.name])
        except NoReverseMatch:
            return []
        label = (
            f"{custom_object.icon} {custom_object.label_plural}" if custom_object.icon else custom_object.label_plural
        )
        found.append((label, url, current_path.startswith(url)))
    return found
