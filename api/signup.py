from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api.fields import StrictJSONTypes, TimeZoneField
from tenants import plans, selectors, services
from tenants.models import Tenant


class SignUpSerializer(StrictJSONTypes, serializers.Serializer):
    company = serializers.CharField(max_length=200)
    subdomain = serializers.CharField(max_length=63)
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=256)
    seats = serializers.IntegerField(min_value=1, max_value=10000)
    interval = serializers.ChoiceField(choices=Tenant.Interval.choices)
    plan = serializers.ChoiceField(
        required=False,
        choices=[plan.code for plan in plans.offered()],
        help_text="A plan of the catalog, e.g. standard (USD) or standard-cny (CNY); it sets the currency "
        "(a plan of another currency than `currency` is 400).",
    )
    currency = serializers.ChoiceField(
        required=False,
        choices=plans.currencies(),
        help_text="Without plan or currency: cny for a request in Chinese or an Asia/Shanghai time zone, "
        "else usd; the currency's default plan.",
    )
    time_zone = TimeZoneField(
        required=False,
        help_text="The company's IANA time zone, e.g. Asia/Shanghai (the browser's). "
        "Without it: Asia/Shanghai for a request in Chinese (Accept-Language zh-Hans), else UTC.",
    )


class SignUpView(APIView):
    """Create a company's CRM. It answers at the returned URL as soon as this returns 201."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "signup"

    @extend_schema(
        request=SignUpSerializer,
        responses={
            201: inline_serializer(
                "SignUpResult",
                {
                    "subdomain": serializers.CharField(),
                    "url": serializers.URLField(),
                    "trial_ends_at": serializers.DateTimeField(),
                },
            ),
            429: OpenApiResponse(description="Too many sign-ups from this address; see Retry-After"),
        },
    )
    def post(self, request):
        serializer = SignUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant = services.sign_up(**serializer.validated_data, language=get_language())
        return Response(
            {
                "subdomain": tenant.subdomain,
                "url": selectors.tenant_url(tenant, scheme=request.scheme, port=request.get_port()),
                "trial_ends_at": serializers.DateTimeField().to_representation(tenant.trial_ends_at),
            },
            status=status.HTTP_201_CREATED,
        )
