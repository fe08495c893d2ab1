"""CONTRACT.md "Module builder": the tenant admin's custom fields, objects and
layouts. Thin over crm.builder.services, which check every input (400 naming
it) and change metadata and tables in one transaction (409 when a table stayed
busy)."""

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import StrictJSONTypes
from api.permissions import IsTenantAdmin
from crm.builder import selectors, services, shapes
from crm.builder.models import CustomField, CustomObject, FieldType, Layout

if TYPE_CHECKING:
    from rest_framework.validators import Validator

BUSY = OpenApiResponse(description="A table the change needs is in use; nothing changed, try again.")


class DeletedQuerySerializer(serializers.Serializer):
    deleted = serializers.ChoiceField(
        choices=["true", "false"],
        required=False,
        allow_blank=True,
        help_text="true: the deleted ones waiting to be purged (restorable).",
    )


class FieldQuerySerializer(DeletedQuerySerializer):
    object = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="Only this object's.")


def _query(request, serializer_class):
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_NUMBER = r"^-?[0-9]{1,18}(\.[0-9]{1,10})?$"


@extend_schema_field({"anyOf": [{"type": "string", "pattern": _NUMBER}, {"type": "number"}]})
class NumberField(serializers.Field):
    """A bound as a number or a string of digits (read back as a string)."""

    default_error_messages = {"invalid": 'A number is required (such as 10 or "10.5").'}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("invalid")
        if isinstance(data, str) and not re.fullmatch(_NUMBER, data):
            self.fail("invalid")
        return data

    def to_representation(self, value):
        value = Decimal(value)
        return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


class CustomFieldSerializer(StrictJSONTypes, serializers.ModelSerializer):
    object = serializers.CharField(
        source="object_name", max_length=40, help_text="accounts, contacts, leads, deals, or a custom object's name."
    )
    type = serializers.ChoiceField(choices=FieldType.choices)
    default = serializers.JSONField(
        required=False, allow_null=True, help_text="A value of the field's type, used where a record gives none."
    )
    choices = serializers.JSONField(
        required=False,
        help_text='Choice and multiple choice: [{"value", "label", "color"}] in order (or plain strings).',
    )
    name = serializers.RegexField(
        shapes.NAME,
        max_length=40,
        required=False,
        help_text="The key of the field in records "
        "(lower-case letters, digits and underscores); not a built-in field's name. "
        'Left out: made from the label ("WeChat ID" → wechat_id), or field_1, field_2, … '
        "for a label without Latin letters.",
    )
    min_value = NumberField(required=False, allow_null=True, help_text="Numbers: the smallest value allowed.")
    max_value = NumberField(required=False, allow_null=True, help_text="Numbers: the largest value allowed.")
    target = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Lookup: the object it points at."
    )
    column = serializers.CharField(read_only=True, help_text="The database column (cf_<name>).")
    api_key = serializers.SerializerMethodField(
        help_text="The key of the field in records: its name, or its column if a built-in field took the name."
    )

    class Meta:
        model = CustomField
        fields = [
            "id",
            "object",
            "name",
            "label",
            "type",
            "required",
            "unique",
            "default",
            "help_text",
            "min_value",
            "max_value",
            "max_length",
            "decimal_places",
            "choices",
            "target",
            "position",
            "hidden",
            "column",
            "api_key",
            "deleted_at",
            "created_at",
        ]
        read_only_fields = ["id", "column", "api_key", "deleted_at", "created_at"]
        extra_kwargs = {
            "position": {"min_value": 0, "max_value": 100000},
            "max_length": {"min_value": 1, "max_value": 1000000, "allow_null": True},
            "decimal_places": {"min_value": 0, "max_value": 8},
        }
        # Uniqueness of the name is the service's to check (its message names the field).
        validators: "list[Validator[Any]]" = []

    def get_api_key(self, field) -> str:
        return selectors.field_def(field).api_key


class CustomFieldViewSet(viewsets.ModelViewSet):
    """Custom fields of the tenant's objects (admin only)."""

    serializer_class = CustomFieldSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    filter_backends = []

    @extend_schema(parameters=[FieldQuerySerializer])
    def list(self, request, *args, **kwargs):
        self.query = _query(request, FieldQuerySerializer)
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        query = getattr(self, "query", {})
        return selectors.custom_fields(object_name=query.get("object") or None, deleted=query.get("deleted") == "true")

    def get_object(self):
        return selectors.custom_field_get(self.kwargs["pk"])

    @extend_schema(responses={201: CustomFieldSerializer, 409: BUSY})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(responses={200: CustomFieldSerializer, 409: BUSY})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(responses={204: None, 409: BUSY})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_field(
            by=self.request.user,
            object_name=data.pop("object_name"),
            name=data.pop("name", ""),
            label=data.pop("label"),
            type=data.pop("type"),
            **data,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "object_name" in data:
            data["object"] = data.pop("object_name")
        serializer.instance = services.update_field(serializer.instance, by=self.request.user, **data)

    def perform_destroy(self, instance):
        services.delete_field(instance, by=self.request.user)

    @extend_schema(
        request=None,
        responses={200: CustomFieldSerializer, 409: BUSY},
        description="Undo a delete before the field is purged.",
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        field = services.restore_field(self.get_object(), by=request.user)
        return Response(self.get_serializer(field).data)


class CustomObjectSerializer(StrictJSONTypes, serializers.ModelSerializer):
    class Meta:
        model = CustomObject
        fields = ["id", "name", "label", "label_plural", "icon", "deleted_at", "created_at"]
        read_only_fields = ["id", "deleted_at", "created_at"]
        validators: "list[Validator[Any]]" = []
        extra_kwargs = {"icon": {"required": False}}

    name = serializers.RegexField(
        shapes.NAME,
        max_length=40,
        required=False,
        help_text="Records are at /api/v1/objects/<name>/. Left out: made from the label, "
        "or obj_1, obj_2, … for a label without Latin letters.",
    )


class CustomObjectViewSet(viewsets.ModelViewSet):
    """The tenant's own objects (admin only); their records are at /api/v1/objects/<name>/."""

    serializer_class = CustomObjectSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    filter_backends = []

    @extend_schema(parameters=[DeletedQuerySerializer])
    def list(self, request, *args, **kwargs):
        self.query = _query(request, DeletedQuerySerializer)
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.custom_objects(deleted=getattr(self, "query", {}).get("deleted") == "true")

    def get_object(self):
        return selectors.custom_object_get_by_id(self.kwargs["pk"])

    @extend_schema(responses={201: CustomObjectSerializer, 409: BUSY})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.create_object(
            by=self.request.user,
            name=data.get("name", ""),
            label=data["label"],
            label_plural=data["label_plural"],
            icon=data.get("icon", ""),
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_object(
            serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_object(instance, by=self.request.user)

    @extend_schema(
        request=None, responses=CustomObjectSerializer, description="Undo a delete before the object is purged."
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        custom = services.restore_object(self.get_object(), by=request.user)
        return Response(self.get_serializer(custom).data)


class LayoutSerializer(serializers.Serializer):
    object = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Layout.Kind.choices, read_only=True)
    sections = serializers.JSONField(
        help_text='Form: [{"title": text, "fields": [names]}]; list: [names] (the columns, in order).'
    )


class LayoutView(APIView):
    """Which fields an object's form (in sections) or list (as columns) shows, in which order (admin only)."""

    permission_classes = [IsAuthenticated, IsTenantAdmin]
    serializer_class = LayoutSerializer

    def _check(self, object_name, kind):
        if kind not in Layout.Kind.values or not selectors.object_exists(object_name):
            raise Http404

    @extend_schema(responses=LayoutSerializer)
    def get(self, request, object_name, kind):
        self._check(object_name, kind)
        return Response({"object": object_name, "kind": kind, "sections": selectors.layout_for(object_name, kind)})

    @extend_schema(request=LayoutSerializer, responses=LayoutSerializer)
    def put(self, request, object_name, kind):
        self._check(object_name, kind)
        serializer = LayoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        layout = services.save_layout(
            by=request.user, object_name=object_name, kind=kind, sections=serializer.validated_data["sections"]
        )
        return Response({"object": object_name, "kind": kind, "sections": layout.sections}, status=status.HTTP_200_OK)
