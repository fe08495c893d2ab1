from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import BearerTokenAuthentication
from api.fields import StrictJSONTypes
from crm.users import services, tokens
from crm.users.models import ApiToken


class CredentialsSerializer(StrictJSONTypes, serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=256)


class TokenView(APIView):
    """POST: exchange e-mail and password for a bearer token. DELETE: revoke the token used."""

    authentication_classes = [BearerTokenAuthentication]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=CredentialsSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            429: OpenApiResponse(description="Too many failed sign-ins; see Retry-After"),
        },
    )
    def post(self, request):
        serializer = CredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The Django request (DRF's wraps it): the throttle reads its client address.
        user = services.sign_in(request=request._request, **serializer.validated_data)
        if user is None:
            raise ValidationError({"non_field_errors": ["Wrong e-mail or password."]})
        return Response({"token": tokens.issue_token(user=user)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ValidationError({"non_field_errors": ["Only a bearer token can be revoked."]})
        tokens.revoke_token(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)
