from django.apps import AppConfig


class BuilderConfig(AppConfig):
    name = "crm.builder"
    label = "builder"
    default_auto_field = "django.db.models.BigAutoField"
