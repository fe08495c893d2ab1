"""Pages of the tenant's custom objects, under /objects/<name>/ (config/urls_tenant.py includes them)."""

from django.urls import path

from crm.web import custom_objects

urlpatterns = [
    path("objects/<slug:object_name>/", custom_objects.record_list, name="custom-records"),
    path("objects/<slug:object_name>/export/", custom_objects.record_export, name="custom-records-export"),
    path("objects/<slug:object_name>/new/", custom_objects.record_create, name="custom-record-create"),
    path("objects/<slug:object_name>/<int:pk>/", custom_objects.record_detail, name="custom-record"),
    path("objects/<slug:object_name>/<int:pk>/edit/", custom_objects.record_edit, name="custom-record-edit"),
    path("objects/<slug:object_name>/<int:pk>/delete/", custom_objects.record_delete, name="custom-record-delete"),
    path(
        "objects/<slug:object_name>/<int:pk>/log-activity/",
        custom_objects.record_log_activity,
        name="custom-record-log-activity",
    ),
    path("objects/<slug:object_name>/<int:pk>/attach/", custom_objects.record_attach, name="custom-record-attach"),
]
