"""What the public host's OpenAPI document describes: its API under /api/v1/."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("api.urls_public"))]
