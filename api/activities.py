import re

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.fields import StrictJSONTypes
from api.permissions import ModuleAccess
from api.records import RecordViewSet
from api.sensitive import SensitiveFieldsMixin
from crm.accounts.models import Account
from crm.accounts.selectors import accounts_visible_to
from crm.activities import selectors, services
from crm.activities.models import Activity, ActivityComment
from crm.contacts.models import Contact
from crm.contacts.selectors import contacts_visible_to
from crm.deals.models import Deal
from crm.deals.selectors import deals_visible_to
from crm.leads.models import Lead
from crm.leads.selectors import leads_visible_to
from crm.users.models import User

_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# RFC 3339 date-time, what the document's `format: date-time` means.
_DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"


class StrictDateField(serializers.DateField):
    """YYYY-MM-DD only (RFC 3339 full-date), as the document's `format: date` says."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(_DATE, value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictDateTimeField(serializers.DateTimeField):
    """An RFC 3339 date-time with its offset, as the document's `format: date-time` says."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(_DATE_TIME, value):
            self.fail("invalid", format="YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)")
        return super().to_internal_value(value.upper())


# Activities -----------------------------------------------------------------------


class ActivitySerializer(StrictJSONTypes, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="Who logged it: a user id; defaults to the caller.",
    )
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(),
        allow_null=True,
        required=False,
        help_text="Defaults to the contact's (else the deal's) account when you can see it.",
    )
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all(), allow_null=True, required=False)
    lead = serializers.PrimaryKeyRelatedField(
        queryset=Lead.objects.all(),
        allow_null=True,
        required=False,
        help_text="A lead it was with (a call before the lead is converted); a lead you can see.",
    )
    occurred_at = StrictDateTimeField(
        required=False, help_text="When it happened, or is planned (a future time); defaults to now."
    )
    duration_minutes = serializers.IntegerField(
        allow_null=True,
        required=False,
        min_value=1,
        max_value=1440,
        help_text="How long it took (or is planned to take), in minutes; null when not said.",
    )
    next_contact_at = StrictDateField(
        allow_null=True,
        required=False,
        help_text="The next planned contact. Omitted: a call, visit, meeting or e-mail on an account with a "
        "follow-up frequency (`follow_up_days`) plans one that many days later.",
    )
    comment_count = serializers.SerializerMethodField()
    record_object = serializers.CharField(
        read_only=True,
        help_text="A custom object's name when the activity is on one of its records, else empty; "
        "log those at /api/v1/objects/<name>/<id>/activities/.",
    )
    record_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="That record's id (null when not on a custom object's record)."
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "occurred_at",
            "duration_minutes",
            "owner",
            "account",
            "contact",
            "deal",
            "lead",
            "record_object",
            "record_id",
            "next_contact_at",
            "comment_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        # Only records the caller can see are valid, so a hidden record's id
        # answers exactly like a missing one.
        request = self.context.get("request")
        if request is not None:
            for name, visible_to in (
                ("account", accounts_visible_to),
                ("contact", contacts_visible_to),
                ("deal", deals_visible_to),
                ("lead", leads_visible_to),
            ):
                if name in fields:
                    fields[name].queryset = visible_to(request.user)
        return fields

    def get_comment_count(self, activity) -> int:
        count = getattr(activity, "comment_count", None)  # annotated by the selectors
        return activity.comments.count() if count is None else count


class CustomRecordActivitySerializer(ActivitySerializer):
    """An activity logged on a custom object's record (the record is the URL's)."""

    # Setting a declared field to None removes it (DRF); the stubs know no such override.
    account = contact = deal = lead = None  # type: ignore[assignment]

    class Meta(ActivitySerializer.Meta):
        fields = [
            "id",
            "kind",
            "subject",
            "body",
            "occurred_at",
            "duration_minutes",
            "owner",
            "record_object",
            "record_id",
            "next_contact_at",
            "comment_count",
            "created_at",
            "updated_at",
        ]


class CommentSerializer(StrictJSONTypes, serializers.ModelSerializer):
    author: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="User id of who wrote it."
    )
    body = serializers.CharField(max_length=5000)

    class Meta:
        model = ActivityComment
        fields = ["id", "activity", "author", "body", "created_at"]
        read_only_fields = ["id", "activity", "author", "created_at"]


class ActivityFilter(django_filters.FilterSet):
    # Filtering by a hidden record must look like filtering by a missing one.
    account = django_filters.ModelChoiceFilter(
        queryset=lambda request: accounts_visible_to(request.user),
        method="timeline",
        label="An account's timeline: its activities and those on its contacts and deals.",
    )
    contact = django_filters.ModelChoiceFilter(
        queryset=lambda request: contacts_visible_to(request.user), method="timeline"
    )
    deal = django_filters.ModelChoiceFilter(queryset=lambda request: deals_visible_to(request.user), method="timeline")

    class Meta:
        model = Activity
        fields = ["account", "contact", "deal", "owner", "kind"]

    def timeline(self, queryset, name, value):
        # `queryset` is already what the caller may see: this narrows it to
        # the record's timeline (selectors.timeline_for).
        return queryset if value is None else queryset.filter(selectors.on_record(value))


class ActivityViewSet(RecordViewSet):
    """Calls, visits, meetings, e-mails and notes you can see: your own and your
    teams', and those on accounts, contacts and deals you can see. Filter by
    `account`, `contact` or `deal` for a record's timeline (newest first)."""

    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["subject", "body"]
    ordering_fields = ["occurred_at", "created_at", "updated_at", "id"]
    ordering = ["-occurred_at", "-id"]

    visible_to = staticmethod(selectors.activities_visible_to)
    get_for_user = staticmethod(selectors.activity_get_for_user)
    create_record = staticmethod(services.log_activity)

    @staticmethod
    def update_record(activity, *, by, **fields):
        return services.update_activity(activity=activity, by=by, **fields)

    @staticmethod
    def delete_record(activity, *, by):
        services.delete_activity(activity=activity, by=by)

    @extend_schema(
        methods=["GET"], responses=CommentSerializer(many=True), description="The activity's comments, oldest first."
    )
    @extend_schema(
        methods=["POST"],
        request=CommentSerializer,
        responses={201: CommentSerializer},
        description="Comment on an activity you can see; its owner is notified (unless it is you).",
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def comments(self, request, pk=None):
        activity = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.comments_on(activity))
            return self.get_paginated_response(CommentSerializer(page, many=True).data)
        serializer = CommentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_on_activity(activity=activity, by=request.user, **serializer.validated_data)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


# Worklists -----------------------------------------------------------------------


class WorklistAccountSerializer(SensitiveFieldsMixin, serializers.ModelSerializer):
    mask_aliases = {"last_contact_at": "last_contacted_at"}

    owner: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(read_only=True)
    last_contact_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="The latest call, visit, meeting or e-mail."
    )
    next_contact_at = serializers.DateField(read_only=True, allow_null=True, help_text="The next planned contact.")

    class Meta:
        model = Account
        fields = ["id", "name", "owner", "last_contact_at", "next_contact_at"]


class WorklistViewSet(viewsets.GenericViewSet):
    """Accounts you can see that are due for contact, one list per name."""

    permission_classes = [IsAuthenticated, ModuleAccess]
    module = "activities"
    serializer_class = WorklistAccountSerializer
    filter_backends = []
    max_days = 36500

    def _list(self, name, **options):
        page = self.paginate_queryset(selectors.worklist(self.request.user, name, **options))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        responses=WorklistAccountSerializer(many=True), description="Accounts whose next contact is due today."
    )
    @action(detail=False, methods=["get"])
    def today(self, request):
        return self._list("today")

    @extend_schema(
        responses=WorklistAccountSerializer(many=True),
        description="Accounts whose next contact is due from today to Sunday, soonest first.",
    )
    @action(detail=False, methods=["get"])
    def this_week(self, request):
        return self._list("this_week")

    @extend_schema(
        responses=WorklistAccountSerializer(many=True),
        description="Accounts whose next contact was due before today, longest overdue first.",
    )
    @action(detail=False, methods=["get"])
    def overdue(self, request):
        return self._list("overdue")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "days",
                {"type": "integer", "minimum": 1, "maximum": max_days},
                description=f"Not contacted in this many days; default {selectors.NOT_CONTACTED_RECENTLY_DAYS}.",
            )
        ],
        responses=WorklistAccountSerializer(many=True),
        description="Accounts contacted before, but not in the last `days` days; longest ago first.",
    )
    @action(detail=False, methods=["get"])
    def not_contacted_recently(self, request):
        value = request.query_params.get("days")
        if value is None:
            days = selectors.NOT_CONTACTED_RECENTLY_DAYS
        elif re.fullmatch(r"[0-9]{1,6}", value) and 1 <= int(value) <= self.max_days:
            days = int(value)
        else:
            raise ValidationError({"days": [f"An integer from 1 to {self.max_days} is required."]})
        return self._list("not_contacted_recently", days=days)

    @extend_schema(
        responses=WorklistAccountSerializer(many=True),
        description="Accounts with no call, visit, meeting or e-mail logged yet.",
    )
    @action(detail=False, methods=["get"])
    def never_contacted(self, request):
        return self._list("never_contacted")
