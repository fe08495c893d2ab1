"""The purge of deleted custom fields and objects once their grace period is over."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from crm.access import services as access_services
from crm.access.permissions import custom_object_module
from crm.builder import ddl, objects, selectors
from crm.builder.models import CustomField, CustomObject, Layout
from crm.builder.services.records import forget_records
from crm.savedviews import services as savedview_services
from crm.savedviews.selectors import custom_list_name

log = logging.getLogger("crm.builder.services")


def grace_period() -> timedelta:
    """How long a deleted field or object can be restored before the purge drops it."""
    return timedelta(days=settings.BUILDER_DELETE_GRACE_DAYS)


def purge_deleted(*, now: datetime | None = None) -> list[str]:
    """Drop the columns and tables of fields and objects deleted longer ago than
    the grace period, with their metadata; each in its own transaction (one
    that finds its table busy is left for the next run). Returns what was dropped."""
    cutoff = (now or timezone.now()) - grace_period()
    dropped = []
    for field in CustomField.objects.filter(deleted_at__lt=cutoff).order_by("id"):
        try:
            with transaction.atomic():
                if (
                    objects.is_builtin(field.object_name)
                    or CustomObject.objects.filter(name=field.object_name).exists()
                ):
                    ddl.drop_column(selectors.field_def(field))
                _remove_from_layouts(field.object_name, field.name)
                field.delete()
        except ddl.Busy:
            log.warning("builder purge: %s is busy, left for the next run", field)
            continue
        dropped.append(str(field))
    for custom in CustomObject.objects.filter(deleted_at__lt=cutoff).order_by("id"):
        try:
            with transaction.atomic():
                forget_records(custom.name)
                # An object made later under this name starts visible to every role.
                access_services.forget_module(module=custom_object_module(custom.name))
                savedview_services.forget_list(custom_list_name(custom.name))
                ddl.drop_table(custom.name)
                CustomField.objects.filter(object_name=custom.name).delete()
                Layout.objects.filter(object_name=custom.name).delete()
                custom.delete()
        except ddl.Busy:
            log.warning("builder purge: %s is busy, left for the next run", custom.table)
            continue
        dropped.append(custom.table)
    return dropped


def _remove_from_layouts(object_name: str, name: str) -> None:
    for layout in Layout.objects.filter(object_name=object_name):
        if layout.kind == Layout.Kind.FORM:
            layout.sections = [
                {**section, "fields": [f for f in section["fields"] if f != name]} for section in layout.sections
            ]
        else:
            layout.sections = [f for f in layout.sections if f != name]
        layout.save(update_fields=["sections", "updated_at"])
