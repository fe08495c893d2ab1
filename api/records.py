from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api import preconditions
from api.custom_fields import add_custom_fields, custom_data
from api.permissions import ModuleAccess
from api.representation import DirectRead
from api.sensitive import SensitiveFieldsMixin, refuse_masked_filters, unmasked
from crm.access import permissions
from crm.builder import objects as builder_objects
from crm.builder import query as custom_query
from crm.builder import selectors as builder

_masking_serializers = {}


class RecordViewSet(viewsets.ModelViewSet):
    """CONTRACT.md "Records": GET list/detail, POST, PATCH, DELETE; no PUT.

    Subclasses name their module and their selectors and services as static
    methods; nothing here decides scope itself:
    `visible_to(user)`, `get_for_user(user, pk)`, `create_record(*, by, **fields)`,
    `update_record(instance, *, by, **fields)`, `delete_record(instance, *, by)`.
    The module (default: the model's app label) is what an admin can hide from a
    role and what sensitive fields are configured on.

    Records of the module builder's built-in objects (accounts, contacts, leads,
    deals) also carry the tenant's custom fields as top-level keys, read from
    the tenant's schema once per request (docs/decisions/008): read, written
    (handed to the record's service as `custom=`, which writes them in the
    record's transaction), filtered (`?<name>=`, `__gte`, ...), sorted and
    searched.

    A field masked for the caller's role (crm.access.permissions.masked_fields),
    built-in or custom, is neither searched nor sorted by, and a filter on it
    is a 400: none of them may tell its hidden value.

    A `versioned` viewset (records with a version, crm.audit.versions) answers
    GET, POST and PATCH of a record with its ETag and passes If-Match on
    PATCH and DELETE to its services as `expected_version` (api/preconditions.py).
    Nothing here opens a transaction: each write is one service call.
    """

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    permission_classes = [IsAuthenticated, ModuleAccess]
    module: str | None = None
    versioned = False

    def initial(self, request, *args, **kwargs):
        if self.module is None:
            self.module = self.serializer_class.Meta.model._meta.app_label
        super().initial(request, *args, **kwargs)
        fields = self.custom_fields()
        self.masked = permissions.masked_fields(request.user, self.module)
        # Per request, on the instance: the class is every tenant's (and every role's).
        self.ordering_fields = unmasked([*type(self).ordering_fields, *custom_query.ordering_keys(fields)], self.masked)
        self.search_fields = unmasked(
            [*type(self).search_fields, *(f.api_key for f in fields if f.searchable)], self.masked
        )

    def builder_object(self):
        """The module builder's name of this viewset's object ("contacts"), or None."""
        return builder_objects.object_name_for_model(self.serializer_class.Meta.model)

    def custom_fields(self):
        """The tenant's custom fields of this object, read once per request."""
        if not hasattr(self, "_custom_fields"):
            name = self.builder_object()
            self._custom_fields = builder.fields_for(name, include_hidden=True) if name else []
        return self._custom_fields

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()
        if serializer_class not in _masking_serializers:
            # Same name, so the OpenAPI components keep theirs. DirectRead last: it
            # stands in for DRF's Serializer.to_representation, under any override.
            _masking_serializers[serializer_class] = type(
                serializer_class.__name__,
                (SensitiveFieldsMixin, serializer_class, DirectRead),
                {"__module__": serializer_class.__module__, "__doc__": serializer_class.__doc__},
            )
        return _masking_serializers[serializer_class]

    def get_serializer(self, *args, **kwargs):
        fields = self.custom_fields()
        if fields and args and isinstance(args[0], models.Model) and not hasattr(args[0], fields[0].api_key):
            # A record read by an action's own selector (merge, link, ...): load its custom values.
            self._with_custom_values(args[0])
        serializer = super().get_serializer(*args, **kwargs)
        return add_custom_fields(serializer, fields, self.request.user if self.request else None)

    def get_queryset(self):
        queryset = self.visible_to(self.request.user)
        fields = self.custom_fields()
        return custom_query.with_custom_fields(queryset, self.builder_object(), fields) if fields else queryset

    def filter_queryset(self, queryset):
        refuse_masked_filters(self.request.query_params, self._filters(queryset), getattr(self, "masked", ()))
        queryset = super().filter_queryset(queryset)
        fields = self.custom_fields()
        if fields:
            queryset = custom_query.filter_custom(queryset, fields, self.request.query_params)
        return queryset

    def _filters(self, queryset):
        """{query parameter: the field it filters on} of this list, built-in and custom."""
        filters = {
            param: definition.api_key
            for param, (definition, _lookup) in custom_query.filter_params(self.custom_fields()).items()
        }
        filterset_class = DjangoFilterBackend().get_filterset_class(self, queryset)
        if filterset_class is not None:
            filters.update({param: f.field_name for param, f in filterset_class.base_filters.items()})
        return filters

    def get_object(self):
        return self._with_custom_values(self.get_for_user(self.request.user, self.kwargs["pk"]))

    def _with_custom_values(self, instance):
        return builder.custom_values_of(self.builder_object(), instance, self.custom_fields())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        custom = custom_data(data, self.custom_fields())
        if custom:
            data["custom"] = custom
        instance = self.create_record(by=self.request.user, **data)
        serializer.instance = self._written = self._with_custom_values(instance)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        custom = custom_data(data, self.custom_fields())
        if custom:
            data["custom"] = custom
        if self.versioned:
            data["expected_version"] = preconditions.expected_version(self.request)
        instance = self.update_record(serializer.instance, by=self.request.user, **data)
        serializer.instance = self._written = self._with_custom_values(instance)

    def perform_destroy(self, instance):
        if self.versioned:
            self.delete_record(
                instance, by=self.request.user, expected_version=preconditions.expected_version(self.request)
            )
        else:
            self.delete_record(instance, by=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        response = Response(self.get_serializer(instance).data)
        return self._with_etag(response, instance)

    def create(self, request, *args, **kwargs):
        return self._with_etag(super().create(request, *args, **kwargs), getattr(self, "_written", None))

    def update(self, request, *args, **kwargs):
        return self._with_etag(super().update(request, *args, **kwargs), getattr(self, "_written", None))

    def _with_etag(self, response, record):
        if self.versioned and record is not None and response.status_code < 300:
            response["ETag"] = preconditions.etag_of(record)
        return response
