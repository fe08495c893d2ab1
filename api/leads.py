from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.deals import MoneyField, StrictPrimaryKeyField
from api.exports import export_action
from api.fields import StrictJSONTypes
from api.name_search import PERSON_FILTER_BACKENDS
from api.records import RecordViewSet
from crm.accounts.models import Account
from crm.accounts.selectors import accounts_visible_to
from crm.leads import selectors, services
from crm.leads.models import Lead
from crm.users.models import User


class LeadSerializer(StrictJSONTypes, serializers.ModelSerializer):
    owner = StrictPrimaryKeyField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="User id; defaults to the caller."
    )
    name = serializers.CharField(source="full_name", read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "first_name",
            "last_name",
            "company",
            "title",
            "email",
            "phone",
            "source",
            "status",
            "owner",
            "converted_at",
            "converted_account",
            "converted_contact",
            "converted_deal",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "converted_at",
            "converted_account",
            "converted_contact",
            "converted_deal",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"status": {"help_text": "`converted` is set by converting the lead, not by writing it."}}


class ConvertSerializer(StrictJSONTypes, serializers.Serializer):
    create_deal = serializers.BooleanField(default=False, help_text="Also create a deal for the new account.")
    deal_name = serializers.CharField(
        max_length=200, required=False, help_text="Default: the lead's company, else its name."
    )
    amount = MoneyField(required=False, help_text="The deal's amount; default 0.")
    account = StrictPrimaryKeyField(
        queryset=Account.objects.all(),
        required=False,
        allow_null=True,
        help_text="An existing account to attach the contact (and deal) to; "
        "default: a new account named after the lead's company.",
    )

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["account"].queryset = accounts_visible_to(request.user)
        return fields


class ConvertedLeadSerializer(LeadSerializer):
    not_copied = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="{module: [field]}: the lead's values not copied, as those fields are hidden from your role.",
    )

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "not_copied"]


class LeadViewSet(RecordViewSet):
    """Leads visible to the caller."""

    serializer_class = LeadSerializer
    versioned = True
    filterset_fields = ["owner", "status", "source"]
    filter_backends = PERSON_FILTER_BACKENDS
    search_fields = ["first_name", "last_name", "company", "email", "phone"]
    ordering_fields = ["first_name", "last_name", "company", "status", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.leads_visible_to)
    get_for_user = staticmethod(selectors.lead_get_for_user)
    create_record = staticmethod(services.create_lead)
    export = export_action("leads")

    @staticmethod
    def update_record(lead, *, by, **fields):
        return services.update_lead(lead=lead, by=by, **fields)

    @staticmethod
    def delete_record(lead, *, by, expected_version=None):
        services.delete_lead(lead=lead, by=by, expected_version=expected_version)

    @extend_schema(
        request=ConvertSerializer,
        responses=ConvertedLeadSerializer,
        description="Turn the lead into an account (or attach it to one), a contact and optionally a "
        "deal, in one step. A lead converts once; a second attempt is a 400. An `amount` is refused "
        "when the deals' amount is hidden from your role; the lead's values are not copied into fields "
        "of the contact or deal hidden from your role (they stay empty): `not_copied` names them.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def convert(self, request, pk=None):
        lead = self.get_object()
        serializer = ConvertSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        converted = services.convert_lead(lead=lead, by=request.user, **serializer.validated_data)
        data = dict(self.get_serializer(selectors.lead_get_for_user(request.user, converted.pk)).data)
        data["not_copied"] = converted.not_copied
        return Response(data)
