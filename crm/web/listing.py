"""Search, filter, sort and paginate a selector's queryset for a list page."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Paginator

PAGE_SIZE = 25


@dataclass
class ListPage:
    page: object
    sort: str
    params: dict = field(default_factory=dict)

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
    return ListPage(page=page, sort=sort, params=params)
