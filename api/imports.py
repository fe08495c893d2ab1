import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from crm.imports import selectors, services
from crm.imports.models import ImportJob


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8) or .xlsx file; the first row names the columns.")
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='JSON object: column in the file → field, e.g. {"Company": "name"}. '
        "Default: the columns named like a field.",
    )
    mode = serializers.ChoiceField(
        choices=ImportJob.Mode.choices,
        required=False,
        default=ImportJob.Mode.SKIP,
        help_text="What to do with a row that looks like an existing record.",
    )
    dry_run = serializers.ChoiceField(
        choices=["true", "false"],
        required=False,
        default="false",
        help_text="true: report what would happen, change nothing.",
    )

    def validate_mapping(self, value):
        if not value:
            return {}
        try:
            mapping = json.loads(value)
        except ValueError:
            raise serializers.ValidationError("Not JSON.") from None
        if not isinstance(mapping, dict):
            raise serializers.ValidationError("A JSON object of column name → field name.")
        return mapping


class ImportResultSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number in the file (the header is row 1).")
    action = serializers.ChoiceField(choices=["created", "updated", "skipped", "refused"])
    id = serializers.IntegerField(allow_null=True, help_text="The record created, updated or matched.")
    reason = serializers.CharField(allow_blank=True)


class ImportJobSummarySerializer(serializers.ModelSerializer):
    """A job without its per-row results, for the list."""

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "file_name",
            "mapping",
            "mode",
            "dry_run",
            "status",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "skipped_count",
            "refused_count",
            "error",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "created_by": {"help_text": "The user who uploaded the file."},
            "status": {"help_text": "`draft`: uploaded in the web UI, not started yet."},
        }


class ImportJobSerializer(ImportJobSummarySerializer):
    results = ImportResultSerializer(many=True, read_only=True)

    class Meta(ImportJobSummarySerializer.Meta):
        fields = [*ImportJobSummarySerializer.Meta.fields, "results"]
        read_only_fields = fields


class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Imports of accounts, contacts and leads started by the caller (admin and
    director: by anyone)."""

    serializer_class = ImportJobSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]
    lookup_value_regex = r"\d+"
    filter_backends = []
    queryset = ImportJob.objects.none()

    def get_serializer_class(self):
        return ImportJobSummarySerializer if self.action == "list" else ImportJobSerializer

    def get_queryset(self):
        return selectors.import_jobs_visible_to(self.request.user)

    def get_object(self):
        return selectors.import_job_get_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(
        description="The caller's imports (admin and director: everyone's), newest first, "
        "without their per-row results."
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={202: ImportJobSerializer},
        description="Upload a file to import (at most 200 columns and IMPORT_MAX_ROWS rows; a file that "
        "cannot be read is a 400 on `file` saying why). A dry run of a file of at most IMPORT_INLINE_ROWS "
        "rows is answered done, with what would happen to each row; a real run, or a dry run of a larger "
        "file, is queued (`pending`, `total_rows` 0 until the worker has counted the rows) and its "
        "progress read from GET .../{id}/. A run that stops half-way is `failed` with the counts of what "
        "it wrote and an `error` saying so.",
    )
    def create(self, request):
        data = ImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        upload = fields["file"]
        try:
            job = services.create_job(
                by=request.user,
                kind=fields["kind"],
                file_name=upload.name,
                content=upload.read(),
                mapping=fields.get("mapping") or None,
                mode=fields["mode"],
                dry_run=fields["dry_run"] == "true",
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="The refused rows as CSV: row number, reason, and the row's cells.",
    )
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        job = self.get_object()
        response = HttpResponse(services.error_report(job), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
        return response
