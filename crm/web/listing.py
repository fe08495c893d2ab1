"""Search, filter, sort and paginate a selector's queryset for a list page, and
the tools every list page offers over it: saved views and export."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse

from crm.exports import selectors as exports
from crm.exports import writers
from crm.savedviews.selectors import may_change, saved_views_for
from crm.savedviews.services import clean_query

PAGE_SIZE = 25
EXPORT_FORMATS = ("csv", "xlsx")


@dataclass
class ListPage:
    page: object
    sort: str
    params: dict = field(default_factory=dict)
    # Every row the filters and sort select, on all pages (what an export writes).
    rows: object = None

    def query_without(self, names):
        """The current filters as a query string without the comma-separated `names`
        (for sort and page links)."""
        names = names.split(",")
        return urlencode({k: v for k, v in self.params.items() if k not in names and v})


def list_page(request, queryset, *, sorts, default_sort, filters=()):
    """`queryset` (already scoped by a selector) narrowed by the request's filters,
    ordered by one of `sorts` (name -> order_by fields; "-name" descends) and cut
    into pages. `filters` are (parameter, function(queryset, value)) pairs."""
    params = {}
    for name, apply in filters:
        value = request.GET.get(name, "").strip()
        if value:
            params[name] = value
            queryset = apply(queryset, value)
    sort = request.GET.get("sort", default_sort)
    if sort.lstrip("-") not in sorts:
        sort = default_sort
    params["sort"] = sort
    fields = sorts[sort.lstrip("-")]
    if sort.startswith("-"):
        fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
    queryset = queryset.order_by(*fields)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return ListPage(page=page, sort=sort, params=params, rows=queryset)


def export_response(request, listing, *, kind, module=None):
    """The rows of `listing` (every page, its filters and sort) as the CSV or XLSX
    file of ?file_format=, through crm.exports: rows outside the user's scope
    never appear, masked fields stay masked, formula-like cells are defused."""
    file_format = request.GET.get("file_format", "csv")
    if file_format not in EXPORT_FORMATS:
        file_format = "csv"
    rows = exports.export_rows(kind=kind, user=request.user, queryset=listing.rows, module=module)
    content = writers.write(file_format, exports.header(kind), rows, title=kind)
    response = HttpResponse(content, content_type=writers.CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{kind}.{file_format}"'
    return response


def list_tools(request, list_name):
    """What crm/_list_tools.html shows above list `list_name` ("accounts", ...):
    the user's and the shared saved views, the one now applied, and the export
    links when the list has an export page (URL name "<list_name>-export")."""
    query = clean_query(request.GET.urlencode())
    views = list(saved_views_for(request.user, list_name))
    for view in views:
        view.changeable = may_change(request.user, view)
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
