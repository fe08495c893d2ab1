import re

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.exports import export_action
from api.fields import StrictJSONTypes
from api.records import RecordViewSet
from api.sensitive import MaskedPayloadMixin
from crm.access import permissions
from crm.accounts.models import Account
from crm.accounts.selectors import accounts_visible_to
from crm.audit.models import AuditEvent
from crm.audit.selectors import history_for
from crm.contacts.models import Contact
from crm.contacts.selectors import contacts_visible_to
from crm.deals import currencies, selectors, services
from crm.deals.models import Deal, Pipeline, Stage
from crm.users.models import User

_AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"
_TOTAL = r"^[0-9]+\.[0-9]{2}$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


# Fields that take exactly what the document says (the leads API uses them too) ---


class StrictPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A record id that must be a JSON integer, also inside lists (`many=True`)."""

    def to_internal_value(self, data):
        if not isinstance(data, int) or isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": _AMOUNT, "example": "12500.00"})
class MoneyField(serializers.DecimalField):
    """An amount as a string of digits with at most two decimals (CONTRACT.md: decimal as string)."""

    default_error_messages = {"format": _('Enter an amount as a string such as "1250.50".')}

    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(_AMOUNT, data):
            self.fail("format")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": _TOTAL, "example": "12500.00"})
class TotalField(serializers.DecimalField):
    """A sum of amounts (read only), however many digits it needs."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=None, decimal_places=2, read_only=True, **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "enum": sorted(currencies.ISO_4217),
        "example": "CNY",
        "description": "An ISO 4217 code; lower case is taken and stored in capitals.",
    }
)
class CurrencyField(serializers.CharField):
    """An ISO 4217 code (crm.deals.currencies), taken in any case and kept in
    capitals ("cny" → "CNY"); "RMB" and other non-codes are a 400 for the field."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        try:
            return currencies.normalise_currency(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc


class DateField(serializers.DateField):
    """YYYY-MM-DD only (RFC 3339 full-date), as the document's `format: date` says."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(_DATE, value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


# Pipelines and stages -------------------------------------------------------


class PipelineStageSerializer(StrictJSONTypes, serializers.ModelSerializer):
    probability = serializers.IntegerField(min_value=0, max_value=100, help_text="Win probability in percent.")

    class Meta:
        model = Stage
        fields = ["id", "name", "position", "probability", "kind"]
        read_only_fields = ["id", "position"]


# Deals ----------------------------------------------------------------------


class DealSerializer(StrictJSONTypes, serializers.ModelSerializer):
    owner = StrictPrimaryKeyField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="User id; defaults to the caller."
    )
    account = StrictPrimaryKeyField(queryset=Account.objects.all(), allow_null=True, required=False)
    contacts = StrictPrimaryKeyField(queryset=Contact.objects.all(), many=True, required=False)
    amount = MoneyField(required=False)
    currency = CurrencyField(required=False, help_text="ISO 4217 code; defaults to the tenant's (CNY).")
    expected_close_date = DateField(allow_null=True, required=False)
    pipeline = StrictPrimaryKeyField(
        queryset=Pipeline.objects.all(),
        required=False,
        help_text="Defaults to the stage's pipeline, else the default pipeline.",
    )
    stage = StrictPrimaryKeyField(
        queryset=Stage.objects.all(),
        required=False,
        help_text="A stage of the pipeline; defaults to its first. Changing it is a move (see `move`).",
    )
    lost_reason = serializers.CharField(
        max_length=2000, allow_blank=True, required=False, help_text="Required when the stage is a lost one."
    )
    competitors = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    is_paused = serializers.BooleanField(read_only=True, help_text="On hold until `paused_until`.")
    probability = serializers.IntegerField(
        source="stage.probability", read_only=True, help_text="The stage's win probability in percent."
    )

    class Meta:
        model = Deal
        fields = [
            "id",
            "name",
            "account",
            "contacts",
            "amount",
            "currency",
            "expected_close_date",
            "pipeline",
            "stage",
            "probability",
            "status",
            "owner",
            "competitors",
            "lost_reason",
            "source",
            "closed_at",
            "is_paused",
            "paused_until",
            "pause_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "status",
            "closed_at",
            "is_paused",
            "paused_until",
            "pause_reason",
            "created_at",
            "updated_at",
        ]

    def get_fields(self):
        fields = super().get_fields()
        # A hidden account or contact answers exactly like a missing one.
        request = self.context.get("request")
        if request is not None:
            fields["account"].queryset = accounts_visible_to(request.user)
            fields["contacts"].child_relation.queryset = contacts_visible_to(request.user)
        return fields


class MoveSerializer(StrictJSONTypes, serializers.Serializer):
    stage = StrictPrimaryKeyField(queryset=Stage.objects.all(), help_text="A stage of the deal's pipeline.")
    lost_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Required for a lost stage."
    )


class PauseSerializer(StrictJSONTypes, serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    until = DateField(help_text="The day the deal comes back: after today.")


class HistoryEntrySerializer(MaskedPayloadMixin, serializers.ModelSerializer):
    actor: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="User id; null for automatic changes."
    )
    payload = serializers.DictField(read_only=True, help_text="What changed; `[old, new]` per field.")

    class Meta:
        model = AuditEvent
        fields = ["id", "action", "actor", "payload", "created_at"]


class KanbanStageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="stage.id")
    name = serializers.CharField(source="stage.name")
    position = serializers.IntegerField(source="stage.position")
    probability = serializers.IntegerField(source="stage.probability")
    kind = serializers.ChoiceField(source="stage.kind", choices=Stage.Kind.choices)
    count = serializers.IntegerField(help_text="Deals in this stage that you can see.")
    totals = serializers.DictField(
        child=TotalField(),
        allow_null=True,
        help_text="Their amounts summed per currency; null when the amount is masked for your role.",
    )
    deals = serializers.SerializerMethodField(
        help_text=f"The first {selectors.KANBAN_DEALS_PER_STAGE}, most recently changed first."
    )

    # The deals list's own component, which is the masking subclass RecordViewSet makes.
    @extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/Deal"}})
    def get_deals(self, column):
        # The view's deal serializer, so the deals look (and are masked) as in the list.
        return self.context["deal_serializer"](column["deals"], many=True, context=self.context).data


class KanbanSerializer(serializers.Serializer):
    pipeline = serializers.IntegerField(source="pipeline.id")
    name = serializers.CharField(source="pipeline.name")
    stages = KanbanStageSerializer(many=True)


class SummarySerializer(serializers.Serializer):
    open_count = serializers.IntegerField(help_text="Open deals you can see.")
    totals = serializers.DictField(
        child=TotalField(),
        allow_null=True,
        help_text="Their amounts summed per currency; null when the amount is masked for your role.",
    )
    weighted_totals = serializers.DictField(
        child=TotalField(),
        allow_null=True,
        help_text="Their amounts × their stage's probability, summed per currency; null when the amount is masked.",
    )


class PipelineQuerySerializer(serializers.Serializer):
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.all(), required=False)


_PIPELINE_PARAMETER = OpenApiParameter("pipeline", int, description="A pipeline id; default: the default pipeline.")


class DealFilter(django_filters.FilterSet):
    # Filtering by a hidden account must look like filtering by a missing one.
    account = django_filters.ModelChoiceFilter(queryset=lambda request: accounts_visible_to(request.user))

    class Meta:
        model = Deal
        fields = ["owner", "account", "pipeline", "stage", "status"]


class DealViewSet(RecordViewSet):
    """Deals visible to the caller."""

    serializer_class = DealSerializer
    versioned = True
    filterset_class = DealFilter
    search_fields = ["name", "account__name"]
    ordering_fields = ["name", "amount", "expected_close_date", "closed_at", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.deals_visible_to)
    get_for_user = staticmethod(selectors.deal_get_for_user)
    create_record = staticmethod(services.create_deal)

    export = export_action("deals")

    @staticmethod
    def update_record(deal, *, by, **fields):
        return services.update_deal(deal=deal, by=by, **fields)

    @staticmethod
    def delete_record(deal, *, by, expected_version=None):
        services.delete_deal(deal=deal, by=by, expected_version=expected_version)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _deal(self, deal):
        return Response(self.get_serializer(selectors.deal_get_for_user(self.request.user, deal.pk)).data)

    @extend_schema(
        request=MoveSerializer,
        description="Move the deal to another stage of its pipeline; a lost stage needs `lost_reason`.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def move(self, request, pk=None):
        deal = self.get_object()
        data = self._input(MoveSerializer)
        return self._deal(services.move_deal(deal=deal, by=request.user, **data))

    @extend_schema(
        request=PauseSerializer, description="Put an open deal on hold until a later day; it comes back by itself then."
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def pause(self, request, pk=None):
        deal = self.get_object()
        data = self._input(PauseSerializer)
        return self._deal(services.pause_deal(deal=deal, by=request.user, **data))

    @extend_schema(request=None, description="End a deal's pause now.")
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reactivate(self, request, pk=None):
        deal = self.get_object()
        return self._deal(services.reactivate_deal(deal=deal, by=request.user))

    @extend_schema(responses=HistoryEntrySerializer(many=True), description="The deal's changes, newest first.")
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        deal = self.get_object()
        page = self.paginate_queryset(history_for(deal))
        masked = permissions.masked_fields(request.user, self.module)
        return self.get_paginated_response(HistoryEntrySerializer(page, many=True, context={"masked": masked}).data)

    @extend_schema(
        parameters=[_PIPELINE_PARAMETER],
        responses=KanbanSerializer,
        description="One pipeline's stages with the deals you can see in each, their count and totals.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def kanban(self, request):
        pipeline = self._pipeline_param() or selectors.default_pipeline()
        columns = selectors.kanban(request.user, pipeline)
        context = {**self.get_serializer_context(), "deal_serializer": self.get_serializer_class()}
        return Response(KanbanSerializer({"pipeline": pipeline, "stages": columns}, context=context).data)

    @extend_schema(
        parameters=[OpenApiParameter("pipeline", int, description="A pipeline id; default: all.")],
        responses=SummarySerializer,
        description="Open deals you can see: count, totals and totals weighted by stage probability.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request):
        return Response(SummarySerializer(selectors.summary(request.user, self._pipeline_param())).data)

    def _pipeline_param(self):
        serializer = PipelineQuerySerializer(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data.get("pipeline")
