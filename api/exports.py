from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from crm.exports import selectors, writers
from tenants.access import exports_data


class ExportQuerySerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=["csv", "xlsx"], required=False, default="csv")
    values = serializers.ChoiceField(choices=list(selectors.VALUES), required=False, default="labels")


def export_action(kind=None):
    """An `export` list action for a record viewset: the list's filters, search
    and ordering, every page, as CSV or XLSX, custom fields included. (`file_format`, because DRF keeps
    `format` for choosing a renderer.) Without `kind`, the records are those of
    the viewset's custom object (`object_name()`, read from the URL)."""

    @extend_schema(
        # The list's filters, search and ordering apply: document them as the list does.
        filters=True,
        parameters=[
            OpenApiParameter("file_format", str, enum=["csv", "xlsx"], description="File format (default csv)."),
            OpenApiParameter(
                "values",
                str,
                enum=list(selectors.VALUES),
                description=(
                    "labels (default): headers are the fields' labels in the caller's language and choices "
                    "read as their labels; codes: headers are the API's keys and choices their stored codes."
                ),
            ),
        ],
        responses={
            (200, writers.CONTENT_TYPES["csv"]): OpenApiResponse(OpenApiTypes.BINARY),
            (200, writers.CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY),
        },
        description=(
            f"The {kind or 'records'} you can see, filtered and searched as the list is, as a CSV or XLSX file."
        ),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    @exports_data  # a suspended tenant may still download its records (tenants/access.py)
    def export(self, request, **url_kwargs):  # a custom object's name comes in the URL (self.kwargs)
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        file_format = query.validated_data["file_format"]
        queryset = self.filter_queryset(self.get_queryset())
        name = kind or self.object_name()
        # In the reader's language, as the pages are: a bearer token's user is known only
        # now (crm.users.middleware ran before), else Accept-Language decides.
        language = getattr(request.user, "language", "")
        with translation.override(language if language in dict(settings.LANGUAGES) else translation.get_language()):
            header, rows = selectors.export_table(
                kind=name,
                user=request.user,
                queryset=queryset,
                module=self.module,
                values=query.validated_data["values"],
            )
            content = writers.write(file_format, header, rows, title=name)
        response = HttpResponse(content, content_type=writers.CONTENT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
        return response

    return export
