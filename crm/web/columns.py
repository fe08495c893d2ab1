"""The column spec of a list page: which columns its table shows, how each
header sorts and each cell renders, given to the one list partial every list
uses (crm/templates/crm/_list_table.html, as NetBox's htmx/table.html).

A Column names its header, the row's value it shows (an attribute path; a
method is called, as `get_status_display`) and the cell template that renders
it (crm/templates/crm/lists/cells/<cell>.html, given `row` and `value`). Its
header sorts by `sort`, unless the field `mask` is masked for the user's role
(a sort would tell the hidden order). CUSTOM marks where the list layout's
custom field columns go.
"""

from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext_lazy as _

from crm.web.bulk import bulk_bar


@dataclass(frozen=True)
class Column:
    label: Any = ""
    value: str = ""
    cell: str = "text"
    sort: str = ""
    mask: str = ""
    css: str = ""
    custom: bool = False

    @property
    def template(self) -> str:
        return f"crm/lists/cells/{self.cell}.html"


# The list layout's custom field columns (listing.columns), in its order.
CUSTOM = Column(custom=True)


@dataclass(frozen=True)
class Header:
    column: Column
    # The sort key of the header's link, or "" for a plain label.
    sort: str


@dataclass(frozen=True)
class ListSpec:
    # The id of the element the table is drawn in (htmx swaps it), and the table's test id.
    table: str
    testid: str
    columns: tuple[Column, ...]
    # The row when nothing matches, across `empty_colspan` columns (plus the custom ones if `colspan_counts_custom`).
    empty: Any
    empty_colspan: int
    colspan_counts_custom: bool = False
    row_testid: str = ""
    # The id of the hidden sort input a header click updates out of band (htmx), if the page's filter form has one.
    sort_input: str = ""
    # A template drawn above the table (the deals' weighted total).
    above: str = ""
    # The kind of crm.bulk.services the rows can be ticked for (a checkbox per row and the bulk bar), or "".
    bulk: str = ""

    def without(self, *values: str) -> "ListSpec":
        """The same list without the columns showing `values` (a column the list layout leaves out)."""
        return replace(self, columns=tuple(c for c in self.columns if c.custom or c.value not in values))


def list_table(spec: ListSpec, masked: Any = ()) -> dict[str, Any]:
    """The context the list partial needs: the spec and its headers, sortable
    unless their field is in `masked` (the names masked for the user's role),
    and the bulk bar's options for a list with one."""
    headers = [Header(column, "" if column.mask and column.mask in masked else column.sort) for column in spec.columns]
    context = {"list_spec": spec, "list_headers": headers}
    if spec.bulk:
        context.update(bulk_bar(spec.bulk, masked))
    return context


ACCOUNTS = ListSpec(
    table="account-table",
    testid="account-list",
    columns=(
        Column(_("Name"), "name", cell="account_name", sort="name"),
        Column(_("Status"), "get_status_display", sort="status", mask="status"),
        Column(_("Level"), "get_level_display", sort="level", mask="level"),
        Column(_("Industry"), "industry", sort="industry", mask="industry"),
        Column(_("Owner"), "owner", cell="optional", sort="owner"),
        Column(
            _("Last contacted"),
            "last_contacted_at",
            cell="date_or_mask",
            sort="last_contacted",
            mask="last_contacted_at",
        ),
        Column(_("Next contact"), "next_contact_at", cell="date", sort="next_contact"),
        Column(_("Updated"), "updated_at", cell="datetime", sort="updated"),
        CUSTOM,
    ),
    empty=_("No accounts found."),
    empty_colspan=8,
    sort_input="account-sort",
    bulk="accounts",
)

CONTACTS = ListSpec(
    table="contact-table",
    testid="contact-list",
    columns=(
        Column(_("Name"), "", cell="contact_name", sort="name"),
        Column(_("Job title"), "title", sort="title", mask="title"),
        Column(_("Account"), "account", cell="account_link", sort="account"),
        Column(_("Role"), "get_role_display"),
        Column(_("E-mail"), "email", cell="email", sort="email", mask="email"),
        Column(_("Phone"), "phone", cell="phone"),
        Column(_("Owner"), "owner", sort="owner"),
        Column(_("Created"), "created_at", cell="date", sort="created"),
        CUSTOM,
    ),
    empty=_("No contacts found."),
    empty_colspan=8,
    sort_input="contact-sort",
    bulk="contacts",
)

LEADS = ListSpec(
    table="lead-table",
    testid="lead-list",
    columns=(
        Column(_("Name"), "", cell="lead_name", sort="name"),
        Column(_("Company"), "company", cell="lead_company", sort="company", mask="company"),
        Column(_("E-mail"), "email", cell="email"),
        Column(_("Phone"), "phone", cell="phone"),
        Column(_("Status"), "get_status_display", sort="status", mask="status"),
        Column(_("Source"), "get_source_display", sort="source", mask="source"),
        Column(_("Owner"), "owner", sort="owner"),
        Column(_("Created"), "created_at", cell="date", sort="created"),
        CUSTOM,
    ),
    empty=_("No leads found."),
    empty_colspan=8,
    bulk="leads",
)

DEALS = ListSpec(
    table="deal-table",
    testid="deal-list",
    columns=(
        Column(_("Name"), "", cell="deal_name", sort="name"),
        Column(_("Account"), "account", cell="account_link", sort="account"),
        Column(_("Amount"), "", cell="deal_amount", sort="amount", mask="amount", css="num"),
        Column(_("Stage"), "", cell="deal_stage", sort="stage"),
        Column(_("Status"), "", cell="deal_status"),
        Column(
            _("Expected close"), "expected_close_date", cell="date_or_mask", sort="close", mask="expected_close_date"
        ),
        Column(_("Source"), "get_source_display"),
        Column(_("Owner"), "owner", sort="owner"),
        Column(_("Updated"), "updated_at", cell="date", sort="updated"),
        CUSTOM,
    ),
    empty=_("No deals found."),
    empty_colspan=9,
    row_testid="deal-row",
    above="crm/deals/_list_total.html",
    bulk="deals",
)

# A custom object's records; the owner column only where the user may see owners (custom_records.without("owner")).
CUSTOM_RECORDS = ListSpec(
    table="record-table",
    testid="record-list",
    columns=(
        Column(_("Name"), "", cell="record_name", sort="name"),
        CUSTOM,
        Column(_("Owner"), "owner", cell="record_owner", sort="owner"),
        Column(_("Created"), "created_at", cell="date", sort="created"),
    ),
    empty=_("Nothing found."),
    empty_colspan=3,
    colspan_counts_custom=True,
    sort_input="record-sort",
)
