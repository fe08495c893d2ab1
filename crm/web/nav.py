"""The sidebar: which areas exist in this build and which of them a user may open."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.access.permissions import may_administer, usable_modules


@dataclass(frozen=True)
class Entry:
    module: str | None  # crm.access.permissions.MODULES name; None: always shown
    label: str
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
    Entry(None, _("Import"), "imports"),
    Entry(None, _("Settings"), "settings", admin_only=True),
    Entry(None, _("Billing"), "billing", admin_only=True),
    Entry(None, _("Backups"), "backups", admin_only=True),
)


def entries_for(user, current_path=""):
    """(label, url, is_current) for each page `user` may open."""
    found, usable = [], usable_modules(user)
    for entry in ENTRIES:
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
