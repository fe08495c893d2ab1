"""Search, filter, sort and paginate a selector's queryset for a list page, and
the tools every list page offers over it: saved views and export."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse

from crm.builder import query as builder_query
from crm.builder import selectors as builder
from crm.exports import selectors as exports
from crm.exports import writers
from crm.savedviews.selectors import may_change, saved_views_for
from crm.savedviews.services import clean_query
from crm.web import custom_fields
from crm.web.masking import masks_for

PAGE_SIZE = 25
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class ListPage:
    page: object
    sort: str
    params: dict = field(default_factory=dict)
    # Every row the filters and sort select, on all pages (what an export writes).
    rows: object = None
    # Custom fields (crm.builder FieldDefs): the list layout's columns, the fields
    # the filter form offers, the sort keys of custom columns, and the names of
    # the records the page's lookup values point at.
    columns: list = field(default_factory=list)
    filter_fields: list = field(default_factory=list)
    sortable: set = field(default_factory=set)
    lookup_names: dict = field(default_factory=dict)
    custom_filtered: bool = False

    @property
    def active_filters(self):
        """How many filters narrow the list (the sort is not one), for the phone's "Filters (N)" button."""
        return sum(1 for name, value in self.params.items() if value and name != "sort")

    def query_without(self, names):
        """The current filters as a query string without the comma-separated `names`
        (for sort and page links)."""
        names = names.split(",")
        return urlencode({k: v for k, v in self.params.items() if k not in names and v})


def list_page(request, queryset, *, sorts, default_sort, filters=(), custom=None):
    """`queryset` (already scoped by a selector) narrowed by the request's filters,
    ordered by one of `sorts` (name -> order_by fields; "-name" descends) and cut
    into pages. `filters` are (parameter, function(queryset, value)) pairs.
    `custom` (an object name of crm.builder) adds that object's custom fields:
    the list layout's columns, ?<field>= filters and sorts on them. A custom
    field masked for the user's role is shown (masked) but neither searched,
    filtered nor sorted by: each would tell its hidden value."""
    params, extra = {}, {}
    if custom is not None:
        # Annotated first, so a page's own filters (its search) can read them too.
        fields = builder.fields_for(custom)
        queryset = builder_query.with_custom_fields(queryset, custom, fields)
        masked = masks_for(request)[custom_fields.module_of(custom)]
        unmasked = [f for f in fields if f.api_key not in masked]
    for name, apply in filters:
        value = request.GET.get(name, "").strip()
        if value:
            params[name] = value
            narrowed = apply(queryset, value)
            if name == "q" and custom is not None:
                # The search box also finds the text in the custom text fields.
                condition = builder_query.search_condition(unmasked, value)
                if condition is not None:
                    narrowed = narrowed | queryset.filter(condition)
            queryset = narrowed
    if custom is not None:
        queryset, sorts, extra = _custom_filters_and_sorts(request, queryset, custom, fields, sorts, params, masked)
    sort = request.GET.get("sort", default_sort)
    if sort.lstrip("-") not in sorts:
        sort = default_sort
    params["sort"] = sort
    fields = sorts[sort.lstrip("-")]
    if sort.startswith("-"):
        fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
    queryset = queryset.order_by(*fields)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    listing = ListPage(page=page, sort=sort, params=params, rows=queryset, **extra)
    if any(column.type == "lookup" for column in listing.columns):
        listing.lookup_names = custom_fields.lookup_names(request.user, listing.columns, page.object_list)
    return listing


def _custom_filters_and_sorts(request, queryset, object_name, fields, sorts, params, masked):
    """The custom `fields` of `object_name` on a list whose `queryset` has their
    values annotated under their API keys (crm.builder.query, so filters and
    sorts use the columns' indexes): the list layout's columns, the request's
    ?<field>= filters applied, a sort per sortable column. A key a built-in
    filter or sort already uses stays the built-in's. A `masked` field keeps
    its column but gets no filter and no sort (a ?<field>= on it is ignored,
    as the page's own filters ignore one on a masked built-in field)."""
    visible = [f for f in fields if not f.hidden]
    # The list layout names the columns (built-in lists: the custom ones after the
    # page's own; custom objects: also "name" and "owner", which their page draws).
    by_name = {f.name: f for f in visible}
    columns = [by_name[name] for name in builder.layout_for(object_name, "list") if name in by_name]
    filter_fields = [f for f in visible if f.filterable and f.api_key not in params and f.api_key not in masked]
    wanted = {}
    for key, value in request.GET.items():
        value = value.strip()
        if value and any(key == f.api_key or key.startswith(f"{f.api_key}__") for f in filter_fields):
            wanted[key] = value
    if wanted:
        try:
            queryset = builder_query.filter_custom(queryset, filter_fields, wanted)
        except ValidationError:
            # A value the field cannot hold matches nothing, as a bad built-in filter does.
            queryset = queryset.none()
        params.update(wanted)
    sorts = dict(sorts)
    sortable = set()
    for column in columns:
        if column.sortable and column.api_key not in sorts and column.api_key not in masked:
            sorts[column.api_key] = [column.api_key, "id"]
            sortable.add(column.api_key)
    return (
        queryset,
        sorts,
        {"columns": columns, "filter_fields": filter_fields, "sortable": sortable, "custom_filtered": bool(wanted)},
    )


def export_response(request, listing, *, kind, module=None):
    """The rows of `listing` (every page, its filters and sort) as the CSV or XLSX
    file of ?file_format=, through crm.exports: rows outside the user's scope
    never appear, masked fields stay masked, formula-like cells are defused.
    ?values=codes heads the columns with the API's keys and writes choices' codes
    (default: labels, in the reader's language, for people)."""
    file_format = request.GET.get("file_format", "csv")
    if file_format not in EXPORT_FORMATS:
        file_format = "csv"
    values = request.GET.get("values", "labels")
    if values not in exports.VALUES:
        values = "labels"
    header, rows = exports.export_table(
        kind=kind, user=request.user, queryset=listing.rows, module=module, values=values
    )
    content = writers.write(file_format, header, rows, title=kind)
    response = HttpResponse(content, content_type=writers.CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{kind}.{file_format}"'
    return response


def list_tools(request, list_name, export_url=None):
    """What crm/_list_tools.html shows above list `list_name` ("accounts", ...,
    "cx:vehicle"): the user's and the shared saved views, the one now applied,
    and the export links when the list has an export page (`export_url`, else
    the URL named "<list_name>-export")."""
    query = clean_query(request.GET.urlencode())
    views = list(saved_views_for(request.user, list_name))
    for view in views:
        view.changeable = may_change(request.user, view)
    if export_url is None:
        try:
            export_url = reverse(f"{list_name}-export")
        except NoReverseMatch:
            export_url = None
    return {
        "list_name": list_name,
        "list_url": request.path,
        "query": query,
        "views": views,
        "current": next((view for view in views if view.query == query), None),
        "export_url": export_url,
        "export_formats": EXPORT_FORMATS,
        "next": request.get_full_path(),
    }
