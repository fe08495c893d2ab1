"""Importing accounts, contacts and leads from a file.

Every row is written through the accounts / contacts / leads services
(validation, duplicate keys, audit rows), never directly. Columns may also be
mapped to the tenant's custom fields of that object (crm.builder): their cells
are checked by the builder's own rules (a bad one refuses the row, the reason
naming the field) and written by the same service call as the row's record. The
services write as the user who uploaded the file: a cell for a field hidden
from their role refuses the row, the reason naming the field. A dry run runs exactly
the same code inside a transaction that is rolled back, so what it reports is
what the real run would do, and it changes nothing.

A request reads at most `settings.IMPORT_INLINE_ROWS` rows of a file (crm.imports.readers
refuses files that cannot be read, whatever they claim to be): a file with more is
counted, dry-run and imported by the worker, which reads it as a stream.

The API uploads and runs in one request (`create_job`). The web page goes in
steps on one job: `upload_file` keeps the file as a draft, `dry_run_draft` tries
a mapping as often as the user likes, `start_job` queues the real run.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, models, transaction
from django.db.models import F, Func, Q, QuerySet, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from crm.access.permissions import may_use_module
from crm.accounts import matching
from crm.accounts import selectors as account_selectors
from crm.accounts import services as account_services
from crm.builder import query as builder_query
from crm.builder import services as builder_services
from crm.builder import values as field_values
from crm.contacts import selectors as contact_selectors
from crm.contacts import services as contact_services
from crm.exports.writers import defuse
from crm.imports import custom_values, fields, headers, readers
from crm.imports import fields as fields_module
from crm.imports.fields import FIELDS, custom_fields
from crm.imports.models import ImportJob
from crm.leads import selectors as lead_selectors
from crm.leads import services as lead_services

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.builder.selectors import FieldDef
    from crm.contacts.models import Contact
    from crm.leads.models import Lead
    from crm.users.models import User

_R = TypeVar("_R", bound=models.Model)
# What an import kind does with a row: (its possible duplicates, the records the
# importer may change, create(), update(record)).
_Handlers = tuple["_Found[_R]", QuerySet[_R], Callable[[], _R], Callable[[_R], _R]]

ACTIONS = ("created", "updated", "skipped", "refused")
# Built-in fields an update may set back when its import is undone (company_name
# is no field of the record: it names the account linked).
_UNDOABLE = {name for names in FIELDS.values() for name in names} - {"company_name"}
# A real run commits, and saves its progress, every this many rows.
PROGRESS_EVERY = 50

log = logging.getLogger(__name__)


def _reason(exc: ValidationError, labels: Mapping[str, str] | None = None) -> str:
    """The messages of `exc`, each after the label of the field it is about (in the
    uploader's language: `labels`, {field: label}), as a refused row's reason."""
    if hasattr(exc, "message_dict"):
        return "; ".join(
            " ".join(messages)
            if field == NON_FIELD_ERRORS
            else f"{(labels or {}).get(field, field)}: {' '.join(messages)}"
            for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def targets(kind: str, fields: Iterable[FieldDef] | None = None) -> list[str]:
    """Every field a column of a `kind` file may be mapped to: the built-in ones
    (the first is required), then the custom fields by their API keys."""
    fields = custom_fields(kind) if fields is None else fields
    return FIELDS[kind] + [field.api_key for field in fields]


def last_mapping(kind: str) -> dict[str, str]:
    """The mapping of the tenant's latest started import of `kind` ({} if none):
    what is proposed for the same columns next time."""
    latest = (
        ImportJob.objects.filter(kind=kind)
        .exclude(status=ImportJob.Status.DRAFT)
        .order_by("-created_at", "-id")
        .values_list("mapping", flat=True)
        .first()
    )
    return dict(latest) if isinstance(latest, dict) else {}


def default_mapping(kind: str, header: Iterable[str]) -> dict[str, str]:
    """The mapping proposed for a file: each column as the tenant's last import
    of `kind` mapped it, else by a field's name or label (English or Chinese,
    custom fields by their label) or a common synonym (crm.imports.headers)."""
    return headers.propose(kind, list(header), fields.all_labels(kind), remembered=last_mapping(kind))


def _check_mapping(kind: str, mapping: Mapping[str, str], header: Collection[str]) -> None:
    errors = []
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise ValidationError({"mapping": [_("A JSON object of column name → field name.")]})
    names = targets(kind)
    for column, field in mapping.items():
        if column not in header:
            errors.append(_("The file has no column %(column)r.") % {"column": column})
        if field not in names:
            errors.append(_("%(field)r is not a field of %(kind)s.") % {"field": field, "kind": kind})
    if FIELDS[kind][0] not in mapping.values():
        errors.append(_("Map a column to %(field)s.") % {"field": FIELDS[kind][0]})
    if errors:
        raise ValidationError({"mapping": errors})


def _check_kind(by: User, kind: str) -> None:
    # Kinds are named like the modules their records belong to.
    if kind not in ImportJob.Kind.values or not may_use_module(by, kind):
        raise ValidationError({"kind": [_("You cannot import %(kind)s.") % {"kind": kind}]})


def _check_mode(mode: str) -> None:
    if mode not in ImportJob.Mode.values:
        raise ValidationError({"mode": [_("Choose what to do with duplicates.")]})


@transaction.atomic
def create_job(
    *,
    by: User,
    kind: str,
    file_name: str,
    content: bytes,
    mapping: Mapping[str, str] | None = None,
    mode: str = ImportJob.Mode.SKIP,
    dry_run: bool = False,
) -> ImportJob:
    """Check the file and the mapping (ValidationError on `file` / `mapping`)
    and record the job. A dry run of a file of at most IMPORT_INLINE_ROWS rows is
    done at once; a real run, or a dry run of a larger file, is queued for the
    worker after commit."""
    _check_kind(by, kind)
    header, rows, large = _read_inline(file_name, content)
    mapping = default_mapping(kind, header) if not mapping else mapping
    _check_mapping(kind, mapping, header)
    job = ImportJob.objects.create(
        kind=kind,
        file_name=file_name,
        file_content=content,
        mapping=mapping,
        mode=mode,
        dry_run=dry_run,
        created_by=by,
        total_rows=0 if large else len(rows),
    )
    if dry_run and not large:
        run_job(job)
    else:
        _queue(job)
    return job


def _read_inline(file_name: str, content: bytes) -> tuple[list[str], list[dict[str, str]], bool]:
    """(header, rows, whether the file has more rows than a request reads): the
    whole file when it is small, so that a bad one is refused at once."""
    inline = settings.IMPORT_INLINE_ROWS
    header, rows = readers.read(file_name, content, limit=inline + 1)
    if not rows:
        raise ValidationError({"file": [_("The file has no rows under its header.")]})
    return header, rows[:inline], len(rows) > inline


def _queue(job: ImportJob) -> None:
    from crm.imports.tasks import run_import

    transaction.on_commit(lambda: run_import.delay(job.pk))


@transaction.atomic
def upload_file(*, by: User, kind: str, file_name: str, content: bytes) -> ImportJob:
    """Check the file (ValidationError on `kind` / `file`) and keep it as a draft
    job of `by`, mapped by default_mapping; nothing is imported yet."""
    _check_kind(by, kind)
    header, rows, large = _read_inline(file_name, content)
    return ImportJob.objects.create(
        kind=kind,
        file_name=file_name,
        file_content=content,
        mapping=default_mapping(kind, header),
        status=ImportJob.Status.DRAFT,
        dry_run=True,
        created_by=by,
        # A large file is counted when it runs.
        total_rows=0 if large else len(rows),
    )


def columns(job: ImportJob) -> list[str]:
    """The named columns of the job's file, in the file's order."""
    return preview(job)[0]


def preview(job: ImportJob) -> tuple[list[str], dict[str, str]]:
    """(the named columns of the job's file in the file's order, its first row or {});
    only the start of the file is read."""
    header, rows = readers.read(job.file_name, bytes(job.file_content), limit=1)
    return [column for column in header if column], (rows[0] if rows else {})


def _configure_draft(job: ImportJob, by: User, mapping: Mapping[str, str], mode: str) -> None:
    if job.status != ImportJob.Status.DRAFT:
        raise ValidationError({"detail": _("This import has already been started.")})
    if job.created_by_id != by.pk:
        raise ValidationError({"detail": _("Only the person who uploaded the file can start its import.")})
    _check_mode(mode)
    _check_mapping(job.kind, mapping, columns(job))
    job.mapping, job.mode = mapping, mode


def dry_run_draft(*, job: ImportJob, by: User, mapping: Mapping[str, str], mode: str) -> ImportJob:
    """Try the draft `job` with this mapping and duplicate mode and roll it all
    back: the job's results and counts say what the real run would do, and
    nothing else changes. The job stays a draft. Only the first
    IMPORT_INLINE_ROWS rows are tried (all of them, in a file no larger)."""
    _configure_draft(job, by, mapping, mode)
    job.dry_run = True
    _header, rows = readers.read(job.file_name, bytes(job.file_content), limit=settings.IMPORT_INLINE_ROWS)
    with transaction.atomic():
        results = _import_rows(job, rows)
        transaction.set_rollback(True)
    _tally(job, results, len(rows))
    job.save()
    return job


@transaction.atomic
def start_job(*, job: ImportJob, by: User, mapping: Mapping[str, str], mode: str) -> ImportJob:
    """Turn the draft `job` into a real run with this mapping and duplicate mode,
    queued for the worker after commit."""
    # Locked, so that a second click on "Import" finds it started, not queued twice.
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    _configure_draft(job, by, mapping, mode)
    job.dry_run, job.status = False, ImportJob.Status.PENDING
    _tally(job, [], 0)
    job.save()
    _queue(job)
    return job


def _tally(job: ImportJob, results: list[dict[str, Any]], processed: int) -> None:
    job.results = results
    job.processed_rows = processed
    for action in ACTIONS:
        setattr(job, f"{action}_count", sum(1 for r in results if r["action"] == action))


def run_job(job: ImportJob) -> ImportJob:
    """`_run_job` in the uploader's language, which the rows' reasons are read in:
    the one they chose, else the request's (a worker's: the site's default)."""
    language = getattr(job.created_by, "language", "")
    with translation.override(language if language in dict(settings.LANGUAGES) else translation.get_language()):
        return _run_job(job)


def _run_job(job: ImportJob) -> ImportJob:
    """Import (or, for a dry run, try and roll back) every row of `job`,
    recording counts, progress and each row's outcome on the job.

    A real run commits in batches of PROGRESS_EVERY rows, each row in its own
    savepoint, and the job's counts and results in the same transaction as the
    batch's rows: whatever stops the run, what the job says was written is what
    was written. A row a service refuses (or the database does) is refused with
    its reason; anything else stops the run, which is then failed saying how far
    it got. A worker that dies leaves the job running without heartbeat, which
    fail_stale_jobs turns into the same failure."""
    job.status, job.heartbeat_at = ImportJob.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "heartbeat_at"])
    _beat(job)
    content = bytes(job.file_content)
    try:
        # All of the file is read once before any row is written: a file damaged
        # half-way fails with nothing imported.
        job.total_rows = readers.count(job.file_name, content)
        job.save(update_fields=["total_rows"])
        _header, rows = readers.stream(job.file_name, content)
        if job.dry_run:
            with transaction.atomic():
                results = _import_rows(job, rows)
                transaction.set_rollback(True)
        else:
            results = _import_rows(job, rows)
    except ValidationError as exc:  # a file that cannot be read: the uploader's to fix
        _fail(job, _reason(exc))
        return job
    except Exception as exc:  # recorded for the user; the task logs it too
        _fail(job, str(exc) or exc.__class__.__name__)
        raise
    _tally(job, results, len(results))
    job.status, job.finished_at = ImportJob.Status.DONE, timezone.now()
    job.save()
    return job


_COUNTS = ["processed_rows", *(f"{action}_count" for action in ACTIONS)]


def _fail(job: ImportJob, error: str) -> None:
    """Mark `job` failed with `error`, keeping the counts it committed (a
    batch cut short was rolled back with its rows, and left no count)."""
    committed = ImportJob.objects.filter(pk=job.pk).values(*_COUNTS, "results").get()
    for name, value in committed.items():
        setattr(job, name, value)
    job.status, job.finished_at = ImportJob.Status.FAILED, timezone.now()
    job.error = _stopped_message(job, error)
    job.save(update_fields=["status", "error", "finished_at", *_COUNTS, "results"])


def _stopped_message(job: ImportJob, error: str) -> str:
    if job.dry_run:
        return error
    return _(
        "The import stopped after %(done)d of %(total)d rows: %(created)d created, %(updated)d updated, "
        "%(skipped)d skipped, %(refused)d refused; the rows after them were not imported. %(error)s"
    ) % {
        "done": job.processed_rows,
        "total": job.total_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "skipped": job.skipped_count,
        "refused": job.refused_count,
        "error": error,
    }


class _Append(Func):
    """jsonb `||`: the job's results with a batch's appended, in the database."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = models.JSONField()


def _beat_key(job: ImportJob) -> str:
    return f"imports:heartbeat:{job.pk}"


def _beat(job: ImportJob) -> None:
    # In the cache too: a dry run commits nothing, its heartbeat included.
    cache.set(_beat_key(job), timezone.now().timestamp(), timeout=settings.IMPORT_STALE_MINUTES * 120)


def _import_rows(job: ImportJob, rows: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
    by = job.created_by
    # Read once per run: every row is judged by the same definitions.
    fields = custom_fields(job.kind)
    results: list[dict[str, Any]] = []
    counts = dict.fromkeys(ACTIONS, 0)
    run = _Run(
        codes=fields_module.choice_codes(job.kind),
        labels={name: str(label) for name, label in fields_module.import_fields(job.kind)},
    )
    numbered = enumerate(rows, start=2)  # row 1 is the header
    finished = False
    while not finished:
        with transaction.atomic():
            batch: list[dict[str, Any]] = []
            finished = True
            for number, row in numbered:
                result = _import_one(job, by, number, row, fields, run)
                batch.append(result)
                counts[result["action"]] += 1
                if len(batch) >= PROGRESS_EVERY:
                    finished = False
                    break
            results += batch
            if not job.dry_run and batch:
                # In the batch's transaction: the counts say what was committed.
                ImportJob.objects.filter(pk=job.pk).update(
                    processed_rows=len(results),
                    heartbeat_at=timezone.now(),
                    results=_Append(F("results"), Value(batch, output_field=models.JSONField())),
                    **{f"{action}_count": n for action, n in counts.items()},
                )
        _beat(job)
    return results


def _import_one(
    job: ImportJob, by: User, number: int, row: Mapping[str, str], fields: list[FieldDef], run: _Run
) -> dict[str, Any]:
    """The outcome of row `number`, in its own savepoint: written, or refused
    with the reason and nothing of it kept."""
    values = {name: row.get(column, "") for column, name in job.mapping.items()}
    try:
        with transaction.atomic():
            outcome = _import_row(job, by, values, fields, run)
    except ValidationError as exc:
        outcome = {"action": "refused", "id": None, "reason": _reason(exc, run.labels)}
    except (OperationalError, InterfaceError):
        raise  # the database is gone or the run timed out: nothing more can be written
    except DatabaseError:
        # A value PostgreSQL refuses that the services let through: the row
        # is refused, the run goes on, and the bug is logged.
        log.exception("import %s: row %s refused by the database", job.pk, number)
        outcome = {"action": "refused", "id": None, "reason": _("The database refused this row.")}
    result: dict[str, Any] = {"row": number, **outcome}
    if result["action"] == "refused":
        result["values"] = dict(row)
    elif result["action"] == "created":
        run.rows_of[result["id"]] = number
    return result


def fail_stale_jobs() -> int:
    """Jobs running without a heartbeat (in the database or the cache) for
    IMPORT_STALE_MINUTES, their worker gone, marked failed with the counts they
    committed and a message saying so; returns how many."""
    cutoff = timezone.now() - timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    stale = ImportJob.objects.filter(status=ImportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    swept = 0
    for job_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().defer("file_content").filter(pk=job_id).first()
            if job is None or job.status != ImportJob.Status.RUNNING:
                continue
            beat = cache.get(_beat_key(job))
            if beat is not None and beat >= cutoff.timestamp():
                continue  # a dry run, alive
            if job.heartbeat_at is not None and job.heartbeat_at >= cutoff:
                continue
            job.status, job.finished_at = ImportJob.Status.FAILED, timezone.now()
            job.error = _stopped_message(
                job,
                _("The worker running it stopped answering for %(minutes)d minutes.")
                % {"minutes": settings.IMPORT_STALE_MINUTES},
            )
            job.save(update_fields=["status", "error", "finished_at"])
            swept += 1
    return swept


def _custom_cells(
    kind: str, by: User, values: Mapping[str, str], fields: list[FieldDef]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The row's built-in values, and its custom ones checked as an API write
    would be ({api_key: value}); ValidationError naming the field otherwise. A
    mapped field deleted since the mapping was made refuses the row."""
    by_key = {field.api_key: field for field in fields}
    builtin: dict[str, str]
    cells: dict[str, Any]
    builtin, cells = {}, {}
    for name, text in values.items():
        if name in FIELDS[kind]:
            builtin[name] = text
        elif name in by_key:
            cells[name] = custom_values.from_cell(by_key[name], text)
        else:
            raise ValidationError({name: [_("This field no longer exists.")]})
    # Only the mapped fields, partially: an unmapped required field keeps its
    # value on an update and gets its default on a create (required fields of
    # built-in objects always have one).
    mapped = [field for field in fields if field.api_key in cells]
    return builtin, builder_services.clean_custom_values(kind, cells, by=by, partial=True, fields=mapped)


# How a match is named in a row's reason.
_ON = {
    "email": _lazy("e-mail"),
    "phone": _lazy("phone"),
    "name": _lazy("name"),
    "company": _lazy("company"),
}


@dataclass
class _Found(Generic[_R]):
    """What a row looks like: `same` are records it is taken to be (the same
    e-mail or phone, or the same name at the same company: skipped or updated
    unless the mode is create), `alike` records that only share its name (a
    warning on the row, never a skip)."""

    same: list[_R] = dc_field(default_factory=list)
    alike: list[_R] = dc_field(default_factory=list)


@dataclass
class _Run:
    """What one run remembers between rows: which row of the file made or
    changed each record (a record a dry run made is rolled back, its id means
    nothing to the user: the row that made it does)."""

    rows_of: dict[int, int] = dc_field(default_factory=dict)
    # {field: {loose text: code}} of the kind's built-in choice fields (fields.choice_codes).
    codes: dict[str, dict[str, str]] = dc_field(default_factory=dict)
    # {field: label} of the kind's fields, naming them in a refused row's reason.
    labels: dict[str, str] = dc_field(default_factory=dict)


def _on(record: models.Model) -> str:
    return _(" and ").join(str(_ON.get(label, label)) for label in getattr(record, "matched_on", []))


def _same_as(job: ImportJob, run: _Run, record: models.Model, result: dict[str, Any]) -> str:
    """'as row 12' for a record an earlier row of the file made (the result gets
    `same_as_row`; a dry run's made-up id is left out), 'as #id' otherwise."""
    row = run.rows_of.get(record.pk)
    if row is not None:
        result["same_as_row"] = row
        if job.dry_run:
            result["id"] = None
        return _("row %(row)d") % {"row": row}
    return f"#{record.pk}"


def _old_custom(kind: str, record: models.Model, custom: Mapping[str, Any], fields: list[FieldDef]) -> dict[str, Any]:
    """The custom values the row changes, as they were (as the API writes them:
    the job's results are JSON); undo sets them back."""
    changed = [field for field in fields if field.api_key in custom]
    keys = [field.api_key for field in changed]
    model = type(record)
    stored = (
        builder_query.with_custom_fields(model._base_manager.filter(pk=record.pk), kind, changed).values(*keys).first()
        or {}
    )
    return {field.api_key: field_values.to_json(field, stored.get(field.api_key)) for field in changed}


def _code(run: _Run, field: str, text: str) -> str:
    # A choice cell may hold its label (an export for people does): its code, else as it is.
    codes = run.codes.get(field)
    return codes.get(headers.loose(text), text) if codes else text


def _import_row(
    job: ImportJob, by: User, values: Mapping[str, str], fields: list[FieldDef], run: _Run
) -> dict[str, Any]:
    required = FIELDS[job.kind][0]
    if not values.get(required):
        raise ValidationError({required: [_("This field is required.")]})
    values, custom = _custom_cells(job.kind, by, values, fields)
    values = {field: _code(run, field, value) for field, value in values.items() if value != ""}
    found, changeable, create, update = _KINDS[job.kind](by, values, custom)
    result: dict[str, Any] = {"reason": ""}
    if found.same and job.mode != ImportJob.Mode.CREATE:
        match = found.same[0]
        result["id"] = match.pk
        reason = _("Same %(on)s as %(what)s.") % {"on": _on(match), "what": _same_as(job, run, match, result)}
        if job.mode == ImportJob.Mode.SKIP:
            return {**result, "action": "skipped", "reason": reason}
        if not changeable.filter(pk=match.pk).exists():
            return {**result, "action": "skipped", "reason": reason + " " + _("You cannot change it.")}
        # What the row changes, as it was: undo (crm.imports.undo) sets it back.
        result["old"] = {name: getattr(match, name) for name in values if name in _UNDOABLE and hasattr(match, name)}
        if custom:
            result["old_custom"] = _old_custom(job.kind, match, custom, fields)
        record = update(match)
        result.update(action="updated", reason=reason)
    else:
        record = create()
        result.update(action="created", id=record.pk)
        if getattr(record, "made_account", None):
            result["made_account"] = record.made_account
    alike = [r for r in found.alike if r.pk != record.pk]
    if alike:
        first, warn = alike[0], dict[str, Any]()
        what = _same_as(job, run, first, warn)
        result["warning"] = _("Same name as %(what)s, but not the same e-mail, phone or company: kept apart.") % {
            "what": what
        }
        if "same_as_row" in warn:
            result["warning_row"] = warn["same_as_row"]
    return result


def _accounts(by: User, values: dict[str, Any], custom: dict[str, Any]) -> _Handlers[Account]:
    """(duplicates, the records `by` may change, create(), update(record)) of an
    account row: an account is its company, so the same name is the same account."""
    found = account_selectors.duplicate_candidates(
        by, name=values["name"], phone=values.get("phone", ""), email=values.get("email", "")
    )
    return (
        _Found(same=found),
        account_selectors.accounts_visible_to(by),
        lambda: account_services.create_account(by=by, custom=custom, **values),
        lambda record: account_services.update_account(account=record, by=by, custom=custom, **values),
    )


def _contacts(by: User, values: dict[str, Any], custom: dict[str, Any]) -> _Handlers[Contact]:
    """A contact row is an existing contact with the same e-mail or phone, else
    one with the same name at the account its company names; one that only
    shares the name is another person (a warning). Masked keys are never
    compared (the selector's rule)."""
    email, phone = values.get("email", ""), values.get("phone", "")
    first, last = values["first_name"], values.get("last_name", "")
    same = contact_selectors.duplicate_candidates(by, email=email, phone=phone) if email or phone else []
    named = contact_selectors.duplicate_candidates(by, first_name=first, last_name=last)
    if not same and named and values.get("company_name"):
        key = matching.company_name_key(values["company_name"])
        company = account_selectors.accounts_visible_to(by).filter(name_key=key).order_by("id").first()
        if key and company is not None:
            same = contact_selectors.duplicate_candidates(by, first_name=first, last_name=last, account=company)
            for contact in same:
                contact.matched_on = ["name", "company"]
    taken = {contact.pk for contact in same}
    fields = {k: v for k, v in values.items() if k != "company_name"}

    def create() -> Contact:
        key = matching.company_name_key(values.get("company_name", ""))
        known = bool(key) and account_selectors.accounts_visible_to(by).filter(name_key=key).exists()
        contact = contact_services.create_contact(by=by, custom=custom, **values)
        if key and not known and contact.account_id:
            # A company no account stood for: the import made its account too (undo deletes it).
            setattr(contact, "made_account", contact.account_id)  # noqa: B010
        return contact

    return (
        _Found(same=same, alike=[contact for contact in named if contact.pk not in taken]),
        contact_selectors.contacts_visible_to(by),
        create,
        lambda record: contact_services.update_contact(contact=record, by=by, custom=custom, **fields),
    )


def _leads(by: User, values: dict[str, Any], custom: dict[str, Any]) -> _Handlers[Lead]:
    """A lead row is an existing lead with the same e-mail or phone, else one with
    the same name at the same company (as a contact row is); one that only shares
    the name is another person (a warning, never a skip)."""
    same = lead_selectors.duplicate_candidates(by, email=values.get("email", ""), phone=values.get("phone", ""))
    named = lead_selectors.same_name_candidates(
        by, first_name=values["first_name"], last_name=values.get("last_name", "")
    )
    company = matching.company_name_key(values.get("company", ""))
    if not same and company:
        same = [lead for lead in named if matching.company_name_key(lead.company) == company]
        for lead in same:
            lead.matched_on = ["name", "company"]
    taken = {lead.pk for lead in same}
    # A converted lead is read-only: a row matching it is skipped, not refused.
    return (
        _Found(same=same, alike=[lead for lead in named if lead.pk not in taken]),
        lead_selectors.open_leads_visible_to(by),
        lambda: lead_services.create_lead(by=by, custom=custom, **values),
        lambda record: lead_services.update_lead(lead=record, by=by, custom=custom, **values),
    )


_KINDS: dict[str, Callable[[User, dict[str, Any], dict[str, Any]], _Handlers[Any]]] = {
    ImportJob.Kind.ACCOUNTS: _accounts,
    ImportJob.Kind.CONTACTS: _contacts,
    ImportJob.Kind.LEADS: _leads,
}


def error_report(job: ImportJob) -> bytes:
    """The refused rows as CSV: the row number, the reason and the row's cells,
    each defused as an export's are (a cell that would run as a formula in a
    spreadsheet is written as text)."""
    refused = [r for r in job.results if r["action"] == "refused"]
    # The file's column order (a JSON object in the database keeps no order).
    names = columns(job)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "reason", *names])
    for result in refused:
        cells = [result["row"], result["reason"], *(result["values"].get(c, "") for c in names)]
        writer.writerow([defuse(cell) for cell in cells])
    return out.getvalue().encode("utf-8-sig")
