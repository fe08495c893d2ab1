from typing import TYPE_CHECKING, Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response

from api.deals import PipelineStageSerializer, StrictPrimaryKeyField
from api.fields import StrictJSONTypes
from api.permissions import ModuleAccess
from crm.access import permissions
from crm.deals import selectors, services
from crm.deals.models import Pipeline

if TYPE_CHECKING:
    from rest_framework.validators import Validator


class AdminWritesOnly(BasePermission):
    """Everyone reads pipelines and stages; only the tenant's admins change them."""

    message = "Only the tenant's admins may change pipelines and stages."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or permissions.may_administer(request.user)


class PipelineSerializer(StrictJSONTypes, serializers.ModelSerializer):
    stages = PipelineStageSerializer(many=True, read_only=True, help_text="In order; edit them at /stages/.")

    class Meta:
        model = Pipeline
        fields = ["id", "name", "is_default", "stages", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The service checks names and the one default itself, as 400s on those fields.
        extra_kwargs: dict[str, dict[str, Any]] = {"name": {"validators": []}, "is_default": {"validators": []}}
        validators: "list[Validator[Any]]" = []


class PipelineCreateSerializer(PipelineSerializer):
    # The stubs miss that many=True passes min_length and max_length on to the ListSerializer.
    stages = PipelineStageSerializer(  # type: ignore[call-arg]
        many=True, required=False, min_length=1, max_length=50, help_text="In order; default: the standard six stages."
    )


class StageSerializer(PipelineStageSerializer):
    pipeline: "serializers.PrimaryKeyRelatedField[Pipeline]" = StrictPrimaryKeyField(queryset=Pipeline.objects.all())
    position = serializers.IntegerField(
        min_value=0,
        max_value=1000,
        required=False,
        help_text="0 is first; default: last. Other stages move to make room.",
    )

    class Meta(PipelineStageSerializer.Meta):
        fields = ["id", "pipeline", "name", "position", "probability", "kind"]
        read_only_fields = ["id"]
        validators: "list[Validator[Any]]" = []  # the service checks names per pipeline, as 400s on `name`


class StageUpdateSerializer(StageSerializer):
    # A stage stays in its pipeline; deals move between pipelines instead.
    pipeline: "serializers.PrimaryKeyRelatedField[Pipeline]" = serializers.PrimaryKeyRelatedField(read_only=True)


class _AdminConfigViewSet(viewsets.ModelViewSet):
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    permission_classes = [IsAuthenticated, ModuleAccess, AdminWritesOnly]
    module = "deals"


class PipelineViewSet(_AdminConfigViewSet):
    """Sales pipelines and their stages: everyone reads them, admins change them."""

    serializer_class = PipelineSerializer
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "id"]

    def get_queryset(self):
        return selectors.pipelines()

    def get_object(self):
        return selectors.pipeline_get(self.kwargs["pk"])

    @extend_schema(request=PipelineCreateSerializer, responses={201: PipelineSerializer})
    def create(self, request, *args, **kwargs):
        serializer = PipelineCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        pipeline = services.create_pipeline(by=request.user, **serializer.validated_data)
        return Response(PipelineSerializer(selectors.pipeline_get(pipeline.pk)).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.update_pipeline(
            pipeline=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_pipeline(pipeline=instance, by=self.request.user)


class StageViewSet(_AdminConfigViewSet):
    """Stages of every pipeline, in order: everyone reads them, admins change them.
    A stage that still has deals cannot be deleted or change its kind."""

    serializer_class = StageSerializer
    filterset_fields = ["pipeline", "kind"]
    ordering_fields = ["position", "name", "probability", "id"]

    def get_queryset(self):
        return selectors.stages()

    def get_object(self):
        return selectors.stage_get(self.kwargs["pk"])

    def get_serializer_class(self):
        return StageUpdateSerializer if self.action == "partial_update" else StageSerializer

    @extend_schema(request=StageUpdateSerializer, responses=StageSerializer)
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.create_stage(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_stage(
            stage=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_stage(stage=instance, by=self.request.user)
