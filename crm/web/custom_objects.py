"""The pages of the tenant's custom objects (crm.builder): a list (search, the
custom fields' filters, sort, pages; htmx refreshes only the table; saved views
and export), a record's page with every field, its timeline, files and history
(the built-in records' cards), a form to create and edit one, and delete. Records are
read through the builder's scoped selectors (owner and data scope as for
built-in records) and written through its services."""

from functools import partial, wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm.access.permissions import custom_object_module, may_use_module
from crm.attachments.selectors import attachments_of
from crm.audit.selectors import history_for
from crm.builder import selectors as builder
from crm.builder import services
from crm.savedviews.selectors import custom_list_name
from crm.web import columns, conflicts, record_actions, related
from crm.web.activities import log_from_form
from crm.web.columns import list_table
from crm.web.custom_fields import CustomFields
from crm.web.forms import ActivityForm, OwnerField, add_service_errors, assignable_owners
from crm.web.listing import export_response, list_page
from crm.web.masking import masks_for
from tenants.access import exports_data

HISTORY_ROWS = 50
SORTS = {
    "name": ["name", "id"],
    "owner": ["owner__email", "name", "id"],
    "created": ["created_at", "id"],
    "updated": ["updated_at", "id"],
}


def custom_object_page(view):
    """A page of a custom object: signed-in users who may use it; a missing or
    deleted object, or one hidden from the user's role, is a 404."""

    @login_required
    @wraps(view)
    def wrapped(request, object_name, *args, **kwargs):
        custom_object = builder.custom_object_get(object_name)
        if not may_use_module(request.user, custom_object_module(custom_object.name)):
            raise Http404
        return view(request, custom_object, *args, **kwargs)

    return wrapped


class RecordForm(forms.Form):
    """A custom record's own fields; its custom fields are added by CustomFields."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=255)
    owner = OwnerField(label=gettext_lazy("Owner"), queryset=None, required=False, empty_label=gettext_lazy("Me"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user)


def _listing(request, custom_object):
    user = request.user

    def search(queryset, text):
        # Every word in the name (list_page adds the custom text fields).
        for word in text.split():
            queryset = queryset.filter(name__icontains=word)
        return queryset

    filters = [
        ("q", search),
        (
            "owner",
            lambda qs, v: qs.filter(owner=user) if v == "me" else qs.filter(owner_id=v) if v.isdigit() else qs.none(),
        ),
    ]
    # Read without their custom values: list_page adds those it shows, filters and sorts by.
    return list_page(
        request,
        builder.records_visible_to(user, custom_object.name, fields=[]).select_related("owner"),
        sorts=SORTS,
        default_sort="name",
        filters=filters,
        custom=custom_object.name,
    )


@custom_object_page
def record_list(request, custom_object):
    listing = _listing(request, custom_object)
    # The fields the admin masked for the user's role read •••••• in the rows.
    masks_for(request).page(custom_object_module(custom_object.name), listing.page)
    context = {
        "listing": listing,
        "object": custom_object,
        "owners": assignable_owners(request.user),
        **list_table(
            columns.CUSTOM_RECORDS
            if "owner" in builder.layout_for(custom_object.name, "list")
            else columns.CUSTOM_RECORDS.without("owner")
        ),
        "list_name": custom_list_name(custom_object.name),
        "export_url": reverse("custom-records-export", args=[custom_object.name]),
    }
    if request.htmx and request.htmx.target == "record-table":
        return render(request, "crm/_list_table.html", context)
    return render(request, "crm/custom/list.html", context)


@exports_data
@custom_object_page
def record_export(request, custom_object):
    """The records the list shows with the same filters and sort, every page, as
    CSV or XLSX: the base columns, then the custom fields (crm.exports)."""
    return export_response(request, _listing(request, custom_object), kind=custom_object.name)


@custom_object_page
def record_detail(request, custom_object, pk):
    from crm.web.custom_fields import detail_context

    record = builder.record_get_for_user(request.user, custom_object.name, pk, fields=[])
    visible = builder.records_visible_to(request.user, custom_object.name, fields=[])
    context = {
        "object": custom_object,
        "record": record,
        **detail_context(request.user, custom_object.name, visible, record.pk),
        **_timeline(request.user, custom_object, record),
        "attachments": attachments_of(record).select_related("uploaded_by"),
        "attach_url": reverse("custom-record-attach", args=[custom_object.name, record.pk]),
        "history": masks_for(request).history(
            custom_object_module(custom_object.name), history_for(record)[:HISTORY_ROWS]
        ),
    }
    return render(request, "crm/custom/detail.html", context)


def _timeline(user, custom_object, record, activity_form=None):
    """The record's activities, newest first, and the form to log one: the
    built-in records' timeline card (crm/_timeline.html); nothing when the
    activities module is hidden from the user's role."""
    if not may_use_module(user, "activities"):
        return {}
    return {
        "timeline": related.timeline(user, record),
        "activity_form": activity_form or ActivityForm(next_contact=False),
        "log_activity_url": reverse("custom-record-log-activity", args=[custom_object.name, record.pk]),
    }


@custom_object_page
def record_log_activity(request, custom_object, pk):
    """POST: log an activity on the record; the timeline card comes back (htmx) or the page is reloaded."""
    if not may_use_module(request.user, "activities"):
        raise Http404
    record = builder.record_get_for_user(request.user, custom_object.name, pk, fields=[])
    if request.method != "POST":
        return redirect("custom-record", object_name=custom_object.name, pk=record.pk)
    form = log_from_form(request, record=record)
    if not request.htmx:
        return redirect("custom-record", object_name=custom_object.name, pk=record.pk)
    # htmx swaps only 2xx answers by default, so the form with its errors comes back as 200.
    return render(request, "crm/_timeline.html", _timeline(request.user, custom_object, record, form))


@custom_object_page
@require_POST
def record_attach(request, custom_object, pk):
    """POST a file (multipart `file`) onto the record; download and delete are the built-in records' own."""
    record = builder.record_get_for_user(request.user, custom_object.name, pk, fields=[])
    return record_actions.attach(request, record, back=reverse("custom-record", args=[custom_object.name, record.pk]))


@custom_object_page
def record_create(request, custom_object):
    return _edit(request, custom_object, None)


@custom_object_page
def record_edit(request, custom_object, pk):
    return _edit(request, custom_object, builder.record_get_for_user(request.user, custom_object.name, pk))


def _form(
    request: HttpRequest, custom_object: Any, record: Any, data: QueryDict | None
) -> tuple[RecordForm, CustomFields]:
    """The record's edit form (a new record's: `record` None) on `data`."""
    initial = {"name": record.name, "owner": record.owner_id} if record is not None else {}
    form = RecordForm(data, initial=initial, user=request.user)
    custom = CustomFields(form, custom_object.name, request.user, record=record)
    conflicts.carry_version(form, record)
    return form, custom


def _edit(request, custom_object, record):
    name = custom_object.name
    form, custom = _form(request, custom_object, record, request.POST or None)
    status = 400
    if request.method == "POST" and custom.is_valid():
        try:
            if record is None:
                record = services.create_record(
                    name,
                    by=request.user,
                    name=form.cleaned_data["name"],
                    owner=form.cleaned_data["owner"],
                    values=custom.values,
                )
            else:
                changes = {"name": form.cleaned_data["name"]}
                if form.cleaned_data["owner"] is not None:
                    changes["owner"] = form.cleaned_data["owner"]
                record = conflicts.save(
                    form,
                    record,
                    lambda version: services.update_record(
                        name,
                        record,
                        by=request.user,
                        values=conflicts.edited(form, custom.values),
                        expected_version=version,
                        **conflicts.edited(form, changes),
                    ),
                )
        except conflicts.Conflict as conflict:
            form, custom = conflict.redisplay(partial(_form, request, custom_object))
            status = 409
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            url = reverse("custom-record", args=[name, record.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    back = reverse("custom-record", args=[name, record.pk]) if record else reverse("custom-records", args=[name])
    context = {
        "form": form,
        "action": request.get_full_path(),
        "cancel": back,
        "object": custom_object,
        "title": (_("Edit %(object)s") if record else _("New %(object)s")) % {"object": custom_object.label},
    }
    if request.htmx:
        return render(request, "crm/_form.html", context)
    return render(request, "crm/form_page.html", context, status=status if request.method == "POST" else 200)


@custom_object_page
@require_POST
def record_delete(request, custom_object, pk):
    record = builder.record_get_for_user(request.user, custom_object.name, pk, fields=[])
    try:
        services.delete_record(custom_object.name, record, by=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(error.messages))
        return redirect("custom-record", object_name=custom_object.name, pk=record.pk)
    messages.success(request, _("%(record)s deleted.") % {"record": record.name})
    return redirect("custom-records", object_name=custom_object.name)
