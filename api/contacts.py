import django_filters
from rest_framework import serializers

from api.fields import StrictJSONTypes
from api.records import RecordViewSet
from crm.accounts.models import Account
from crm.accounts.selectors import accounts_visible_to
from crm.contacts import selectors, services
from crm.contacts.models import Contact
from crm.users.models import User


class ContactSerializer(StrictJSONTypes, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                               help_text="User id; defaults to the caller.")
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Contact
        fields = ["id", "first_name", "last_name", "email", "phone", "account", "owner", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        # Only accounts the caller can see are valid, so a hidden account's id
        # answers exactly like a missing one.
        request = self.context.get("request")
        if request is not None:
            fields["account"].queryset = accounts_visible_to(request.user)
        return fields


class ContactFilter(django_filters.FilterSet):
    # Filtering by a hidden account must look like filtering by a missing one.
    account = django_filters.ModelChoiceFilter(queryset=lambda request: accounts_visible_to(request.user))

    class Meta:
        model = Contact
        fields = ["owner", "account", "email"]


class ContactViewSet(RecordViewSet):
    """Contacts visible to the caller."""

    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "phone", "account__name"]
    ordering_fields = ["first_name", "last_name", "email", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.contacts_visible_to)
    get_for_user = staticmethod(selectors.contact_get_for_user)
    create_record = staticmethod(services.create_contact)

    @staticmethod
    def update_record(contact, *, by, **fields):
        return services.update_contact(contact=contact, by=by, **fields)

    @staticmethod
    def delete_record(contact, *, by):
        services.delete_contact(contact=contact, by=by)
