"""URLs of the public host: landing, sign-up, vendor admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm.users.forms import AdminLoginForm
from tenants.views import landing, signup_page

handler400 = "api.exceptions.bad_request"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"

# The vendor admin signs in through the same lock-out as every sign-in (crm.users.services.sign_in).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", landing, name="landing"),
    path("signup/", signup_page, name="signup"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls_public")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="api.urls_public_schema"), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
