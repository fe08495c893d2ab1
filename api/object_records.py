"""What hangs on one record of a custom object, as for accounts, contacts and
deals: its activities (/api/v1/objects/<name>/<id>/activities/), its files
(.../attachments/) and its history (.../history/).

Every request first fetches the record through
crm.builder.selectors.record_get_for_user, so a record the caller cannot see,
a missing one and one of a missing or deleted object all answer 404, before
anything else is read or written. A file is then downloaded or deleted at
/api/v1/attachments/<id>/ and an activity changed at /api/v1/activities/<id>/,
which check the record the same way.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.accounts import RecordEventSerializer
from api.activities import CustomRecordActivitySerializer
from api.attachments import NOT_VISIBLE, AttachmentSerializer
from api.permissions import ModuleAccess
from crm.access import permissions
from crm.access.permissions import may_use_module
from crm.activities import selectors as activity_selectors
from crm.activities import services as activity_services
from crm.activities.models import Activity
from crm.attachments import selectors as attachment_selectors
from crm.attachments import services as attachment_services
from crm.attachments.models import Attachment
from crm.audit.models import AuditEvent
from crm.audit.selectors import history_for
from crm.builder import selectors as builder

_RECORD_ID = OpenApiParameter("record_id", int, OpenApiParameter.PATH, description="The record's id.")


class _OnCustomRecord(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, ModuleAccess]
    filter_backends = []

    @property
    def module(self):
        # The custom object is the module, as for its records (api/objects.py).
        return self.kwargs.get("object_name")

    def record(self):
        """The record of the URL, if the caller may see it; Http404 otherwise."""
        if not hasattr(self, "_record"):
            # Its custom values are not needed here: no field definitions read.
            self._record = builder.record_get_for_user(
                self.request.user, self.kwargs["object_name"], self.kwargs["record_id"], fields=[]
            )
        return self._record


class CustomRecordActivityViewSet(_OnCustomRecord):
    """A custom object's record's timeline, and logging an activity on it."""

    serializer_class = CustomRecordActivitySerializer
    queryset = Activity.objects.none()

    def check_permissions(self, request):
        super().check_permissions(request)
        # Activities are a module of their own, which an admin can hide from a role.
        if not may_use_module(request.user, "activities"):
            self.permission_denied(request, message=ModuleAccess.message)

    @extend_schema(parameters=[_RECORD_ID], description="The activities on a record you can see, newest first.")
    def list(self, request, object_name, record_id):
        page = self.paginate_queryset(activity_selectors.timeline_for(request.user, self.record()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        parameters=[_RECORD_ID],
        responses={201: CustomRecordActivitySerializer},
        description="Log a call, visit, meeting, e-mail or note on a record you can see.",
    )
    def create(self, request, object_name, record_id):
        record = self.record()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = activity_services.log_activity(by=request.user, record=record, **serializer.validated_data)
        return Response(self.get_serializer(activity).data, status=status.HTTP_201_CREATED)


class CustomRecordUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CustomRecordAttachmentViewSet(_OnCustomRecord):
    """A custom object's record's files (record_type: the object's name)."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser]
    pagination_class = None
    queryset = Attachment.objects.none()

    @extend_schema(
        parameters=[_RECORD_ID],
        responses={200: AttachmentSerializer(many=True), 404: NOT_VISIBLE},
        description="The files on a record you can see, newest first.",
    )
    def list(self, request, object_name, record_id):
        return Response(AttachmentSerializer(attachment_selectors.attachments_of(self.record()), many=True).data)

    @extend_schema(
        parameters=[_RECORD_ID],
        request={"multipart/form-data": CustomRecordUploadSerializer},
        responses={201: AttachmentSerializer, 404: NOT_VISIBLE},
        description="Attach a file (at most 20 MB) to a record you can see.",
    )
    def create(self, request, object_name, record_id):
        record = self.record()
        upload = CustomRecordUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        attachment = attachment_services.add_attachment(
            by=request.user, record=record, upload=upload.validated_data["file"]
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class CustomRecordHistoryViewSet(_OnCustomRecord):
    """A custom object's record's changes, as the built-in records' `history` action."""

    serializer_class = RecordEventSerializer
    queryset = AuditEvent.objects.none()

    @extend_schema(
        parameters=[_RECORD_ID],
        responses={200: RecordEventSerializer(many=True), 404: NOT_VISIBLE},
        description="The record's changes, newest first: `[old, new]` for its name and owner, "
        '`{"label", "old", "new"}` for each custom field.',
    )
    def list(self, request, object_name, record_id):
        page = self.paginate_queryset(history_for(self.record()))
        masked = permissions.masked_fields(request.user, self.module)
        return self.get_paginated_response(RecordEventSerializer(page, many=True, context={"masked": masked}).data)
