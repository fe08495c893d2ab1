"""Log lines for machines (JSON, one object per line) and for people (text), both
stamped with the tenant, request id and Celery task they were written for.

Wired in by LOGGING in config/settings.py (LOG_FORMAT picks the formatter) and,
for Celery workers, by `configure_celery_logging` (config/celery.py).
"""

import logging

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from ops.observability import context

CONTEXT_FIELDS = ("tenant", "subdomain", "request_id", "task_id", "task_name")


class ContextFilter(logging.Filter):
    """Adds CONTEXT_FIELDS to every record that passes the handler; a field the
    caller passed itself (`extra={"tenant": ...}`) is kept."""

    def filter(self, record):
        schema, subdomain = context.current_tenant()
        task = context.current_task()
        values = {
            "tenant": schema,
            "subdomain": subdomain,
            "request_id": context.current_request_id(),
            "task_id": task.id if task else None,
            "task_name": task.name if task else None,
        }
        for field, value in values.items():
            if not hasattr(record, field):
                setattr(record, field, value)
        return True


class JsonFormatter(_JsonFormatter):
    """`{"timestamp", "level", "logger", "message", "tenant", "subdomain",
    "request_id", "task_id", "task_name", ...extra}` on one line; a traceback is
    one string field, `exc_info`."""

    def __init__(self):
        super().__init__(
            ["levelname", "name", "message", *CONTEXT_FIELDS],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp=True,
            # Django's request loggers pass the HttpRequest itself, whose repr
            # carries the query string (search terms, e-mail addresses).
            reserved_attrs=[*RESERVED_ATTRS, "request"],
        )


class TextFormatter(logging.Formatter):
    """`time level logger [tenant request=… task=…] message` for a terminal."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s %(context)s%(message)s")

    def format(self, record):
        parts = [getattr(record, "tenant", None) or ""]
        if getattr(record, "request_id", None):
            parts.append(f"request={record.request_id}")
        if getattr(record, "task_id", None):
            parts.append(f"task={record.task_id}")
        record.context = f"[{' '.join(p for p in parts if p)}] " if any(parts) else ""
        return super().format(record)


def configure_celery_logging(**kwargs):
    """Receiver of Celery's `setup_logging`: the worker logs through Django's
    LOGGING like the web process, instead of Celery replacing the root handlers
    with its own text format (any receiver of that signal stops Celery doing so)."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
