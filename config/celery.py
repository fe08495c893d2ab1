import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every task runs on the tenant-aware base class: it carries the schema of the
# code that queued it and refuses to run anywhere else (tenants/task_context.py).
app = Celery("crm", task_cls="tenants.task_context:TenantTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
