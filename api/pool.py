import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from api.accounts import PoolAccountSerializer
from api.fields import StrictJSONTypes
from api.permissions import ModuleAccess
from api.sensitive import refuse_masked_filters, unmasked
from crm.access import permissions
from crm.accounts import pool, selectors
from crm.accounts.models import Account, PoolSettings


class PoolSettingsSerializer(StrictJSONTypes, serializers.ModelSerializer):
    class Meta:
        model = PoolSettings
        fields = ["claim_cap", "release_after_days_without_follow_up", "release_after_days_without_deal", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {
            "claim_cap": {"help_text": "Most accounts a user may own and still claim more; null: no cap."},
            "release_after_days_without_follow_up": {
                "help_text": "Owned accounts nobody followed up for this many days go back to the pool "
                "(nightly); null: never."
            },
            "release_after_days_without_deal": {
                "help_text": "Owned accounts without a deal created or changed for this many days go back to "
                "the pool (nightly); null: never."
            },
        }


class PoolFilter(django_filters.FilterSet):
    tag = django_filters.CharFilter(method="filter_tag", help_text="Accounts with this tag.")

    class Meta:
        model = Account
        fields = ["kind", "status", "level", "value_class", "source", "industry", "region"]

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__contains=[value]) if value else queryset


class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The customer pool (公海): accounts without an owner. Everyone who may use the
    pool module browses it and may claim from it, up to the tenant's cap."""

    serializer_class = PoolAccountSerializer
    permission_classes = [IsAuthenticated, ModuleAccess]
    module = "pool"
    lookup_value_regex = r"\d+"
    filterset_class = PoolFilter
    search_fields = ["name", "industry", "region"]
    ordering_fields = ["name", "pooled_at", "created_at", "id"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Pool rows are accounts: the accounts' masked fields are neither shown
        # (PoolAccountSerializer), searched, sorted by nor filtered on, as in /accounts/.
        masked = permissions.masked_fields(request.user, "accounts")
        self.search_fields = unmasked(type(self).search_fields, masked)
        self.ordering_fields = unmasked(type(self).ordering_fields, masked)
        self.masked = masked

    def filter_queryset(self, queryset):
        filters = {param: f.field_name for param, f in PoolFilter.base_filters.items()} | {"tag": "tags"}
        refuse_masked_filters(self.request.query_params, filters, getattr(self, "masked", ()))
        return super().filter_queryset(queryset)

    def get_queryset(self):
        return selectors.pool_accounts()

    def get_object(self):
        return selectors.pool_account_get(self.kwargs["pk"])

    @extend_schema(
        request=None,
        responses={200: PoolAccountSerializer},
        description="Make the account yours. 400 when you own as many accounts as the cap allows, or "
        "when someone claimed it first.",
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def claim(self, request, pk=None):
        account = pool.claim(account_id=pk, by=request.user)
        return Response(self.get_serializer(account).data)

    @extend_schema(methods=["GET"], responses=PoolSettingsSerializer, description="The tenant's pool rules.")
    @extend_schema(
        methods=["PATCH"],
        request=PoolSettingsSerializer,
        responses={
            200: PoolSettingsSerializer,
            403: OpenApiResponse(description="Only the tenant's admins may do this."),
        },
        description="Change the tenant's pool rules (admin).",
    )
    @action(detail=False, methods=["get", "patch"], url_path="settings", filter_backends=[], pagination_class=None)
    def pool_settings(self, request):
        if request.method == "GET":
            return Response(PoolSettingsSerializer(selectors.pool_settings()).data)
        if not permissions.may_administer(request.user):
            raise PermissionDenied("Only the tenant's admins may do this.")
        serializer = PoolSettingsSerializer(selectors.pool_settings(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        return Response(PoolSettingsSerializer(pool.update_settings(by=request.user, **serializer.validated_data)).data)
