"""The Celery side of observability, as signal receivers (connected in
ops/observability/receivers.py): the task's context for log lines and Sentry,
its duration, and the request id of the request that queued it.

task_prerun runs before TenantTask.__call__ sets the task's schema, so the
schema is read from the message headers TenantTask wrote, not from the connection.
"""

import time

from ops.observability import context, metrics
from tenants.task_context import HEADER as SCHEMA_HEADER

# Carries the id of the request that queued a task into the task's log lines.
REQUEST_ID_HEADER = "crm_request_id"

# Per task id, while the task runs: when it started and the context tokens to
# undo. Keyed by id because prerun and postrun are separate calls.
_started = {}
_tokens = {}


def stamp_request_id(headers=None, **kwargs):
    """before_task_publish: a task queued while serving a request carries its id."""
    request_id = context.current_request_id()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


def task_started(task_id=None, task=None, **kwargs):
    """task_prerun: bind the task's context and start its clock."""
    info = context.TaskInfo(id=task_id, name=task.name, schema=_header(task, SCHEMA_HEADER))
    _tokens[task_id] = context.bind_task(info, request_id=_header(task, REQUEST_ID_HEADER))
    _started[task_id] = time.perf_counter()


def task_finished(task_id=None, task=None, state=None, **kwargs):
    """task_postrun: record the duration and drop the task's context."""
    started = _started.pop(task_id, None)
    if started is not None:
        metrics.observe_task(task=task.name, state=state, seconds=time.perf_counter() - started)
    tokens = _tokens.pop(task_id, None)
    if tokens is not None:
        context.unbind_task(tokens)


def _header(task, name):
    request = task.request
    headers = getattr(request, "headers", None) or {}
    # Some transports merge custom headers into the request itself (as TenantTask reads them).
    return headers.get(name) or getattr(request, name, None)
