"""System checks for observability: they run with every management command
(`manage.py upgrade` in the chart's Job and its pods' wait, `make run`'s upgrade)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def metrics_token_set(app_configs, **kwargs):
    """/metrics names every tenant: outside DEBUG it must need a token."""
    if settings.METRICS_TOKEN or settings.DEBUG:
        return []
    return [
        checks.Error(
            "METRICS_TOKEN is not set: /metrics would refuse every scrape, and its series name every tenant.",
            hint="Set METRICS_TOKEN (the Helm chart generates one into its Secret) and give Prometheus the "
            "same token as a bearer credential.",
            id="ops.E001",
        )
    ]
