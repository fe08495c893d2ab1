"""Observability (issue 5): what ops sees of the running CRM.

- `context`      the tenant, request id and Celery task the current code works for
- `logs`         one JSON object per log line, stamped with that context
- `requests`     X-Request-ID, request latency by view and one access log line per request
- `task_hooks`   Celery: task context for logs and Sentry, task durations, request id carried into tasks
- `metrics`      the Prometheus metrics this process records
- `collectors`   metrics read from the database when Prometheus scrapes (backup age, spare pool)
- `exposition`   `GET /metrics` on any host, and the worker's metrics port
- `sentry`       sentry-sdk set up with Django and Celery, every event tagged with the tenant
- `connections`  closing database connections that have cached too many tenants' catalogs
- `receivers`    connects the signal receivers above (from OpsConfig.ready)
- `gunicorn`     gunicorn settings: multiprocess metrics and JSON logs for the web process

Nothing here imports a module at package import time: settings and the gunicorn
master import parts of it before Django is set up.
"""
