"""Tasks that exist only for the tests: they report where they ran."""

from celery import shared_task
from django.core.cache import caches
from django.db import connection

from crm.accounts.services import create_account
from crm.users.models import User


@shared_task
def note_schema(marker):
    # The raw Redis client: this key must not carry a schema prefix, or the test
    # could not read it back from outside the tenant.
    caches["default"]._cache.get_client().set(f"test-marker:{marker}", connection.schema_name, ex=300)


@shared_task
def create_marker_account(name):
    admin = User.objects.filter(role="admin").order_by("id").first()
    create_account(by=admin, name=name)


@shared_task
def report_time_zone():
    from django.utils import timezone

    return timezone.get_current_timezone_name(), timezone.localdate().isoformat()
