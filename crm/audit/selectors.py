from django.db import models
from django.db.models import Max, QuerySet

from crm.audit import versions
from crm.audit.models import AuditEvent


def history_for(record: models.Model) -> QuerySet[AuditEvent]:
    """Every audit row of one record, newest first, with who did it. The caller
    has already checked that the user may see `record`."""
    return (
        AuditEvent.objects.filter(target_type=record._meta.label_lower, target_id=record.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def highest_target_id(target_type: str) -> int:
    """The highest record id any audit row of `target_type` names (0 if none)."""
    return AuditEvent.objects.filter(target_type=target_type).aggregate(top=Max("target_id"))["top"] or 0


def changes_since(record: models.Model, version: str) -> QuerySet[AuditEvent]:
    """The audit rows of one record written after its `version` (crm.audit.versions),
    oldest first, with who did it: what someone else saved while a form opened at
    that version was being filled in. The record services write a change's audit
    rows before the save that stamps the new version, so the rows of the write
    that made `version` are not among them. The caller has already checked that
    the user may see `record`."""
    moment = versions.moment_of(version)
    if moment is None:
        return AuditEvent.objects.none()
    return history_for(record).filter(created_at__gt=moment).order_by("created_at", "id")
