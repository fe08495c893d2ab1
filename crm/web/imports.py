"""Importing accounts, contacts and leads from a file, in steps on one job:
upload (a draft), map the columns and dry-run as often as needed, start the
real run on the worker and follow its progress (htmx polls until it is done).
The list of past imports is the caller's own (everyone's for admin and director)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.imports import services, undo
from crm.imports.selectors import (
    import_fields,
    import_job_get_for_user,
    import_jobs_visible_to,
    importable_kinds,
)
from crm.imports.selectors import import_template as import_template_csv
from crm.web.forms import ImportMappingForm, ImportUploadForm, add_service_errors
from crm.web.listing import list_page

SORTS = {"created": ["created_at", "id"]}
# Rows of a job's outcome shown in the page; the error report has every refused one.
PREVIEW_ROWS = 200
RECORD_PAGES = {"accounts": "account", "contacts": "contact", "leads": "lead"}
LIST_PAGES = {"accounts": "accounts", "contacts": "contacts", "leads": "leads"}
# ImportJob.Status values (pages may not import models).
DRAFT, FINISHED = "draft", ("done", "failed")


def _kind_of_referer(request):
    """The kind of the list the page was opened from (the sidebar's Import link
    clicked on /contacts/...: contacts), or None; only a page of this site counts."""
    referer = urlsplit(request.META.get("HTTP_REFERER", ""))
    if referer.netloc and referer.netloc != request.get_host():
        return None
    first = referer.path.strip("/").split("/", 1)[0]
    return first if first in LIST_PAGES else None


@login_required
def import_page(request):
    user = request.user
    kind = request.GET.get("kind") or _kind_of_referer(request)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        user=user,
        initial={"kind": kind} if kind in dict(importable_kinds(user)) else {},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.upload_file(
                by=user, kind=form.cleaned_data["kind"], file_name=upload.name, content=upload.read()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("import", pk=job.pk)
    listing = list_page(request, import_jobs_visible_to(user), sorts=SORTS, default_sort="-created")
    context = {"form": form, "listing": listing, "kinds": importable_kinds(user)}
    if request.htmx and request.htmx.target == "import-table":
        return render(request, "crm/imports/_table.html", context)
    return render(request, "crm/imports/page.html", context, status=400 if request.method == "POST" else 200)


@login_required
def import_detail(request, pk):
    """A draft: its mapping form and, after a dry run, what would happen. A
    started job: its progress, then its outcome."""
    job = import_job_get_for_user(request.user, pk)
    if job.status != DRAFT:
        return render(request, "crm/imports/detail.html", _progress_context(job, _action(request)))
    columns, first_row = services.preview(job)
    form = ImportMappingForm(
        request.POST or None, columns=columns, fields=import_fields(job.kind), mapping=job.mapping, mode=job.mode
    )
    if request.method == "POST" and form.is_valid():
        values = {"mapping": form.mapping(), "mode": form.cleaned_data["mode"]}
        try:
            if request.POST.get("action") == "start":
                services.start_job(job=job, by=request.user, **values)
                return redirect("import", pk=job.pk)
            job = services.dry_run_draft(job=job, by=request.user, **values)
        except ValidationError as error:
            add_service_errors(form, error)
    context = {
        **_progress_context(job, _action(request)),
        "form": form,
        "columns": [(field, first_row.get(field.label, "")) for field in form.column_fields()],
    }
    return render(request, "crm/imports/detail.html", context, status=400 if form.errors else 200)


@login_required
def import_progress(request, pk):
    """The progress card alone, for htmx to poll while the job runs."""
    job = import_job_get_for_user(request.user, pk)
    return render(request, "crm/imports/_progress.html", _progress_context(job, _action(request)))


@login_required
def import_errors(request, pk):
    job = import_job_get_for_user(request.user, pk)
    response = HttpResponse(services.error_report(job), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


def _action(request):
    """The outcome the table is filtered by (?action=created|updated|skipped|refused), or None."""
    wanted = request.GET.get("action")
    return wanted if wanted in services.ACTIONS else None


def _progress_context(job, action=None):
    rows = []
    results = [r for r in job.results if r["action"] == action] if action else job.results
    for result in results[:PREVIEW_ROWS]:
        url = None
        # Records a dry run "created" were rolled back; only real ones have a page.
        if result["id"] and result["action"] in ("created", "updated") and not job.dry_run:
            url = reverse(RECORD_PAGES[job.kind], args=[result["id"]])
        rows.append({**result, "url": url})
    return {
        "job": job,
        "rows": rows,
        "more_rows": max(len(results) - PREVIEW_ROWS, 0),
        "action": action,
        "actions": [
            ("", _("All")),
            ("created", _("created")),
            ("updated", _("updated")),
            ("skipped", _("skipped")),
            ("refused", _("refused")),
        ],
        "running": job.status not in FINISHED and job.status != DRAFT,
        "finished": job.status in FINISHED,
        "list_url": reverse(LIST_PAGES[job.kind]),
        "title": _("Import of %(file)s") % {"file": job.file_name},
        "inline_rows": settings.IMPORT_INLINE_ROWS,
        "undoable": not undo.undo_refusal(job) and bool(job.created_count or job.updated_count),
    }


@login_required
def import_template(request, kind):
    """The CSV header to fill in for a `kind` import."""
    if kind not in dict(importable_kinds(request.user)):
        raise Http404
    response = HttpResponse(import_template_csv(kind), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response


@login_required
@require_POST
def import_undo(request, pk):
    """Undo a finished import (crm.imports.undo); the page says why when it cannot."""
    job = import_job_get_for_user(request.user, pk)
    try:
        undo.undo_job(job=job, by=request.user)
    except ValidationError as error:
        for message in error.message_dict.get("detail", error.messages):
            messages.error(request, message)
    else:
        messages.success(request, _("The import was undone."))
    return redirect("import", pk=job.pk)
