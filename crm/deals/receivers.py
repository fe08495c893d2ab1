"""Deals' one signal receiver: a new tenant's default pipeline in its sign-up
language (the work is in crm.deals.services.name_seeded_pipeline)."""

from typing import Any

from django.dispatch import receiver

from tenants.signals import tenant_seeding


@receiver(tenant_seeding, dispatch_uid="deals-seeded-pipeline-language")
def name_pipeline_in_sign_up_language(sender: Any, language: str, **kwargs: Any) -> None:
    from crm.deals.services import name_seeded_pipeline

    name_seeded_pipeline(language=language)
