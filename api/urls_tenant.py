from django.urls import path
from rest_framework.routers import DefaultRouter

from api.access import ModulePermissionViewSet, SensitiveFieldViewSet
from api.accounts import AccountViewSet
from api.activities import ActivityViewSet, WorklistViewSet
from api.approval_flows import ApprovalFlowViewSet
from api.approvals import ApprovalRequestViewSet, ApprovalViewSet, DelegationViewSet
from api.attachments import AttachmentViewSet
from api.auth import TokenView
from api.backups import BackupViewSet
from api.billing import SubscriptionView
from api.contacts import ContactViewSet
from api.customization import CustomFieldViewSet, CustomObjectViewSet, LayoutView
from api.deals import DealViewSet
from api.imports import ImportViewSet
from api.leads import LeadViewSet
from api.notifications import NotificationViewSet
from api.object_records import CustomRecordActivityViewSet, CustomRecordAttachmentViewSet, CustomRecordHistoryViewSet
from api.objects import CustomRecordViewSet
from api.pipelines import PipelineViewSet, StageViewSet
from api.pool import PoolViewSet
from api.sales import DocumentSettingsView, OrderViewSet, PriceListViewSet, ProductViewSet, QuoteViewSet
from api.savedviews import SavedViewViewSet
from api.tasks import TaskViewSet
from api.teams import TeamViewSet
from api.users import MeView, UserViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("pool", PoolViewSet, basename="pool")
router.register("deals", DealViewSet, basename="deal")
router.register("leads", LeadViewSet, basename="lead")
router.register("imports", ImportViewSet, basename="import")
router.register("attachments", AttachmentViewSet, basename="attachment")
router.register("saved-views", SavedViewViewSet, basename="saved-view")
router.register("pipelines", PipelineViewSet, basename="pipeline")
router.register("stages", StageViewSet, basename="stage")
router.register("activities", ActivityViewSet, basename="activity")
router.register("worklists", WorklistViewSet, basename="worklist")
router.register("tasks", TaskViewSet, basename="task")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("users", UserViewSet, basename="user")
router.register("teams", TeamViewSet, basename="team")
router.register("access/modules", ModulePermissionViewSet, basename="module-permission")
router.register("access/sensitive-fields", SensitiveFieldViewSet, basename="sensitive-field")
router.register("backups", BackupViewSet, basename="backup")
router.register("customization/fields", CustomFieldViewSet, basename="custom-field")
router.register("customization/objects", CustomObjectViewSet, basename="custom-object")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
router.register("approval-delegations", DelegationViewSet, basename="approval-delegation")
router.register("approval-flows", ApprovalFlowViewSet, basename="approval-flow")
router.register("products", ProductViewSet, basename="product")
router.register("price-lists", PriceListViewSet, basename="price-list")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("orders", OrderViewSet, basename="order")

# Records of custom objects: one route for all, the object's name from the URL
# (the OpenAPI document lists each object's own paths: api/schema.py).
custom_records = CustomRecordViewSet.as_view({"get": "list", "post": "create"})
custom_record = CustomRecordViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
    path("sales/settings/", DocumentSettingsView.as_view(), name="sales-settings"),
    path("billing/subscription/", SubscriptionView.as_view(), name="billing-subscription"),
    path("customization/layouts/<str:object_name>/<str:kind>/", LayoutView.as_view(), name="custom-layout"),
    path("objects/<str:object_name>/", custom_records, name="custom-record-list"),
    path(
        "objects/<str:object_name>/export/", CustomRecordViewSet.as_view({"get": "export"}), name="custom-record-export"
    ),
    path("objects/<str:object_name>/<int:pk>/", custom_record, name="custom-record-detail"),
    path(
        "objects/<str:object_name>/<int:record_id>/activities/",
        CustomRecordActivityViewSet.as_view({"get": "list", "post": "create"}),
        name="custom-record-activities",
    ),
    path(
        "objects/<str:object_name>/<int:record_id>/attachments/",
        CustomRecordAttachmentViewSet.as_view({"get": "list", "post": "create"}),
        name="custom-record-attachments",
    ),
    path(
        "objects/<str:object_name>/<int:record_id>/history/",
        CustomRecordHistoryViewSet.as_view({"get": "list"}),
        name="custom-record-history",
    ),
    *router.urls,
]
