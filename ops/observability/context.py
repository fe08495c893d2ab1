"""What the current unit of work is about, for log lines and Sentry events: the
tenant, the request id and the Celery task.

The tenant is read from the database connection at the moment it is asked for,
because the connection is the truth about which schema the code runs in (set by
tenants/routing.py for requests and tenants/task_context.py for tasks). Request
and task ids are context variables, bound by ops/observability/requests.py and
task_hooks.py.
"""

import contextvars
from dataclasses import dataclass

from django.apps import apps
from django.db import connection

_request_id = contextvars.ContextVar("crm_request_id", default=None)
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


def bind_request_id(request_id):
    """Make `request_id` current; returns the token `unbind` takes."""
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
    the connection back to public. The subdomain is then None: looking it up
    would cost a query on every log line. `(None, None)` before Django is set up.
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
    return schema, None
