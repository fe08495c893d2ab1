from rest_framework import serializers

from api.fields import StrictJSONTypes
from api.records import RecordViewSet
from crm.accounts import selectors, services
from crm.accounts.models import Account
from crm.users.models import User


class AccountSerializer(StrictJSONTypes, serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), required=False,
                                               help_text="User id; defaults to the caller.")

    class Meta:
        model = Account
        fields = ["id", "name", "owner", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class AccountViewSet(RecordViewSet):
    """Accounts (companies or people) visible to the caller."""

    serializer_class = AccountSerializer
    filterset_fields = ["owner"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.accounts_visible_to)
    get_for_user = staticmethod(selectors.account_get_for_user)
    create_record = staticmethod(services.create_account)

    @staticmethod
    def update_record(account, *, by, **fields):
        return services.update_account(account=account, by=by, **fields)

    @staticmethod
    def delete_record(account, *, by):
        services.delete_account(account=account, by=by)
