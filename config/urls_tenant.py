"""URLs of a tenant's host: the CRM UI and its API."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from api.docs import TenantDocsView, TenantSchemaView
from crm.users.forms import ChoosePasswordForm
from crm.users.views import (
    login_view,
    logout_view,
    password_change_view,
    password_reset_request_view,
    switch_language,
    welcome_view,
)
from crm.web import (
    accounts,
    activities,
    contacts,
    deals,
    imports,
    leads,
    notifications,
    onboarding,
    pool,
    search,
    tasks,
)
from crm.web.home import home
from crm.web.pickers import views as pickers
from crm.web.profile import my_photo, profile, user_photo
from crm.web.time_zones import own_time_zone

handler400 = "api.exceptions.bad_request"
handler404 = "api.exceptions.not_found"
handler500 = "api.exceptions.server_error"

urlpatterns = [
    path("", home, name="home"),
    path("login/", login_view, name="login"),
    path("logout/", logout_view, name="logout"),
    path("welcome/<str:token>/", welcome_view, name="welcome"),
    path("password/", password_change_view, name="password-change"),
    path("me/", profile, name="profile"),
    path("me/time-zone/", own_time_zone, name="my-time-zone"),
    path("me/photo/", my_photo, name="my-photo"),
    path("users/<int:pk>/photo/", user_photo, name="user-photo"),
    path("search/", search.global_search, name="search"),
    # One picker endpoint per kind of record, without a parameter in the path.
    *(path(f"pick/{kind}/", pickers.pick, {"kind": kind}, name=f"pick-{kind}") for kind in pickers.KINDS),
    path("pick/objects/<slug:object_name>/", pickers.pick_record, name="pick-object"),
    path("accounts/", accounts.account_list, name="accounts"),
    path("accounts/new/", accounts.account_create, name="account-create"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account-edit"),
    path("accounts/<int:pk>/activities/", activities.log_activity, name="account-log-activity"),
    path("pool/", pool.pool_list, name="pool"),
    path("pool/<int:pk>/claim/", pool.pool_claim, name="pool-page-claim"),
    path("leads/", leads.lead_list, name="leads"),
    path("leads/new/", leads.lead_create, name="lead-create"),
    path("leads/export/", leads.lead_export, name="leads-export"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead"),
    path("leads/<int:pk>/edit/", leads.lead_edit, name="lead-edit"),
    path("leads/<int:pk>/convert/", leads.lead_convert, name="lead-page-convert"),
    path("leads/<int:pk>/activities/", activities.log_lead_activity, name="lead-log-activity"),
    path("imports/", imports.import_page, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import"),
    path("imports/template/<str:kind>/", imports.import_template, name="import-page-template"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-page-progress"),
    path("imports/<int:pk>/errors/", imports.import_errors, name="import-page-errors"),
    path("imports/<int:pk>/undo/", imports.import_undo, name="import-page-undo"),
    path("deals/", deals.deal_kanban, name="deals"),
    path("deals/<int:pk>/move/", deals.deal_move, name="kanban-move"),
    path("deals/list/", deals.deal_list, name="deal-page-list"),
    path("deals/new/", deals.deal_create, name="deal-create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal-edit"),
    path("deals/<int:pk>/stage/", deals.deal_stage, name="deal-stage"),
    path("deals/<int:pk>/pause/", deals.deal_pause, name="deal-page-pause"),
    path("deals/<int:pk>/reactivate/", deals.deal_reactivate, name="deal-page-reactivate"),
    path("deals/<int:pk>/activities/", activities.log_deal_activity, name="deal-log-activity"),
    path("activities/<int:pk>/comments/", activities.comment, name="activity-comment"),
    path("tasks/", tasks.task_list, name="tasks"),
    path("tasks/new/", tasks.task_create, name="task-create"),
    path("tasks/<int:pk>/edit/", tasks.task_edit, name="task-edit"),
    path("tasks/<int:pk>/done/", tasks.task_done, name="task-done"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path("notifications/count/", notifications.notification_count, name="notification-count"),
    path("notifications/read/", notifications.notification_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/open/", notifications.notification_open, name="notification-open"),
    path("notifications/<int:pk>/read/", notifications.notification_read, name="notification-page-read"),
    path("worklists/", activities.worklists, name="worklists"),
    path("onboarding/dismiss/", onboarding.dismiss, name="onboarding-dismiss"),
    path("onboarding/pipeline/", onboarding.confirm_pipeline, name="onboarding-pipeline"),
    path("onboarding/sample/load/", onboarding.load_sample, name="onboarding-sample-load"),
    path("onboarding/sample/remove/", onboarding.remove_sample, name="onboarding-sample-remove"),
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/new/", contacts.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/activities/", activities.log_contact_activity, name="contact-log-activity"),
    path("", include("crm.web.record_urls")),
    path("", include("crm.web.bulk_urls")),
    path("", include("crm.web.custom_object_urls")),
    path("approvals/", include("crm.web.approvals.urls")),
    path("settings/approvals/", include("crm.web.approvals.settings_urls")),
    path("settings/", include("crm.web.settings.urls")),
    # An invited user chooses their password here (Django's password-reset check of the link).
    path(
        "invite/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="crm/invite.html", success_url="/login/", form_class=ChoosePasswordForm
        ),
        name="invite",
    ),
    # "Forgot password?": the request, then the e-mailed link (the same check as the invitation).
    path("password/reset/", password_reset_request_view, name="password-reset"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="crm/password_reset_confirm.html", success_url="/login/", form_class=ChoosePasswordForm
        ),
        name="password-reset-confirm",
    ),
    path("billing/", include("billing.urls")),
    path("backups/", include("ops.urls")),
    # Before Django's own: a signed-in user's switch also changes their profile's choice.
    path("i18n/setlang/", switch_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("api.urls_tenant")),
    # Signed-in users only: a tenant's document shows its custom objects and fields.
    path("api/schema/", TenantSchemaView.as_view(urlconf="api.urls_tenant_schema"), name="schema"),
    path("api/docs/", TenantDocsView.as_view(url_name="schema"), name="api-docs"),
]
