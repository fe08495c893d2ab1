from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from api.fields import StrictJSONTypes
from api.permissions import IsTenantAdmin
from crm.teams import selectors, services
from crm.teams.models import Team
from crm.users.models import User


class TeamSerializer(StrictJSONTypes, serializers.ModelSerializer):
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True, required=False
    )
    # The serializer's metaclass takes declared fields out of the class: this shadows no Field.parent.
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    members = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        many=True,
        required=False,
        help_text="User ids; a user belongs to one team at most.",
    )

    class Meta:
        model = Team
        fields = ["id", "name", "manager", "parent", "members", "created_at"]
        read_only_fields = ["id", "created_at"]

    def to_representation(self, team):
        data = super().to_representation(team)
        data["members"] = [m.user_id for m in team.memberships.all()]
        return data

    def validate_name(self, value):
        others = Team.objects.exclude(pk=getattr(self.instance, "pk", None))
        if others.filter(name__iexact=value).exists():
            raise serializers.ValidationError("A team with this name already exists.")
        return value


class TeamViewSet(viewsets.ModelViewSet):
    """Teams of the org chart (admin only). A team's manager sees the records of its
    members and of every sub-team's."""

    serializer_class = TeamSerializer
    permission_classes = [IsAuthenticated, IsTenantAdmin]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.teams_with_members()

    def perform_create(self, serializer):
        serializer.instance = services.create_team(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_team(
            team=serializer.instance, by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, team):
        services.delete_team(team=team, by=self.request.user)
