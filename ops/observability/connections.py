"""Closing database connections before they hold the catalog of many tenants.

PostgreSQL caches the catalog entries (tables, indexes, columns) of every schema
a connection has queried, about 0.5 MB per tenant schema, for the life of the
connection. A persistent connection (CONN_MAX_AGE) serving requests for
thousands of tenants would grow to gigabytes. CONN_MAX_AGE only bounds time, so
we also count: every query notes the schema it ran in, and after a request or a
task a connection that has touched more than DATABASE_MAX_SCHEMAS_PER_CONNECTION
tenant schemas is closed; the next query opens a fresh one.

A connection inside a transaction is never closed here (that would roll the
transaction back); it is looked at again after the next request or task.
Long-running ops code that walks tenants can call `recycle_catalog_heavy_connections()`
between tenants.
"""

import logging

from django.conf import settings
from django.db import connections

from ops.observability import metrics

log = logging.getLogger(__name__)

_SEEN = "crm_schemas_seen"


def track_schemas(sender=None, connection=None, **kwargs):
    """connection_created: a new database session has an empty catalog cache."""
    setattr(connection, _SEEN, set())
    # First in the list: Django's `execute_wrapper()` context manager pops the
    # last wrapper on exit, which must stay the one it pushed.
    if _note_schema not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _note_schema)


def _note_schema(execute, sql, params, many, context):
    db = context["connection"]
    seen = getattr(db, _SEEN, None)
    if seen is not None:
        seen.add(db.schema_name)
    return execute(sql, params, many, context)


def schemas_seen(connection):
    """The schemas `connection` has run queries in since it was opened."""
    return frozenset(getattr(connection, _SEEN, ()))


def recycle_catalog_heavy_connections(**kwargs):
    """request_finished / task_postrun: close each connection of this thread
    that has touched more tenant schemas than the limit."""
    from django_tenants.utils import get_public_schema_name

    limit = settings.DATABASE_MAX_SCHEMAS_PER_CONNECTION
    public = get_public_schema_name()
    for connection in connections.all(initialized_only=True):
        if connection.connection is None or connection.in_atomic_block:
            continue
        tenant_schemas = schemas_seen(connection) - {public}
        if len(tenant_schemas) > limit:
            log.debug("closing a database connection that touched %d tenant schemas", len(tenant_schemas))
            connection.close()
            metrics.CONNECTIONS_RECYCLED.inc()
