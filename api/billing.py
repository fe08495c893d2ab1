"""Billing API: the tenant admin's subscription (tenant host) and Stripe's
webhook (public host). Thin over billing.services and billing.webhooks."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import StrictJSONTypes
from api.permissions import IsTenantAdmin
from billing import selectors, services, webhooks
from tenants.models import Tenant


class SubscriptionSerializer(serializers.Serializer):
    plan = serializers.CharField(read_only=True)
    interval = serializers.ChoiceField(choices=Tenant.Interval.choices, read_only=True)
    seats = serializers.IntegerField(read_only=True)
    seats_used = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=Tenant.Status.choices, read_only=True)
    current_period_end = serializers.DateTimeField(read_only=True, allow_null=True)
    cancel_at_period_end = serializers.BooleanField(read_only=True)
    online = serializers.BooleanField(read_only=True, help_text="False when billing runs offline (no Stripe key).")


class SubscriptionChangeSerializer(StrictJSONTypes, serializers.Serializer):
    seats = serializers.IntegerField(required=False, min_value=1, max_value=services.MAX_SEATS)
    interval = serializers.ChoiceField(choices=Tenant.Interval.choices, required=False)
    plan = serializers.CharField(required=False, max_length=40)
    cancel_at_period_end = serializers.BooleanField(required=False)


class SubscriptionView(APIView):
    """The tenant's subscription: plan, interval, paid seats and seats in use."""

    permission_classes = [IsAuthenticated, IsTenantAdmin]

    @extend_schema(responses={200: SubscriptionSerializer})
    def get(self, request):
        return Response(SubscriptionSerializer(selectors.subscription_summary(request.tenant)).data)

    @extend_schema(
        request=SubscriptionChangeSerializer,
        responses={
            200: SubscriptionSerializer,
            503: OpenApiResponse(description="Stripe refused or could not be reached; nothing changed"),
        },
    )
    def patch(self, request):
        serializer = SubscriptionChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.update_subscription(tenant=request.tenant, **serializer.validated_data)
        request.tenant.refresh_from_db()
        return Response(SubscriptionSerializer(selectors.subscription_summary(request.tenant)).data)


class WebhookView(APIView):
    """Stripe events. Verified by signature, stored once by id and handled in the
    background: a replay answers 200 and changes nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "WebhookReceived", {"received": serializers.BooleanField(), "duplicate": serializers.BooleanField()}
            ),
            400: OpenApiResponse(description="Not a correctly signed Stripe event"),
        },
        auth=[],
    )
    def post(self, request):
        try:
            _event, created = webhooks.record_event(
                payload=request.body, signature=request.headers.get("Stripe-Signature", "")
            )
        except ValueError as exc:
            return Response({"detail": f"Invalid Stripe event: {exc}"}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"received": True, "duplicate": not created})
