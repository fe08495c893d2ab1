import re
from collections.abc import Callable

import django_filters
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.exports import export_action
from api.fields import StrictJSONTypes
from api.filters import StrictBooleanFilter
from api.records import RecordViewSet
from api.schema import VIEW_SERIALIZER
from api.sensitive import MaskedPayloadMixin, SensitiveFieldsMixin
from crm.access import permissions
from crm.accounts import matching, pool, selectors, services, sharing
from crm.accounts.models import Account
from crm.audit.models import AuditEvent
from crm.audit.selectors import history_for
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.users.models import User

_DECIMAL = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


# Pieces the contacts and pool APIs use too -------------------------------------


class StrictCharField(serializers.CharField):
    """A string that must be a JSON string (also as a list item, where StrictJSONTypes does not look)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": _DECIMAL, "example": "50000.00", "nullable": True}
)
class AmountField(serializers.DecimalField):
    """An amount as a string of digits with at most two decimals."""

    default_error_messages = {"format": _('Enter an amount as a string such as "50000.00".')}

    def __init__(self, **kwargs):
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def validate_empty_values(self, data):
        # DRF reads "" as null for a nullable field; the document says a pattern.
        if data == "":
            self.fail("format")
        return super().validate_empty_values(data)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not re.fullmatch(_DECIMAL, data):
            self.fail("format")
        return super().to_internal_value(data)


class RecordEventSerializer(MaskedPayloadMixin, serializers.ModelSerializer):
    actor: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="User id; null for automatic changes (auto-release)."
    )
    payload = serializers.DictField(
        read_only=True, help_text='What changed: `[old, new]` per field; `{"label", "old", "new"}` per custom field.'
    )

    class Meta:
        model = AuditEvent
        fields = ["id", "action", "actor", "payload", "created_at"]


class UsersSerializer(StrictJSONTypes, serializers.Serializer):
    users = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True, help_text="Ids of active users."
    )


class SharedWithSerializer(serializers.Serializer):
    users = serializers.ListField(child=serializers.IntegerField(), help_text="Everyone the record is shared with.")


class MergeSerializer(StrictJSONTypes, serializers.Serializer):
    other = serializers.IntegerField(help_text="Id of the record to merge into this one; it is deleted.")


class ForceSerializer(serializers.Serializer):
    force = serializers.CharField(required=False, allow_blank=True)

    def validate_force(self, value):
        # The document says boolean: an empty ?force= is not one.
        if value not in ("true", "false"):
            raise serializers.ValidationError("Use true or false.")
        return value == "true"


class DuplicateConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    duplicates = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the look-alike records you can see."
    )


FORCE_PARAMETER = OpenApiParameter("force", bool, description="Save even if it looks like a duplicate.")
CONFLICT = OpenApiResponse(
    DuplicateConflictSerializer, description="Looks like records you can see; nothing saved. Repeat with ?force=true."
)
FORBIDDEN = OpenApiResponse(description="Only the owner, their managers and directors may do this.")


class RecordActionsMixin:
    """Create with a duplicate warning, merge, share and history: the same for accounts and contacts."""

    merge_record: Callable[..., models.Model] | None = None
    share_label = None

    @extend_schema(parameters=[FORCE_PARAMETER], responses={201: VIEW_SERIALIZER, 409: CONFLICT})
    def create(self, request, *args, **kwargs):
        force = ForceSerializer(data=request.query_params)
        force.is_valid(raise_exception=True)
        self.allow_duplicates = force.validated_data.get("force", False)
        try:
            return super().create(request, *args, **kwargs)
        except matching.PossibleDuplicates as exc:
            return Response({"detail": exc.message, "duplicates": exc.ids}, status=status.HTTP_409_CONFLICT)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _merge(self, request):
        keep = self.get_object()
        other = self.get_for_user(request.user, self._input(MergeSerializer)["other"])
        merged = self.merge_record(keep=keep, other=other, by=request.user)
        return Response(self.get_serializer(self.get_for_user(request.user, merged.pk)).data)

    def _share(self, request, service):
        record = self.get_object()
        users = self._input(UsersSerializer)["users"]
        return Response({"users": service(record=record, by=request.user, users=users)})

    def _history(self, request):
        page = self.paginate_queryset(history_for(self.get_object()))
        masked = permissions.masked_fields(request.user, self.module)
        return self.get_paginated_response(RecordEventSerializer(page, many=True, context={"masked": masked}).data)


def share_actions(noun):
    """The share, unshare and history actions, documented for `noun`."""

    @extend_schema(
        request=UsersSerializer,
        responses={200: SharedWithSerializer, 403: FORBIDDEN},
        description=f"Share the {noun} with more users: they see and edit it as if it were theirs.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def share(self, request, pk=None):
        return self._share(request, sharing.share)

    @extend_schema(
        request=UsersSerializer,
        responses={200: SharedWithSerializer, 403: FORBIDDEN},
        description=f"Stop sharing the {noun} with these users.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def unshare(self, request, pk=None):
        return self._share(request, sharing.unshare)

    @extend_schema(responses=SharedWithSerializer, description=f"Who the {noun} is shared with.")
    @action(detail=True, methods=["get"], url_path="shared-with", filter_backends=[], pagination_class=None)
    def shared_with(self, request, pk=None):
        return Response({"users": sharing.shared_with(self.get_object())})

    @extend_schema(
        responses=RecordEventSerializer(many=True),
        description=f"The {noun}'s changes, newest first (pool claims and releases included).",
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        return self._history(request)

    return share, unshare, shared_with, history


# Accounts ----------------------------------------------------------------------


class PrimaryContactSerializer(StrictJSONTypes, serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Contact.Role.choices, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class AccountSerializer(StrictJSONTypes, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="User id; defaults to the caller. Null: the account is in the customer pool "
        "(claim it from /pool/, put it there with .../release/; null is not accepted on update).",
    )
    credit_limit = AmountField(required=False, allow_null=True)
    tags = serializers.ListField(child=StrictCharField(max_length=40), required=False, max_length=30)
    watched = serializers.SerializerMethodField(help_text="On your watch list (key customers).")
    primary_contact = PrimaryContactSerializer(
        write_only=True,
        required=False,
        help_text="On create: the account's first contact (an existing one you can see with the same e-mail "
        "or phone is linked instead of a new one).",
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "kind",
            "industry",
            "region",
            "source",
            "level",
            "value_class",
            "credit_limit",
            "status",
            "owner",
            "tags",
            "phone",
            "email",
            "website",
            "billing_address",
            "shipping_address",
            "follow_up_days",
            "last_contacted_at",
            "pooled_at",
            "watched",
            "primary_contact",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "last_contacted_at", "pooled_at", "created_at", "updated_at"]

    @extend_schema_field(serializers.BooleanField())
    def get_watched(self, account):
        watched = getattr(account, "watched", None)
        if watched is None:
            request = self.context.get("request")
            watched = bool(request) and account.watches.filter(user=request.user).exists()
        return watched

    def validate(self, attrs):
        if self.instance is not None and "primary_contact" in attrs:
            raise serializers.ValidationError({"primary_contact": ["Only when creating an account."]})
        return super().validate(attrs)


class PoolAccountSerializer(SensitiveFieldsMixin, serializers.ModelSerializer):
    """What anyone may see of a pool account: who the customer is, not how to reach them."""

    # Declared: a read-only model field loses `allow_blank`, and the document its "".
    # The serializer's metaclass takes declared fields out of the class: this shadows no Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=Account.Source.choices, allow_blank=True, read_only=True
    )
    value_class = serializers.ChoiceField(choices=Account.Value.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "kind",
            "industry",
            "region",
            "source",
            "level",
            "value_class",
            "status",
            "tags",
            "pooled_at",
            "created_at",
        ]
        read_only_fields = fields


class AccountFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="filter_tag", help_text="Accounts with this tag.")
    # Strict true/false, documented as booleans: a BooleanFilter ignores a value it cannot read instead of refusing it.
    watched = StrictBooleanFilter(method="filter_watched", help_text="On your watch list, or not.")
    in_pool = StrictBooleanFilter(method="filter_in_pool", help_text="Without owner (in the customer pool), or not.")

    class Meta:
        model = Account
        fields = ["owner", "kind", "status", "level", "value_class", "source", "industry", "region"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value]) if value else queryset

    def filter_watched(self, queryset, name, value):
        return queryset.filter(watched=value)

    def filter_in_pool(self, queryset, name, value):
        return queryset.filter(owner__isnull=value)


class DuplicateQuerySerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)


class AccountCandidateSerializer(SensitiveFieldsMixin, serializers.ModelSerializer):
    matched_on = serializers.ListField(child=serializers.ChoiceField(choices=["name", "phone", "email"]))

    class Meta:
        model = Account
        fields = ["id", "name", "owner", "matched_on"]


class AccountViewSet(RecordActionsMixin, RecordViewSet):
    """Accounts (companies or people) visible to the caller."""

    serializer_class = AccountSerializer
    versioned = True
    filterset_class = AccountFilter
    search_fields = ["name", "email", "phone", "industry", "region"]
    ordering_fields = ["name", "created_at", "updated_at", "id", "level", "status", "last_contacted_at"]

    visible_to = staticmethod(selectors.accounts_visible_to)
    get_for_user = staticmethod(selectors.account_get_for_user)
    merge_record = staticmethod(services.merge_accounts)

    def get_queryset(self):
        queryset = super().get_queryset()
        if not self.request.user.is_authenticated:  # the OpenAPI generator's fake request
            return queryset
        return selectors.with_watched(queryset, self.request.user)

    def create_record(self, *, by, **fields):
        if fields.get("owner", "") is None:
            del fields["owner"]
        primary_contact = fields.pop("primary_contact", None)
        if primary_contact:
            return contact_services.create_account_with_contact(
                by=by, primary_contact=primary_contact, allow_duplicates=self.allow_duplicates, **fields
            )
        return services.create_account(by=by, allow_duplicates=self.allow_duplicates, **fields)

    @staticmethod
    def update_record(account, *, by, **fields):
        return services.update_account(account=account, by=by, **fields)

    @staticmethod
    def delete_record(account, *, by, expected_version=None):
        services.delete_account(account=account, by=by, expected_version=expected_version)

    @extend_schema(
        parameters=[DuplicateQuerySerializer],
        responses=AccountCandidateSerializer(many=True),
        description="Accounts you can see (or in the pool) with the same normalised name, phone or "
        "e-mail: what a create would warn about.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request):
        query = DuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.duplicate_candidates(request.user, **query.validated_data)
        return Response(AccountCandidateSerializer(found, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        request=MergeSerializer,
        responses={200: VIEW_SERIALIZER, 403: FORBIDDEN},
        description="Merge another account into this one: its contacts, deals, activities, leads, shares "
        "and watchers move here, blank fields are filled from it, and it is deleted.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def merge(self, request, pk=None):
        return self._merge(request)

    @extend_schema(
        request=None,
        responses={200: PoolAccountSerializer, 403: FORBIDDEN},
        description="Put the account in the customer pool (owner, their managers, directors).",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def release(self, request, pk=None):
        account = pool.release(account=self.get_object(), by=request.user)
        return Response(PoolAccountSerializer(account, context=self.get_serializer_context()).data)

    @extend_schema(
        methods=["POST"],
        request=None,
        responses={200: VIEW_SERIALIZER},
        description="Put the account on your watch list (see ?watched=true).",
    )
    @extend_schema(
        methods=["DELETE"], request=None, responses={204: None}, description="Take the account off your watch list."
    )
    @action(detail=True, methods=["post", "delete"], filter_backends=[], pagination_class=None)
    def watch(self, request, pk=None):
        account = self.get_object()
        if request.method == "DELETE":
            services.unwatch(account=account, by=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.watch(account=account, by=request.user)
        return Response(self.get_serializer(self.get_for_user(request.user, account.pk)).data)

    share, unshare, shared_with, history = share_actions("account")
    export = export_action("accounts")
