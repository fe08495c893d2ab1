"""What the current unit of work is about, for log lines and Sentry events: the
tenant, the request id and the Celery task.

The tenant is read from the database connection at the moment it is asked for,
because the connection is the truth about which schema the code runs in (set by
tenants/routing.py for requests and tenants/task_context.py for tasks). Request
and task ids are context variables, bound by ops/observability/requests.py and
task_hooks.py. A request's context lasts until Django's request_finished, so
that Django's own log lines about the response (written after every middleware
has returned) carry it too.
"""

import contextvars
from dataclasses import dataclass

from django.apps import apps
from django.db import connection

_request_id = contextvars.ContextVar("crm_request_id", default=None)
# (schema, subdomain) of the tenant routing chose, once it has returned.
_request_tenant = contextvars.ContextVar("crm_request_tenant", default=None)
_task = contextvars.ContextVar("crm_task", default=None)


@dataclass(frozen=True)
class TaskInfo:
    id: str
    name: str
    # The schema the task was queued in, from its message headers.
    schema: str | None


def current_request_id():
    return _request_id.get()


def current_task():
    return _task.get()


def begin_request(request_id):
    _request_id.set(request_id)
    _request_tenant.set(None)


def note_request_tenant(schema, subdomain):
    """The routed request's tenant, for what is logged after routing has set the
    connection back to public."""
    _request_tenant.set((schema, subdomain))


def end_request(**kwargs):
    """request_finished: nothing after this belongs to the request."""
    _request_id.set(None)
    _request_tenant.set(None)


def bind_request_id(request_id):
    """Make `request_id` current outside a request (tests, commands); returns
    the token `unbind_request_id` takes."""
    return _request_id.set(request_id)


def unbind_request_id(token):
    _request_id.reset(token)


def bind_task(info, *, request_id=None):
    """Make `info` the current task (and its request id, when the message carried
    one); returns the tokens `unbind_task` takes."""
    tokens = [(_task, _task.set(info))]
    if request_id:
        tokens.append((_request_id, _request_id.set(request_id)))
    return tokens


def unbind_task(tokens):
    for var, token in reversed(tokens):
        var.reset(token)


def current_tenant():
    """`(schema, subdomain)` of the tenant the code works for now.

    The connection's schema when it is a tenant's. When it is public inside a task
    queued for a tenant, the task's schema: Celery logs a task's outcome, and
    Sentry's Celery integration reports its exception, after TenantTask has set
    the connection back to public (the subdomain is then None: looking it up
    would cost a query on every log line). Likewise, after routing has returned,
    the request's tenant. `(None, None)` before Django is set up.
    """
    if not apps.ready:
        return None, None
    from django_tenants.utils import get_public_schema_name

    schema = connection.schema_name
    if schema and schema != get_public_schema_name():
        return schema, getattr(connection.tenant, "subdomain", None)
    task = _task.get()
    if task is not None and task.schema:
        return task.schema, None
    return _request_tenant.get() or (schema, None)
