from django.urls import path

from billing import views

urlpatterns = [
    path("", views.billing_page, name="billing"),
    path("seats/", views.change_seats, name="billing-seats"),
    path("plan/", views.change_plan, name="billing-plan"),
    path("cancel/", views.cancel, name="billing-cancel"),
    path("payment-method/", views.payment_method, name="billing-payment-method"),
]
