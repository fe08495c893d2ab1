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
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.access.masking import shown
from crm.accounts import sharing
from crm.accounts.merging import KEEP, OTHER
from crm.accounts.selectors import accounts_visible_to
from crm.attachments import selectors as files
from crm.attachments import services as file_services
from crm.builder import dynamic
from crm.users.selectors import users_with_teams
from crm.web.masking import masks_for
from crm.web.related import merge_preview

# How many records the merge page offers to pick from.
MERGE_CHOICES = 20
# What a field holds when it holds nothing (a merge fills such a field by default).
EMPTY: tuple[object, ...] = (None, "", [], ())


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


def merge(request, record, *, choices, get_for_user, service, fields, back, title):
    """Merge another record into `record`: GET ?q= lists `choices(q)` to pick
    from (each with its e-mail, phone, account and owner, to tell namesakes
    apart), GET ?other=<id> shows the two side by side, a choice of the
    surviving value on each of `fields` where they differ, and what will move;
    POST other=<id> and choice_<field>=keep|other merges (400 with the reasons
    on a bad choice)."""
    other_id = request.POST.get("other") or request.GET.get("other")
    other = get_for_user(request.user, other_id) if other_id else None
    posted, errors, status = {}, {}, 200
    if request.method == "POST" and other is not None:
        posted = {
            key.removeprefix("choice_"): value for key, value in request.POST.items() if key.startswith("choice_")
        }
        try:
            service(keep=record, other=other, by=request.user, choices=posted)
        except ValidationError as error:
            errors = getattr(error, "message_dict", None) or {"choices": error.messages}
            _report(request, error)
            status = 400
        except PermissionDenied as error:
            _report(request, error)
            status = 403
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
        "module": module,
        "choices": (
            _candidates(request, module, choices(query).exclude(pk=record.pk)[:MERGE_CHOICES]) if other is None else []
        ),
        "moves": merge_preview(request.user, other) if other is not None else [],
        "rows": _comparison(request, module, record, other, fields, posted, errors) if other is not None else [],
        "other_errors": [message for key, values in errors.items() if key not in fields for message in values],
    }
    return render(request, "crm/merge_page.html", context, status=status)


def _candidates(request, module, records):
    """The records to pick from as the page shows them (masked), each with the
    name of its primary account when it has one the user may see."""
    records = list(records)
    account_ids = {getattr(r, "account_id", None) for r in records} - {None}
    visible = set(accounts_visible_to(request.user).filter(pk__in=account_ids).values_list("pk", flat=True))
    candidates = []
    for row, record in zip(masks_for(request).rows(module, records), records, strict=True):
        account_id = getattr(record, "account_id", None)
        account = record.account if account_id in visible else None
        # A MaskedRecord is read-only: its extras go beside it.
        candidates.append({"record": row, "account": account, "hidden_account": account_id and account is None})
    return candidates


def _comparison(request, module, keep, other, fields, posted, errors):
    """One row per field of `fields`: its label, both records' values as the user
    may read them, whether a value may be chosen (they differ and the field is
    not masked for the user) and which is chosen (what was posted, else what the
    merge does by default: keep's value, or other's when keep has none)."""
    masked = masks_for(request)[module]
    model = type(keep)
    visible_accounts = None
    rows = []
    for name in fields:
        field = model._meta.get_field(name)
        mine, theirs = getattr(keep, field.attname), getattr(other, field.attname)
        if field.is_relation and visible_accounts is None:
            visible_accounts = set(
                accounts_visible_to(request.user).filter(pk__in={mine, theirs} - {None}).values_list("pk", flat=True)
            )
        shown = [_value(record, field, masked, visible_accounts) for record in (keep, other)]
        choosable = mine != theirs and name not in masked
        if field.is_relation and {mine, theirs} - {None} - visible_accounts:
            # A relation to a record the user may not see is not theirs to choose.
            choosable = False
        default = OTHER if mine in EMPTY and theirs not in EMPTY else KEEP
        rows.append(
            {
                "name": name,
                "label": capfirst(field.verbose_name),
                "keep": shown[0],
                "other": shown[1],
                "choosable": choosable,
                "chosen": posted.get(name, default) if choosable else None,
                "errors": errors.get(name, []),
            }
        )
    return rows


def _value(record, field, masked, visible_accounts):
    """A field's value as the comparison shows it: masked, a choice's label, a
    related record's name (if the user may see it), else the value."""
    value = getattr(record, field.attname)
    if field.name in masked:
        return shown(value)
    if value in EMPTY:
        return ""
    if field.is_relation:
        return str(getattr(record, field.name)) if value in (visible_accounts or ()) else _("Not visible to you")
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value
