"""Undoing an import: the records it created are deleted and the fields it
updated set back to the values they had before it (recorded on each updated
row's result as `old`), through the records' own services, so every change
leaves its audit row; the job keeps who undid it and when.

Refused (ValidationError, nothing changed) after UNDO_WITHIN, for a dry run, a
run not finished, one already undone, or when a record the import created has
been changed since (its update time or an audit row after the run): the
message names those records, so nobody's later work is deleted unseen.
Custom field values an update changed are set back too (recorded as
`old_custom`, as the API writes them); a field deleted since is left alone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts import services as account_services
from crm.accounts.models import Account
from crm.audit import services as audit
from crm.audit.models import AuditEvent
from crm.builder import selectors as builder
from crm.builder import services as builder_services
from crm.contacts import services as contact_services
from crm.contacts.models import Contact
from crm.imports.models import ImportJob
from crm.leads import services as lead_services
from crm.leads.models import Lead

if TYPE_CHECKING:
    from crm.users.models import User

UNDO_WITHIN = timedelta(days=1)

_MODELS: dict[str, type[models.Model]] = {
    ImportJob.Kind.ACCOUNTS: Account,
    ImportJob.Kind.CONTACTS: Contact,
    ImportJob.Kind.LEADS: Lead,
}


def _delete(kind: str, record: Any, by: User) -> None:
    if kind == ImportJob.Kind.ACCOUNTS:
        account_services.delete_account(account=record, by=by)
    elif kind == ImportJob.Kind.CONTACTS:
        contact_services.delete_contact(contact=record, by=by)
    else:
        lead_services.delete_lead(lead=record, by=by)


def _update(kind: str, record: Any, by: User, values: dict[str, Any], custom: dict[str, Any]) -> None:
    if kind == ImportJob.Kind.ACCOUNTS:
        account_services.update_account(account=record, by=by, custom=custom, **values)
    elif kind == ImportJob.Kind.CONTACTS:
        contact_services.update_contact(contact=record, by=by, custom=custom, **values)
    else:
        lead_services.update_lead(lead=record, by=by, custom=custom, **values)


def _old_custom(kind: str, result: dict[str, Any]) -> dict[str, Any]:
    """The custom values an updated row changed, as they were, read back from
    their JSON as an API write would be; fields deleted since are skipped."""
    old = result.get("old_custom") or {}
    fields = [field for field in builder.fields_for(kind, include_hidden=True) if field.api_key in old]
    # No `by`: a lookup set back to the record it named before is no new reference.
    return builder_services.clean_custom_values(kind, old, by=None, partial=True, fields=fields)


def undo_refusal(job: ImportJob, *, now: Any = None) -> str:
    """Why `job` cannot be undone (not counting records changed since), or ""."""
    now = now or timezone.now()
    if job.dry_run or job.status not in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        return _("Only an import that has run can be undone.")
    if job.undone_at is not None:
        return _("This import has already been undone.")
    if job.finished_at is None or now - job.finished_at > UNDO_WITHIN:
        return _("An import can be undone only within a day of running it.")
    return ""


def _made_accounts(job: ImportJob) -> list[int]:
    """Accounts a contacts import made for the companies its rows named."""
    return [r["made_account"] for r in job.results if r["action"] == "created" and r.get("made_account")]


def changed_since(job: ImportJob) -> list[Any]:
    """The records `job` created (and that still exist) that have been changed
    since it ran: updated later, or with an audit row after it; the accounts
    it made for contacts' companies included."""
    created = [r["id"] for r in job.results if r["action"] == "created" and r.get("id")]
    return _changed(_MODELS[job.kind], created, job) + _changed(Account, _made_accounts(job), job)


def _changed(model: type[models.Model], ids: list[int], job: ImportJob) -> list[Any]:
    if not ids or job.finished_at is None:
        return []
    audited = AuditEvent.objects.filter(
        target_type=model._meta.label_lower, target_id__in=ids, created_at__gt=job.finished_at
    ).values("target_id")
    changed = model._default_manager.filter(pk__in=ids).filter(Q(updated_at__gt=job.finished_at) | Q(pk__in=audited))
    return list(changed.order_by("pk"))


@transaction.atomic
def undo_job(*, job: ImportJob, by: User) -> ImportJob:
    """Delete what `job` created and set back what it updated (each through
    the record's service, with audit rows), plus an `import.undone` audit row,
    in one transaction; ValidationError on `detail` (nothing changed) when it
    cannot be undone, naming the records changed since."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    refusal = undo_refusal(job)
    if refusal:
        raise ValidationError({"detail": [refusal]})
    changed = changed_since(job)
    if changed:
        names = ", ".join(f"#{record.pk} {record}" for record in changed)
        raise ValidationError(
            {
                "detail": [
                    _("Records this import created have been changed since: %(records)s. Nothing was undone.")
                    % {"records": names}
                ]
            }
        )
    model = _MODELS[job.kind]
    created = {r["id"] for r in job.results if r["action"] == "created" and r.get("id")}
    reverted = 0
    # The last update first: a record updated by two rows ends as it was before both.
    for result in reversed([r for r in job.results if r["action"] == "updated" and r.get("id")]):
        if result["id"] in created or not (result.get("old") or result.get("old_custom")):
            continue
        record = model._default_manager.filter(pk=result["id"]).first()
        if record is not None:
            _update(job.kind, record, by, dict(result.get("old") or {}), _old_custom(job.kind, result))
            reverted += 1
    deleted = 0
    for record in model._default_manager.filter(pk__in=created).order_by("-pk"):
        _delete(job.kind, record, by)
        deleted += 1
    for account in Account.objects.filter(pk__in=_made_accounts(job)).order_by("-pk"):
        # Kept when a contact not of this import relates to it since.
        if Contact.objects.filter(Q(account=account) | Q(account_links__account=account)).exists():
            continue
        try:
            with transaction.atomic():
                account_services.delete_account(account=account, by=by)
        except ProtectedError:
            continue  # records made since depend on it (a deal): it stays
        deleted += 1
    job.undone_at, job.undone_by = timezone.now(), by
    job.save(update_fields=["undone_at", "undone_by"])
    audit.record(actor=by, action="import.undone", target=job, payload={"deleted": deleted, "reverted": reverted})
    return job
