from django.urls import path

from api.signup import SignUpView

urlpatterns = [
    path("signup/", SignUpView.as_view(), name="api-signup"),
]
