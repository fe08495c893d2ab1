"""Deployment checks for observability (`manage.py check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def metrics_token_set(app_configs, **kwargs):
    if settings.METRICS_TOKEN:
        return []
    return [
        checks.Warning(
            "METRICS_TOKEN is not set: /metrics answers anyone who can reach the app, and its "
            "backup-age series name every tenant.",
            hint="Set METRICS_TOKEN and give Prometheus the same token as a bearer credential, "
            "or make sure the ingress does not route /metrics.",
            id="ops.W001",
        )
    ]
