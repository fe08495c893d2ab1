from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from crm.attachments import selectors, services
from crm.attachments.models import Attachment

if TYPE_CHECKING:
    from crm.users.models import User

RECORD_TYPES = sorted(selectors.RECORD_GETTERS)
NOT_VISIBLE = OpenApiResponse(description="No such record, you cannot see it, or its module is hidden from your role.")


class AttachmentSerializer(serializers.ModelSerializer):
    record_type = serializers.CharField(source="content_type.model", read_only=True)
    record_id = serializers.IntegerField(source="object_id", read_only=True)
    uploaded_by: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )

    class Meta:
        model = Attachment
        fields = ["id", "record_type", "record_id", "name", "size", "uploaded_by", "created_at"]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    record_type = serializers.ChoiceField(choices=RECORD_TYPES)
    record_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    file = serializers.FileField()


class RecordQuerySerializer(serializers.Serializer):
    record_type = serializers.ChoiceField(choices=RECORD_TYPES)
    record_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class AttachmentViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Files on accounts, contacts and deals (and on custom objects' records, listed and uploaded at
    /api/v1/objects/<name>/<id>/attachments/): seen by whoever sees the record and may use its module."""

    serializer_class = AttachmentSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]
    lookup_value_regex = r"\d+"
    filter_backends = []
    pagination_class = None
    queryset = Attachment.objects.none()

    def get_object(self):
        return selectors.attachment_get_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        parameters=[RecordQuerySerializer],
        responses={200: AttachmentSerializer(many=True), 404: NOT_VISIBLE},
        description="The files on one record you can see (404 if you cannot).",
    )
    def list(self, request):
        query = RecordQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        record = selectors.record_get_for_user(request.user, **query.validated_data)
        return Response(AttachmentSerializer(selectors.attachments_of(record), many=True).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer, 404: NOT_VISIBLE},
        description="Attach a file to a record you can see.",
    )
    def create(self, request):
        upload = AttachmentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        fields = upload.validated_data
        record = selectors.record_get_for_user(request.user, fields["record_type"], fields["record_id"])
        try:
            attachment = services.add_attachment(by=request.user, record=record, upload=fields["file"])
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, attachment):
        record = selectors.attachment_record_get_for_user(self.request.user, attachment)
        services.delete_attachment(attachment=attachment, by=self.request.user, record=record)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="The file itself, if you can see its record.",
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type="application/octet-stream",
        )
