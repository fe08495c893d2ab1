import django_filters
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.accounts import FORBIDDEN, MergeSerializer, RecordActionsMixin, share_actions
from api.exports import export_action
from api.fields import StrictJSONTypes
from api.name_search import PERSON_FILTER_BACKENDS
from api.records import RecordViewSet
from api.representation import DirectRead
from api.schema import VIEW_SERIALIZER
from api.sensitive import SensitiveFieldsMixin
from crm.accounts.models import Account
from crm.accounts.selectors import account_get_for_user, accounts_visible_to
from crm.contacts import selectors, services
from crm.contacts.models import Contact, ContactAccount
from crm.users.models import User


def visible_accounts(request):
    """The accounts the caller may see, worked out once per request: the list's two
    account filters and the serializer's `account` field each need them, and each
    working-out of a user's scope costs queries (their teams)."""
    if not hasattr(request, "_visible_accounts"):
        request._visible_accounts = accounts_visible_to(request.user)
    return request._visible_accounts


class ContactAccountSerializer(DirectRead, serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=Contact.Role.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ContactAccount
        fields = ["account", "role", "is_primary"]
        read_only_fields = fields


class ContactSerializer(StrictJSONTypes, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="User id; defaults to the caller."
    )
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), allow_null=True, required=False, help_text="The primary account."
    )
    accounts = ContactAccountSerializer(
        source="account_links",
        many=True,
        read_only=True,
        help_text="Every account the person relates to, the primary one first.",
    )
    company_name = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="On create, instead of `account`: the account you can see with this (normalised) name, "
        "or a new prospect account.",
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "title",
            "role",
            "email",
            "phone",
            "account",
            "accounts",
            "company_name",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        # Only accounts the caller can see are valid, so a hidden account's id
        # answers exactly like a missing one.
        request = self.context.get("request")
        if request is not None:
            fields["account"].queryset = visible_accounts(request)
        return fields

    def validate(self, attrs):
        if self.instance is not None:
            if attrs.pop("company_name", ""):
                raise serializers.ValidationError({"company_name": ["Only when creating a contact."]})
        return super().validate(attrs)


class ContactFilter(django_filters.FilterSet):
    # Filtering by a hidden account must look like filtering by a missing one.
    account = django_filters.ModelChoiceFilter(
        queryset=visible_accounts, help_text="Contacts whose primary account this is."
    )
    related_account = django_filters.ModelChoiceFilter(
        field_name="account_links__account",
        queryset=visible_accounts,
        distinct=True,
        help_text="Contacts related to this account in any role.",
    )

    class Meta:
        model = Contact
        fields = ["owner", "account", "email", "role"]


class LinkSerializer(StrictJSONTypes, serializers.Serializer):
    account = serializers.IntegerField(help_text="An account you can see.")
    role = serializers.ChoiceField(choices=Contact.Role.choices, required=False, allow_blank=True, default="")
    is_primary = serializers.BooleanField(required=False, default=False)


class ContactDuplicateQuerySerializer(serializers.Serializer):
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)


class ContactCandidateSerializer(SensitiveFieldsMixin, serializers.ModelSerializer):
    matched_on = serializers.ListField(child=serializers.ChoiceField(choices=["name", "phone", "email"]))

    class Meta:
        model = Contact
        fields = ["id", "first_name", "last_name", "email", "phone", "account", "owner", "matched_on"]


class ContactViewSet(RecordActionsMixin, RecordViewSet):
    """Contacts visible to the caller."""

    serializer_class = ContactSerializer
    versioned = True
    filterset_class = ContactFilter
    filter_backends = PERSON_FILTER_BACKENDS
    search_fields = ["first_name", "last_name", "email", "phone", "title", "account__name"]
    ordering_fields = ["first_name", "last_name", "email", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.contacts_visible_to)
    get_for_user = staticmethod(selectors.contact_get_for_user)
    merge_record = staticmethod(services.merge_contacts)

    def create_record(self, *, by, **fields):
        return services.create_contact(by=by, allow_duplicates=self.allow_duplicates, **fields)

    @staticmethod
    def update_record(contact, *, by, **fields):
        return services.update_contact(contact=contact, by=by, **fields)

    @staticmethod
    def delete_record(contact, *, by, expected_version=None):
        services.delete_contact(contact=contact, by=by, expected_version=expected_version)

    def get_queryset(self):
        queryset = super().get_queryset()
        # The list shows owner and account as ids; loading their rows too (as the
        # selector does for pages that show their names) would only cost time.
        return queryset.select_related(None) if self.action == "list" else queryset

    def _fresh(self, contact):
        return Response(self.get_serializer(self.get_for_user(self.request.user, contact.pk)).data)

    @extend_schema(
        parameters=[ContactDuplicateQuerySerializer],
        responses=ContactCandidateSerializer(many=True),
        description="Contacts you can see with the same e-mail, phone or name: what a create would warn about.",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request):
        query = ContactDuplicateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = selectors.duplicate_candidates(request.user, **query.validated_data)
        return Response(ContactCandidateSerializer(found, many=True, context=self.get_serializer_context()).data)

    @extend_schema(
        request=MergeSerializer,
        responses={200: VIEW_SERIALIZER, 403: FORBIDDEN},
        description="Merge another contact into this one: its account links, deals, activities and "
        "shares move here, blank fields are filled from it, and it is deleted.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def merge(self, request, pk=None):
        return self._merge(request)

    @extend_schema(
        request=LinkSerializer,
        responses={200: VIEW_SERIALIZER},
        description="Relate the contact to one more account you can see, with a role; "
        "`is_primary` makes it the contact's `account`.",
    )
    @action(detail=True, methods=["post"], url_path="accounts", filter_backends=[], pagination_class=None)
    def link_account(self, request, pk=None):
        contact = self.get_object()
        data = self._input(LinkSerializer)
        account = account_get_for_user(request.user, data["account"])
        services.link_account(
            contact=contact, account=account, by=request.user, role=data["role"], is_primary=data["is_primary"]
        )
        return self._fresh(contact)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("account_id", int, OpenApiParameter.PATH)],
        description="End the contact's relation to an account (404 if there is none).",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"accounts/(?P<account_id>\d+)",
        filter_backends=[],
        pagination_class=None,
    )
    def unlink_account(self, request, pk=None, account_id=None):
        contact = self.get_object()
        account = account_get_for_user(request.user, account_id)
        if not ContactAccount.objects.filter(contact=contact, account=account).exists():
            raise Http404
        services.unlink_account(contact=contact, account=account, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    share, unshare, shared_with, history = share_actions("contact")
    export = export_action("contacts")
