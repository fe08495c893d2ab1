from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from crm.activities import selectors, services
from crm.activities.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    link = serializers.CharField(read_only=True, help_text="Where it points: an API path, or empty.")
    read_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="Null while unread.")

    class Meta:
        model = Notification
        fields = ["id", "text", "link", "read_at", "created_at"]
        read_only_fields = fields


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your own notifications (reminders, comments on your activities), newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    lookup_value_regex = r"\d+"
    filter_backends = []

    def get_queryset(self):
        return selectors.notifications_of(self.request.user)

    def get_object(self):
        return selectors.notification_get_for_user(self.request.user, self.kwargs["pk"])

    @extend_schema(request=None, responses=NotificationSerializer, description="Mark it read.")
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = services.mark_notification_read(notification=self.get_object(), by=request.user)
        return Response(NotificationSerializer(notification).data)
