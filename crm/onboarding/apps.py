from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "crm.onboarding"
    label = "onboarding"
    default_auto_field = "django.db.models.BigAutoField"
