import django_filters
from rest_framework import serializers

from api.activities import StrictDateField, StrictDateTimeField
from api.fields import StrictJSONTypes
from api.filters import StrictBooleanFilter
from api.records import RecordViewSet
from crm.accounts.models import Account
from crm.accounts.selectors import accounts_visible_to
from crm.activities import selectors, services
from crm.activities.models import Task
from crm.contacts.models import Contact
from crm.contacts.selectors import contacts_visible_to
from crm.deals.models import Deal
from crm.deals.selectors import deals_visible_to
from crm.users.models import User


class TaskSerializer(StrictJSONTypes, serializers.ModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="User id; defaults to the caller. Managers may assign to their teams.",
    )
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(), allow_null=True, required=False)
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), allow_null=True, required=False)
    deal = serializers.PrimaryKeyRelatedField(queryset=Deal.objects.all(), allow_null=True, required=False)
    due_date = StrictDateField(allow_null=True, required=False)
    remind_at = StrictDateTimeField(
        allow_null=True,
        required=False,
        help_text="When to remind the assignee (in-app and by e-mail, once). A new time arms it again.",
    )
    reminder_sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "notes",
            "due_date",
            "remind_at",
            "reminder_sent_at",
            "assignee",
            "created_by",
            "account",
            "contact",
            "deal",
            "done",
            "done_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]
        extra_kwargs = {"done": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        # A hidden account, contact or deal answers exactly like a missing one.
        request = self.context.get("request")
        if request is not None:
            fields["account"].queryset = accounts_visible_to(request.user)
            fields["contact"].queryset = contacts_visible_to(request.user)
            fields["deal"].queryset = deals_visible_to(request.user)
        return fields


class TaskFilter(django_filters.FilterSet):
    done = StrictBooleanFilter()
    account = django_filters.ModelChoiceFilter(queryset=lambda request: accounts_visible_to(request.user))
    contact = django_filters.ModelChoiceFilter(queryset=lambda request: contacts_visible_to(request.user))
    deal = django_filters.ModelChoiceFilter(queryset=lambda request: deals_visible_to(request.user))

    class Meta:
        model = Task
        fields = ["assignee", "done", "account", "contact", "deal"]


class TaskViewSet(RecordViewSet):
    """Tasks assigned to you (or, for managers, to your teams), and those you gave others."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    search_fields = ["title", "notes"]
    ordering_fields = ["due_date", "remind_at", "created_at", "updated_at", "id"]

    visible_to = staticmethod(selectors.tasks_visible_to)
    get_for_user = staticmethod(selectors.task_get_for_user)
    create_record = staticmethod(services.create_task)

    @staticmethod
    def update_record(task, *, by, **fields):
        return services.update_task(task=task, by=by, **fields)

    @staticmethod
    def delete_record(task, *, by):
        services.delete_task(task=task, by=by)
