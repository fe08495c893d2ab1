"""Actions an account's and a contact's page share: sharing with named users,
files, and merging another record into this one. The account and contact views
fetch the record through its scoped getter (404 out of scope) and hand it here;
the services decide who may do what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.accounts import sharing
from crm.attachments import selectors as files
from crm.attachments import services as file_services
from crm.builder import dynamic
from crm.users.selectors import users_with_teams
from crm.web.masking import masks_for
from crm.web.related import merge_preview

# How many records the merge page offers to pick from.
MERGE_CHOICES = 20


def _report(request, error):
    messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))


def _users(request):
    ids = [value for value in request.POST.getlist("users") if value.isdigit()]
    return list(users_with_teams().filter(pk__in=ids))


def share(request, record, *, back):
    """POST users=<id>...: let them see and edit `record` (owner and above only)."""
    users = _users(request)
    if not users:
        messages.error(request, _("Choose whom to share it with."))
        return redirect(back)
    try:
        sharing.share(record=record, by=request.user, users=users)
    except (PermissionDenied, ValidationError) as error:
        _report(request, error)
    else:
        messages.success(request, _("Shared with %(users)s.") % {"users": ", ".join(map(str, users))})
    return redirect(back)


def unshare(request, record, *, back):
    users = _users(request)
    try:
        sharing.unshare(record=record, by=request.user, users=users)
    except (PermissionDenied, ValidationError) as error:
        _report(request, error)
    return redirect(back)


def attach(request, record, *, back):
    """POST a file (multipart `file`) onto `record`."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect(back)
    try:
        attachment = file_services.add_attachment(by=request.user, record=record, upload=upload)
    except ValidationError as error:
        _report(request, error)
    else:
        messages.success(request, _("“%(name)s” uploaded.") % {"name": attachment.name})
    return redirect(back)


@login_required
def attachment_download(request, pk):
    """The file, to whoever may see its record (404 otherwise, as for a missing file)."""
    attachment = files.attachment_get_for_user(request.user, pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = files.attachment_get_for_user(request.user, pk)
    record = files.attachment_record_get_for_user(request.user, attachment)
    file_services.delete_attachment(attachment=attachment, by=request.user, record=record)
    messages.success(request, _("“%(name)s” deleted.") % {"name": attachment.name})
    if dynamic.is_record_model(type(record)):
        return redirect("custom-record", object_name=dynamic.object_name_of(record), pk=record.pk)
    try:
        # The record's page has the URL name of its model: "account", "contact", "deal".
        return redirect(reverse(record._meta.model_name, args=[record.pk]))
    except NoReverseMatch:
        return redirect("home")


def merge(request, record, *, choices, get_for_user, service, back, title):
    """Merge another record into `record`: GET ?q= lists `choices(q)` to pick
    from, GET ?other=<id> shows what will move, POST other=<id> merges."""
    other_id = request.POST.get("other") or request.GET.get("other")
    other = get_for_user(request.user, other_id) if other_id else None
    if request.method == "POST" and other is not None:
        try:
            service(keep=record, other=other, by=request.user)
        except (ValidationError, PermissionDenied) as error:
            _report(request, error)
        else:
            messages.success(
                request,
                _("“%(other)s” was merged into this record.")
                % {"other": masks_for(request).record(record._meta.app_label, other)},
            )
            return redirect(back)
    query = request.GET.get("q", "").strip()
    # The page names records, and a name may be made of fields masked for the role.
    masks, module = masks_for(request), record._meta.app_label
    context = {
        "record": masks.record(module, record),
        "other": masks.record(module, other),
        "back": back,
        "title": title,
        "q": query,
        "choices": (masks.rows(module, choices(query).exclude(pk=record.pk)[:MERGE_CHOICES]) if other is None else []),
        "moves": merge_preview(request.user, other) if other is not None else [],
    }
    return render(request, "crm/merge_page.html", context)
