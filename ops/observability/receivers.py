"""Connects observability's signal receivers; called once from OpsConfig.ready().
dispatch_uid keeps a second call from connecting anything twice."""

from celery.signals import before_task_publish, task_postrun, task_prerun, worker_ready
from django.conf import settings
from django.core.signals import request_finished
from django.db.backends.signals import connection_created

from ops.observability import (
    checks,  # noqa: F401  (registers the system checks)
    connections,
    context,
    task_hooks,
)


def connect():
    before_task_publish.connect(task_hooks.stamp_request_id, dispatch_uid="ops.observability.request_id")
    task_prerun.connect(task_hooks.task_started, dispatch_uid="ops.observability.task_started")
    task_postrun.connect(task_hooks.task_finished, dispatch_uid="ops.observability.task_finished")
    request_finished.connect(context.end_request, dispatch_uid="ops.observability.end_request")
    connection_created.connect(connections.track_schemas, dispatch_uid="ops.observability.track_schemas")
    request_finished.connect(
        connections.recycle_catalog_heavy_connections, dispatch_uid="ops.observability.recycle_after_request"
    )
    task_postrun.connect(
        connections.recycle_catalog_heavy_connections, dispatch_uid="ops.observability.recycle_after_task"
    )
    worker_ready.connect(_serve_worker_metrics, dispatch_uid="ops.observability.worker_metrics")


def _serve_worker_metrics(**kwargs):
    if settings.WORKER_METRICS_PORT:
        from ops.observability import exposition

        exposition.start_worker_metrics_server(settings.WORKER_METRICS_PORT)
