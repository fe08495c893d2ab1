from django.urls import path
from rest_framework.routers import DefaultRouter

from api.accounts import AccountViewSet
from api.auth import TokenView
from api.contacts import ContactViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    *router.urls,
]
