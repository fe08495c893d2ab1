from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from api.permissions import ModuleAccess
from api.sensitive import SensitiveFieldsMixin

_masking_serializers = {}


class RecordViewSet(viewsets.ModelViewSet):
    """CONTRACT.md "Records": GET list/detail, POST, PATCH, DELETE; no PUT.

    Subclasses name their module and their selectors and services as static
    methods; nothing here decides scope itself:
    `visible_to(user)`, `get_for_user(user, pk)`, `create_record(*, by, **fields)`,
    `update_record(instance, *, by, **fields)`, `delete_record(instance, *, by)`.
    The module (default: the model's app label) is what an admin can hide from a
    role and what sensitive fields are configured on.
    """

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    permission_classes = [IsAuthenticated, ModuleAccess]
    module = None

    def initial(self, request, *args, **kwargs):
        if self.module is None:
            self.module = self.serializer_class.Meta.model._meta.app_label
        super().initial(request, *args, **kwargs)

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()
        if serializer_class not in _masking_serializers:
            # Same name, so the OpenAPI components keep theirs.
            _masking_serializers[serializer_class] = type(
                serializer_class.__name__, (SensitiveFieldsMixin, serializer_class),
                {"__module__": serializer_class.__module__, "__doc__": serializer_class.__doc__})
        return _masking_serializers[serializer_class]

    def get_queryset(self):
        return self.visible_to(self.request.user)

    def get_object(self):
        return self.get_for_user(self.request.user, self.kwargs["pk"])

    def perform_create(self, serializer):
        serializer.instance = self.create_record(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.update_record(serializer.instance, by=self.request.user,
                                                 **serializer.validated_data)

    def perform_destroy(self, instance):
        self.delete_record(instance, by=self.request.user)
