from typing import TYPE_CHECKING, Any

from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from api.fields import StrictJSONTypes
from api.permissions import IsTenantAdmin
from crm.access import permissions, services
from crm.access.models import ModulePermission, SensitiveField
from crm.users.models import Role

if TYPE_CHECKING:
    from rest_framework.validators import Validator

_ROLES = [Role.DIRECTOR, Role.MANAGER, Role.SALES]


class ModulePermissionSerializer(StrictJSONTypes, serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=_ROLES)
    module = serializers.ChoiceField(choices=permissions.AVAILABLE_MODULES)
    hidden = serializers.BooleanField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The tenant's custom objects are modules too; read per request, as they change.
        self.fields["module"].choices = permissions.modules()

    class Meta:
        model = ModulePermission
        fields = ["id", "role", "module", "hidden"]
        read_only_fields = ["id"]
        validators: "list[Validator[Any]]" = []


class SensitiveFieldSerializer(StrictJSONTypes, serializers.ModelSerializer):
    module = serializers.ChoiceField(choices=permissions.AVAILABLE_MODULES)
    field = serializers.RegexField(r"^[a-z_][a-z0-9_]{0,59}$")
    hidden_from = serializers.ListField(child=serializers.ChoiceField(choices=_ROLES), allow_empty=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A custom object's fields may be masked too (its module is the object); read per request.
        self.fields["module"].choices = permissions.modules()

    class Meta:
        model = SensitiveField
        fields = ["id", "module", "field", "hidden_from"]
        read_only_fields = ["id"]
        validators: "list[Validator[Any]]" = []


class ModulePermissionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Which modules each role may use (admin only). POST sets one role × module;
    no row means visible."""

    serializer_class = ModulePermissionSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    queryset = ModulePermission.objects.order_by("role", "module")

    def perform_create(self, serializer):
        serializer.instance = services.set_module_visibility(by=self.request.user, **serializer.validated_data)


class SensitiveFieldViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Fields masked for some roles (admin only). POST sets the roles of one module × field."""

    serializer_class = SensitiveFieldSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    queryset = SensitiveField.objects.order_by("module", "field")

    def perform_create(self, serializer):
        serializer.instance = services.set_sensitive_field(by=self.request.user, **serializer.validated_data)
