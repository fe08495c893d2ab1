from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ops.observability import receivers

        receivers.connect()
        # Celery's autodiscovery imports `<app>.tasks` only; backup tasks live in a sub-package.
        from ops.backups import tasks  # noqa: F401
        from ops.lifecycle import tasks as lifecycle_tasks  # noqa: F401
