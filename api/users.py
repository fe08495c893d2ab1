import django_filters
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import StrictJSONTypes, TimeZoneField
from api.permissions import IsTenantAdmin
from crm.teams.models import Team
from crm.users import selectors, services
from crm.users.models import Role, User
from tenants import time_zones
from tenants.selectors import current_tenant

_SEAT_LIMIT = OpenApiResponse(description="Every paid seat is taken; nothing was created")


def _checked_time_zone(value: str | None) -> str:
    value = (value or "").strip()
    if value and not time_zones.is_valid(value):
        raise serializers.ValidationError(time_zones.unknown_zone_messages(value))
    return value


class UserSerializer(StrictJSONTypes, serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False, help_text="The user's team (one at most)."
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        max_length=256,
        help_text="Optional: without it the user is e-mailed an invitation.",
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.SALES)
    time_zone = TimeZoneField(
        allow_null=True,
        required=False,
        help_text="The user's own IANA time zone (e.g. Asia/Shanghai); null: the company's.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "role",
            "team",
            "is_active",
            "password",
            "date_joined",
            "last_login",
            "time_zone",
        ]
        read_only_fields = ["id", "date_joined", "last_login"]
        extra_kwargs = {"is_active": {"required": False}, "email": {"validators": []}}

    def to_representation(self, user):
        data = super().to_representation(user)
        invite_url = getattr(user, "_invite_url", None)
        if invite_url is not None:
            # Only in the answer to an invitation (a POST without password).
            data["invite_url"] = invite_url
        membership = getattr(user, "membership", None)  # None when the user has no team
        data["team"] = membership.team_id if membership else None
        return data

    def validate_password(self, value):
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(value, user=self.instance)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate_time_zone(self, value):
        return _checked_time_zone(value)

    def validate_email(self, value):
        if self.instance is not None and value.lower() != self.instance.email:
            raise serializers.ValidationError("The e-mail of a user cannot change.")
        return value


class MeSerializer(StrictJSONTypes, serializers.ModelSerializer):
    time_zone = TimeZoneField(
        allow_null=True,
        required=False,
        help_text="Your own IANA time zone (e.g. Asia/Shanghai); null or empty: the company's.",
    )
    effective_time_zone = serializers.SerializerMethodField(
        help_text="The zone your dates and times are in: your own, else the company's."
    )

    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "time_zone", "effective_time_zone"]
        read_only_fields = ["id", "email", "name", "role"]

    def get_effective_time_zone(self, user) -> str:
        return time_zones.effective_zone_name(tenant=current_tenant(), user=user)

    def validate_time_zone(self, value):
        return _checked_time_zone(value)


class MeView(APIView):
    """The caller's own user; PATCH {"time_zone": "Asia/Shanghai"} (or null) sets their time zone."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "time_zone" in serializer.validated_data:
            services.set_own_time_zone(user=request.user, time_zone=serializer.validated_data["time_zone"])
        return Response(MeSerializer(request.user).data)


class UserFilter(django_filters.FilterSet):
    # A strict true/false: django-filter's BooleanFilter ignores values it cannot read.
    is_active = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true"
    )

    class Meta:
        model = User
        fields = ["role", "is_active"]


class ReassignSerializer(StrictJSONTypes, serializers.Serializer):
    to = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text="The user who takes over.")


class InvitedUserSerializer(UserSerializer):
    """The answer to POST /users/ (the schema only; UserSerializer adds the key)."""

    # Not read_only: the document would then list it as always present.
    invite_url = serializers.URLField(
        required=False,
        help_text="Only when no password was given: the invitation link, the same one e-mailed to the user.",
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "invite_url"]


class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The tenant's users (admin only). Deactivate with PATCH {"is_active": false}: it frees a
    seat and keeps every record."""

    serializer_class = UserSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"\d+"
    filterset_class = UserFilter
    search_fields = ["email", "name"]
    ordering_fields = ["email", "name", "date_joined", "id"]

    def get_queryset(self):
        return selectors.users_with_teams()

    @extend_schema(parameters=[OpenApiParameter("is_active", bool, description="true or false")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=UserSerializer, responses={201: InvitedUserSerializer, 402: _SEAT_LIMIT})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(responses={200: UserSerializer, 402: _SEAT_LIMIT})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("is_active", None)

        links: list[str] = []

        def invite_url(uidb64, token):
            links.append(self.request.build_absolute_uri(reverse("invite", args=[uidb64, token])))
            return links[-1]

        user = services.create_user(by=self.request.user, invite_url=invite_url, **data)
        if links:
            # The same link the e-mail has, for the admin to pass on another way.
            user._invite_url = links[-1]
        serializer.instance = user

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("email", None)
        serializer.instance = services.update_user(user=serializer.instance, by=self.request.user, **data)

    @extend_schema(
        request=ReassignSerializer,
        responses={
            200: inline_serializer("Reassigned", {"moved": serializers.DictField(child=serializers.IntegerField())})
        },
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Give every record this user owns to another user, keeping history."""
        serializer = ReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.reassign_records(
            from_user=self.get_object(), to_user=serializer.validated_data["to"], by=request.user
        )
        return Response({"moved": moved}, status=status.HTTP_200_OK)
