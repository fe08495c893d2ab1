"""The approval pages under /approvals/ (config/urls_tenant.py includes them)."""

from django.urls import path

from crm.web.approvals import card, delegations, inbox

urlpatterns = [
    path("", inbox.inbox_page, name="approvals"),
    path("count/", inbox.pending_badge, name="approvals-count"),
    path("<int:pk>/", inbox.request_page, name="approval"),
    path("<int:pk>/withdraw/", card.withdraw, name="approval-withdraw"),
    path("<int:pk>/urge/", card.urge, name="approval-urge"),
    path("tasks/<int:pk>/decide/", inbox.decide, name="approval-decide"),
    path("submit/", card.submit, name="approval-submit"),
    path("card/<slug:kind>/<int:subject_id>/", card.card, name="approval-card"),
    path("delegations/", delegations.delegation_page, name="approval-delegations"),
    path("delegations/<int:pk>/delete/", delegations.delegation_delete, name="approval-delegation-delete"),
]
