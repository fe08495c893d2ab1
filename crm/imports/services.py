"""Importing accounts and contacts from a file.

Every row is written through the accounts / contacts services (validation,
duplicate keys, audit rows), never directly. A dry run runs exactly the same
code inside a transaction that is rolled back, so what it reports is what the
real run would do, and it changes nothing.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts import selectors as account_selectors
from crm.accounts import services as account_services
from crm.contacts import selectors as contact_selectors
from crm.contacts import services as contact_services
from crm.imports import readers
from crm.imports.models import ImportJob

# The fields a column may be mapped to, per kind; the first is required.
FIELDS = {
    ImportJob.Kind.ACCOUNTS: ["name", "kind", "industry", "region", "source", "level", "value_class", "status",
                              "phone", "email", "website", "billing_address", "shipping_address"],
    ImportJob.Kind.CONTACTS: ["first_name", "last_name", "title", "role", "email", "phone", "company_name"],
}
# Progress is saved every this many rows.
PROGRESS_EVERY = 50


def _reason(exc):
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


def default_mapping(kind, header):
    """Columns named like a field map to it."""
    return {column: column for column in header if column in FIELDS[kind]}


def _check_mapping(kind, mapping, header):
    errors = []
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in mapping.items()):
        raise ValidationError({"mapping": [_("A JSON object of column name → field name.")]})
    for column, field in mapping.items():
        if column not in header:
            errors.append(_("The file has no column %(column)r.") % {"column": column})
        if field not in FIELDS[kind]:
            errors.append(_("%(field)r is not a field of %(kind)s.") % {"field": field, "kind": kind})
    if FIELDS[kind][0] not in mapping.values():
        errors.append(_("Map a column to %(field)s.") % {"field": FIELDS[kind][0]})
    if errors:
        raise ValidationError({"mapping": errors})


@transaction.atomic
def create_job(*, by, kind, file_name, content, mapping=None, mode=ImportJob.Mode.SKIP, dry_run=False):
    """Check the file and the mapping (ValidationError on `file` / `mapping`)
    and record the job. A dry run is done at once; a real run is queued for the
    worker after commit."""
    header, rows = readers.read(file_name, content)
    mapping = default_mapping(kind, header) if not mapping else mapping
    _check_mapping(kind, mapping, header)
    job = ImportJob.objects.create(kind=kind, file_name=file_name, file_content=content, mapping=mapping,
                                   mode=mode, dry_run=dry_run, created_by=by, total_rows=len(rows))
    if dry_run:
        run_job(job)
    else:
        from crm.imports.tasks import run_import

        transaction.on_commit(lambda: run_import.delay(job.pk))
    return job


def run_job(job):
    """Import (or, for a dry run, try and roll back) every row of `job`,
    recording counts, progress and each row's outcome on the job."""
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        _header, rows = readers.read(job.file_name, bytes(job.file_content))
        if job.dry_run:
            with transaction.atomic():
                results = _import_rows(job, rows)
                transaction.set_rollback(True)
        else:
            results = _import_rows(job, rows)
    except Exception as exc:  # recorded for the user; the task logs it too
        job.status, job.error, job.finished_at = ImportJob.Status.FAILED, str(exc), timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    job.results = results
    job.processed_rows = len(rows)
    for action in ("created", "updated", "skipped", "refused"):
        setattr(job, f"{action}_count", sum(1 for r in results if r["action"] == action))
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.save()
    return job


def _import_rows(job, rows):
    by = job.created_by
    results = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        values = {field: row.get(column, "") for column, field in job.mapping.items()}
        try:
            with transaction.atomic():
                action, record_id, reason = _import_row(job, by, values)
        except ValidationError as exc:
            action, record_id, reason = "refused", None, _reason(exc)
        result = {"row": number, "action": action, "id": record_id, "reason": reason}
        if action == "refused":
            result["values"] = row
        results.append(result)
        if not job.dry_run and len(results) % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=job.pk).update(processed_rows=len(results))
    return results


def _import_row(job, by, values):
    required = FIELDS[job.kind][0]
    if not values.get(required):
        raise ValidationError({required: [_("This field is required.")]})
    values = {field: value for field, value in values.items() if value != ""}
    if job.kind == ImportJob.Kind.ACCOUNTS:
        found = account_selectors.duplicate_candidates(by, name=values["name"], phone=values.get("phone", ""),
                                                       email=values.get("email", ""))
        visible = account_selectors.accounts_visible_to(by)
        create = lambda: account_services.create_account(by=by, **values)  # noqa: E731
        update = lambda record: account_services.update_account(account=record, by=by, **values)  # noqa: E731
    else:
        found = contact_selectors.duplicate_candidates(
            by, first_name=values["first_name"], last_name=values.get("last_name", ""),
            email=values.get("email", ""), phone=values.get("phone", ""))
        visible = contact_selectors.contacts_visible_to(by)
        create = lambda: contact_services.create_contact(by=by, **values)  # noqa: E731
        fields = {k: v for k, v in values.items() if k != "company_name"}
        update = lambda record: contact_services.update_contact(contact=record, by=by, **fields)  # noqa: E731
    if found and job.mode != ImportJob.Mode.CREATE:
        match = found[0]
        reason = _("Same %(on)s as #%(id)s.") % {"on": "/".join(match.matched_on), "id": match.pk}
        if job.mode == ImportJob.Mode.SKIP:
            return "skipped", match.pk, reason
        if not visible.filter(pk=match.pk).exists():
            return "skipped", match.pk, reason + " " + _("You cannot change it.")
        return "updated", update(match).pk, reason
    return "created", create().pk, ""


def error_report(job):
    """The refused rows as CSV: the row number, the reason and the row's cells."""
    refused = [r for r in job.results if r["action"] == "refused"]
    # The file's column order (a JSON object in the database keeps no order).
    columns, _rows = readers.read(job.file_name, bytes(job.file_content))
    columns = [column for column in columns if column]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "reason", *columns])
    for result in refused:
        writer.writerow([result["row"], result["reason"], *(result["values"].get(c, "") for c in columns)])
    return out.getvalue().encode("utf-8-sig")
