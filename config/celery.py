import os

from celery import Celery
from celery.signals import setup_logging

from ops.observability.logs import configure_celery_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task runs on the tenant-aware base class: it carries the schema of the
# code that queued it and refuses to run anywhere else (tenants/task_context.py).
app = Celery("crm", task_cls="tenants.task_context:TenantTask")
# Workers log through Django's LOGGING (JSON lines with tenant and task id), not
# Celery's own root handler (ops/observability/logs.py).
setup_logging.connect(configure_celery_logging)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
