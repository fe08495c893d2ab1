from typing import TYPE_CHECKING

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from api.fields import StrictJSONTypes
from api.filters import StrictBooleanFilter
from api.records import RecordViewSet
from crm.savedviews import selectors, services
from crm.savedviews.models import SavedView

if TYPE_CHECKING:
    from crm.users.models import User

FORBIDDEN = OpenApiResponse(description="Only the person who saved the view, or an admin for a shared view.")


class SavedViewSerializer(StrictJSONTypes, serializers.ModelSerializer):
    list = serializers.ChoiceField(
        source="list_name",
        choices=SavedView.List.choices,
        help_text="The list page the view belongs to (cx:<name>: a custom object's).",
    )
    name = serializers.CharField(max_length=services.NAME_MAX, help_text="Unique per user and list.")
    query = serializers.CharField(
        max_length=services.QUERY_MAX,
        required=False,
        allow_blank=True,
        help_text="The list page's query string (filters and sort, e.g. `q=acme&owner=me&sort=-created`); "
        "the page number is not kept. Opening the view applies it to the records you can see.",
    )
    owner: "serializers.PrimaryKeyRelatedField[User]" = serializers.PrimaryKeyRelatedField(
        source="user", read_only=True, help_text="Who saved it."
    )
    may_change = serializers.SerializerMethodField(
        help_text="Whether you may rename, re-share or delete it (its author; an admin for a shared view)."
    )

    class Meta:
        model = SavedView
        fields = ["id", "list", "name", "query", "shared", "owner", "may_change", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"shared": {"help_text": "Everyone in the company may use it (each sees only their records)."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The tenant's custom objects' lists too; read per request, as they change.
        self.fields["list"].choices = selectors.lists()

    @extend_schema_field(serializers.BooleanField())
    def get_may_change(self, view):
        request = self.context.get("request")
        return bool(request) and selectors.may_change(request.user, view)


class SavedViewFilter(django_filters.FilterSet):
    list = django_filters.ChoiceFilter(
        field_name="list_name", choices=SavedView.List.choices, help_text="Only the views of this list page."
    )
    shared = StrictBooleanFilter(help_text="Only the shared views, or only the private ones.")

    class Meta:
        model = SavedView
        fields = ["list", "shared"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The tenant's custom objects' lists too, read per request as they change
        # (the tenant's OpenAPI document adds them to the enum: api/schema.py).
        list_filter = self.filters["list"]
        list_filter.extra["choices"] = [(name, name) for name in selectors.lists()]
        # The copy may carry a form field built earlier with another request's
        # choices (the OpenAPI generator builds the class's own): build it anew.
        list_filter.__dict__.pop("_field", None)


@extend_schema_view(
    partial_update=extend_schema(responses={200: SavedViewSerializer, 403: FORBIDDEN}),
    destroy=extend_schema(responses={204: None, 403: FORBIDDEN}),
)
class SavedViewViewSet(RecordViewSet):
    """Named filters and sort of a list page: your own and those shared with everyone."""

    serializer_class = SavedViewSerializer
    filterset_class = SavedViewFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.saved_views_for)

    def get_serializer_class(self):
        # No field of a saved view can be masked, and the plain class keeps the
        # document's "SavedView" component one and the same.
        return self.serializer_class

    get_for_user = staticmethod(selectors.saved_view_get_for_user)
    create_record = staticmethod(services.create_saved_view)

    @staticmethod
    def update_record(view, *, by, **fields):
        return services.update_saved_view(view=view, by=by, **fields)

    @staticmethod
    def delete_record(view, *, by):
        services.delete_saved_view(view=view, by=by)
