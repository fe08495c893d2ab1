"""A tenant URLconf with one view that fails, for the Sentry test."""

from django.urls import path

handler500 = "api.exceptions.server_error"


def boom(request):
    raise RuntimeError("this view fails on purpose")


urlpatterns = [path("boom/", boom, name="boom")]
