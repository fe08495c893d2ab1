"""CONTRACT.md "Module builder": records of the tenant's custom objects at
/api/v1/objects/<name>/, with the conventions of the built-in records
(pagination, `?search=`, `?ordering=`, `?owner=` and custom field filters,
404 for a record out of scope and for a missing or deleted object)."""

import re

from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api import preconditions
from api.custom_fields import add_custom_fields, custom_data
from api.exports import export_action
from api.fields import StrictJSONTypes
from api.permissions import ModuleAccess
from api.sensitive import SensitiveFieldsMixin, refuse_masked_filters, unmasked
from crm.access import permissions
from crm.builder import query, selectors, services
from crm.users.models import User

_BASE_ORDERING = ["name", "created_at", "updated_at", "id"]


class CustomRecordSerializer(SensitiveFieldsMixin, StrictJSONTypes, serializers.Serializer):
    # The base columns every custom object has; its custom fields are added per request.
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=255, help_text="The record's name.")
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="User id; defaults to the caller."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class CustomRecordViewSet(viewsets.ModelViewSet):
    """Records of one custom object visible to the caller (owner, team, shares, as for built-in records),
    versioned as they are: ETag and If-Match (api/preconditions.py)."""

    versioned = True
    serializer_class = CustomRecordSerializer
    permission_classes = [IsAuthenticated, ModuleAccess]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    filter_backends = [SearchFilter, OrderingFilter]
    search_fields = ["name"]
    ordering_fields = _BASE_ORDERING
    ordering = ["name", "id"]

    @property
    def module(self):
        # ModuleAccess answers 403 for an object hidden from the caller's role, as for a hidden built-in.
        return permissions.custom_object_module(self.kwargs.get("object_name"))

    def object_name(self):
        name = self.kwargs.get("object_name")
        if name is None:  # the OpenAPI generator's view (api/schema.py makes the per-object paths)
            return None
        if not hasattr(self, "_custom_object"):
            self._custom_object = selectors.custom_object_get(name)  # 404 for a missing or deleted object
        return name

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        fields = self.custom_fields()
        # A field masked for the caller's role is neither sorted by nor searched (as in RecordViewSet).
        self.masked = permissions.masked_fields(request.user, self.module)
        self.ordering_fields = unmasked([*_BASE_ORDERING, *query.ordering_keys(fields)], self.masked)
        self.search_fields = unmasked(["name", *(f.api_key for f in fields if f.searchable)], self.masked)

    def custom_fields(self):
        if not hasattr(self, "_custom_fields"):
            name = self.object_name()
            self._custom_fields = selectors.fields_for(name, include_hidden=True) if name else []
        return self._custom_fields

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        return add_custom_fields(serializer, self.custom_fields(), self.request.user if self.request else None)

    def get_queryset(self):
        # The owner joined: an export writes each record's owner's e-mail.
        return selectors.records_visible_to(self.request.user, self.object_name(), self.custom_fields()).select_related(
            "owner"
        )

    def get_object(self):
        return selectors.record_get_for_user(
            self.request.user, self.object_name(), self.kwargs["pk"], self.custom_fields()
        )

    def filter_queryset(self, queryset):
        filters = {
            param: definition.api_key
            for param, (definition, _lookup) in query.filter_params(self.custom_fields()).items()
        }
        refuse_masked_filters(self.request.query_params, filters, getattr(self, "masked", ()))
        queryset = super().filter_queryset(queryset)
        owner = self.request.query_params.get("owner")
        if owner:
            if not re.fullmatch(r"[0-9]{1,18}", owner):
                raise ValidationError({"owner": ["A user id is required."]})
            queryset = queryset.filter(owner_id=int(owner))
        return query.filter_custom(queryset, self.custom_fields(), self.request.query_params)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        custom = custom_data(data, self.custom_fields())
        serializer.instance = services.create_record(
            self.object_name(), by=self.request.user, name=data["name"], owner=data.get("owner"), values=custom
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        custom = custom_data(data, self.custom_fields())
        serializer.instance = services.update_record(
            self.object_name(),
            serializer.instance,
            by=self.request.user,
            values=custom,
            expected_version=preconditions.expected_version(self.request),
            **data,
        )

    def perform_destroy(self, instance):
        services.delete_record(
            self.object_name(),
            instance,
            by=self.request.user,
            expected_version=preconditions.expected_version(self.request),
        )

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        response["ETag"] = preconditions.etag_of(instance)
        return response

    def create(self, request, *args, **kwargs):
        return self._with_etag(super().create(request, *args, **kwargs))

    def update(self, request, *args, **kwargs):
        return self._with_etag(super().update(request, *args, **kwargs))

    def _with_etag(self, response):
        record = getattr(response.data, "serializer", None)
        record = getattr(record, "instance", None)
        if record is not None and response.status_code < 300:
            response["ETag"] = preconditions.etag_of(record)
        return response

    export = export_action()
