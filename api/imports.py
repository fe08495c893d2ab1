import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from crm.imports import selectors, services, undo
from crm.imports.models import ImportJob


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .csv (UTF-8) or .xlsx file; the first row names the columns.")
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text='JSON object: column in the file → field, e.g. {"Company": "name"}. '
        "Default: each column as the tenant's last import of this kind mapped it, else by a field's name, "
        "its label (English or Chinese; custom fields by their label) or a common synonym "
        '("E-mail", "Mobile", 手机, 邮箱, 公司...).',
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
    same_as_row = serializers.IntegerField(
        required=False,
        help_text="When the row matched a record an earlier row of the same file made: that row's number "
        "(in a dry run, `id` is then null: the record was never kept).",
    )
    warning = serializers.CharField(
        required=False,
        help_text="Said of a row imported anyway, e.g. a contact that shares only its name with another "
        "(a different person: created, not skipped).",
    )


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
            "undone_at",
            "undone_by",
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
        parameters=[
            OpenApiParameter(
                "action",
                str,
                enum=[*services.ACTIONS],
                description="Only the rows with this outcome (the counts stay those of the whole file).",
            )
        ],
        description="One import with what happened (or, for a dry run, would happen) to each row.",
    )
    def retrieve(self, request, *args, **kwargs):
        job = self.get_object()
        wanted = request.query_params.get("action")
        if wanted is not None and wanted not in services.ACTIONS:
            raise ValidationError(
                {"action": [_("Choose one of: %(actions)s.") % {"actions": ", ".join(services.ACTIONS)}]}
            )
        data = ImportJobSerializer(job).data
        if wanted:
            data["results"] = [row for row in data["results"] if row["action"] == wanted]
        return Response(data)

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

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=[*ImportJob.Kind.values], required=True)],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY)},
        description="A CSV file with the header a file of this kind should have: one column per field "
        "(built-in, then the tenant's custom fields), named by its label; uploaded back, it maps by itself.",
    )
    @action(detail=False, methods=["get"])
    def template(self, request):
        kind = request.query_params.get("kind")
        if kind not in dict(selectors.importable_kinds(request.user)):
            raise ValidationError({"kind": [_("You cannot import %(kind)s.") % {"kind": kind}]})
        response = HttpResponse(selectors.import_template(kind), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response

    @extend_schema(
        request=None,
        responses={200: ImportJobSerializer},
        description="Undo an import run within a day: the records it created are deleted and the fields it "
        "updated set back (custom field values excepted), each with its audit row; `undone_at` is set. "
        "400 `detail` (nothing changed) for a dry run, a run not finished, one already undone or older "
        "than a day, or when records it created have been changed since (they are named).",
    )
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        job = self.get_object()
        try:
            job = undo.undo_job(job=job, by=request.user)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(ImportJobSerializer(job).data)
