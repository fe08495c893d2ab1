"""Settings → Approvals, under /settings/approvals/ (config/urls_tenant.py includes them)."""

from django.urls import path

from crm.web.approvals import flow_settings, registration

urlpatterns = [
    path("", flow_settings.approvals_settings, name="settings-approvals"),
    path("deal-registration/", registration.rule_page, name="settings-deal-registration"),
    path("<slug:kind>/", flow_settings.flow_page, name="settings-approval-flow"),
    path("<slug:kind>/steps/new/", flow_settings.step_create, name="settings-approval-step-create"),
    path("<slug:kind>/steps/<int:number>/", flow_settings.step_edit, name="settings-approval-step"),
    path("<slug:kind>/steps/<int:number>/delete/", flow_settings.step_delete, name="settings-approval-step-delete"),
    path("<slug:kind>/steps/<int:number>/move/", flow_settings.step_move, name="settings-approval-step-move"),
]
