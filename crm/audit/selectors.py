from django.db.models import Max

from crm.audit.models import AuditEvent


def history_for(record):
    """Every audit row of one record, newest first, with who did it. The caller
    has already checked that the user may see `record`."""
    return (
        AuditEvent.objects.filter(target_type=record._meta.label_lower, target_id=record.pk)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def highest_target_id(target_type):
    """The highest record id any audit row of `target_type` names (0 if none)."""
    return AuditEvent.objects.filter(target_type=target_type).aggregate(top=Max("target_id"))["top"] or 0
