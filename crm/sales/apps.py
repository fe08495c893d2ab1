from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "crm.sales"
    label = "sales"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from crm.approvals.registry import register
        from crm.sales import approval

        # Quote approval through the one approval engine (docs/decisions/010).
        register(
            kind=approval.KIND,
            label=approval.LABEL,
            values=approval.values,
            get_for_user=approval.get_for_user,
            get=approval.get,
            on_decided=approval.on_decided,
            url=approval.url,
            fields=approval.FIELDS,
            # No flow for quotes: the tenant asks no one (approved on submission).
            default_steps=(),
        )
