"""Reads that several parts of one request need, done once per request.

A list page asks for the caller's scope (their teams) and for the tenant's
custom fields from more than one place: the queryset, the filters, the
serializer or template, the sidebar. TenantRoutingMiddleware, the one place a
request's tenant is set, opens a memo for each GET and HEAD request
(`for_request`); `remember(key, compute)` then computes each key once per
schema.

Only for reads of safe requests: a request that writes may change what it
reads later (a new custom field, a new team), so it, and every task, command
and test outside a request, computes afresh each time. Values are shared by
every caller of the request: return something the callers do not mutate.
"""

import contextlib
import contextvars
from collections.abc import Callable, Hashable, Iterator
from typing import Any, TypeVar

from django.db import connection
from django.http import HttpRequest

_T = TypeVar("_T")

_memo: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar("tenant_request_memo", default=None)


@contextlib.contextmanager
def for_request(request: HttpRequest) -> Iterator[None]:
    if request.method not in ("GET", "HEAD"):
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remember(key: Hashable, compute: Callable[[], _T]) -> _T:
    """compute(), once per key within a memo; every time outside one."""
    memo = _memo.get()
    if memo is None:
        return compute()
    # The schema in the key: a request that walks tenants (ops, the vendor admin)
    # must never be answered with another tenant's value.
    key = (connection.schema_name, key)  # type: ignore[attr-defined]  # django-tenants' backend adds it
    if key not in memo:
        memo[key] = compute()
    return memo[key]
