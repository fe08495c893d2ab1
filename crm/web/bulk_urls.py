"""The lists' bulk actions (crm/web/bulk.py), included by config/urls_tenant.py in one line."""

from django.urls import path

from crm.web import bulk

urlpatterns = [
    path("accounts/bulk/", bulk.account_bulk, name="accounts-bulk"),
    path("contacts/bulk/", bulk.contact_bulk, name="contacts-bulk"),
    path("leads/bulk/", bulk.lead_bulk, name="leads-bulk"),
    path("deals/bulk/", bulk.deal_bulk, name="deals-bulk"),
]
