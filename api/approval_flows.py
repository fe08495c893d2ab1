"""The tenant's approval flows (admin only): one per kind, ordered steps with
their approvers, mode and conditions. Every change is a new version; requests
already submitted keep theirs (crm/approvals/flows.py)."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api.approvals import ConditionSerializer, _kind_choices, caller
from api.fields import StrictJSONTypes
from api.permissions import IsTenantAdmin
from crm.approvals import flows, selectors
from crm.approvals.models import MAX_LEVELS, ApprovalFlow, ApproverType, Mode
from crm.users.models import Role


class StepSerializer(StrictJSONTypes, serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    approver_type = serializers.ChoiceField(
        choices=ApproverType.choices,
        help_text="`role`: everyone with `role`; `manager`: the submitter's managers, `levels` up the org chart; "
        "`user`: `user`.",
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True, default="")
    levels = serializers.IntegerField(min_value=1, max_value=MAX_LEVELS, required=False, default=1)
    user = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="An active user's id.")
    mode = serializers.ChoiceField(
        choices=Mode.choices, required=False, default=Mode.ANY, help_text="`any`: the first approval decides."
    )
    conditions = ConditionSerializer(
        many=True, required=False, default=list, help_text="All must hold for the step to apply; else it is skipped."
    )


class ApprovalFlowSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    steps = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalFlow
        fields = ["id", "kind", "name", "version", "steps", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, flow: ApprovalFlow) -> list[dict[str, Any]]:
        return StepSerializer(flows.steps_of(flow), many=True).data  # type: ignore[return-value]


class FlowCreateSerializer(StrictJSONTypes, serializers.Serializer):
    kind = serializers.ChoiceField(choices=[], help_text="A registered kind without a flow yet.")
    name = serializers.CharField(max_length=100)
    steps = StepSerializer(many=True, help_text="In order; none: no approval needed.")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        cast(serializers.ChoiceField, fields["kind"]).choices = _kind_choices()
        return fields


class FlowUpdateSerializer(StrictJSONTypes, serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    steps = StepSerializer(many=True, required=False, help_text="Replaces every step, as a new version.")


class ApprovalFlowViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The approval flows of the tenant (admin only). A kind without a flow goes to
    the submitter's manager; a flow without steps needs no approval. Deleting a
    flow brings its kind back to the default."""

    serializer_class = ApprovalFlowSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    lookup_value_regex = r"\d+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ApprovalFlow]:
        return selectors.flows()

    def get_object(self) -> ApprovalFlow:
        return selectors.flow_get(self.kwargs["pk"])

    @extend_schema(request=FlowCreateSerializer, responses={201: ApprovalFlowSerializer})
    def create(self, request: Request) -> Response:
        serializer = FlowCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if selectors.flow_for(data["kind"]) is not None:
            raise ValidationError({"kind": [_("This kind already has a flow; change that one.")]})
        flow = flows.save_flow(by=caller(request), kind=data["kind"], name=data["name"], steps=data["steps"])
        return Response(ApprovalFlowSerializer(selectors.flow_get(flow.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FlowUpdateSerializer, responses={200: ApprovalFlowSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        flow = self.get_object()
        serializer = FlowUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        flow = flows.save_flow(
            by=caller(request),
            kind=flow.kind,
            name=data.get("name", flow.name),
            steps=data["steps"] if "steps" in data else flows.steps_of(flow),
        )
        return Response(ApprovalFlowSerializer(selectors.flow_get(flow.pk)).data)

    def perform_destroy(self, instance: ApprovalFlow) -> None:
        flows.delete_flow(by=caller(self.request), flow=instance)
