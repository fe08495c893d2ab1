from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "crm.deals"
    label = "deals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crm.approvals.registry import register
        from crm.deals import (
            checks,  # noqa: F401  (DEFAULT_CURRENCY is an ISO 4217 code)
            receivers,  # noqa: F401  (names a new tenant's pipeline in its language)
            registration,
        )

        # Deal registration (商机报备) through the approval engine (docs/decisions/010).
        register(
            kind=registration.KIND,
            label=registration.LABEL,
            values=registration.values,
            get_for_user=registration.get_for_user,
            get=registration.get,
            on_decided=registration.on_decided,
            url=registration.url,
            fields=registration.FIELDS,
        )
