from django.urls import path
from rest_framework.routers import DefaultRouter

from api.access import ModulePermissionViewSet, SensitiveFieldViewSet
from api.accounts import AccountViewSet
from api.auth import TokenView
from api.contacts import ContactViewSet
from api.teams import TeamViewSet
from api.users import UserViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("access/modules", ModulePermissionViewSet, basename="module-permission")
router.register("access/sensitive-fields", SensitiveFieldViewSet, basename="sensitive-field")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    *router.urls,
]
