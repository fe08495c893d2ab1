from django.urls import path

from api.billing import WebhookView
from api.signup import SignUpView

urlpatterns = [
    path("signup/", SignUpView.as_view(), name="api-signup"),
    path("billing/webhook/", WebhookView.as_view(), name="api-billing-webhook"),
]
