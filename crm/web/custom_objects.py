"""The pages of the tenant's custom objects (crm.builder): a list (search, the
custom fields' filters, sort, pages; htmx refreshes only the table), a record's
page with every field, a form to create and edit one, and delete. Records are
read through the builder's scoped selectors (owner and data scope as for
built-in records) and written through its services."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm.access.permissions import custom_object_module, may_use_module
from crm.builder import selectors as builder
from crm.builder import services
from crm.web.custom_fields import CustomFields
from crm.web.forms import OwnerField, add_service_errors, assignable_owners
from crm.web.listing import list_page

SORTS = {"name": ["name", "id"], "owner": ["owner__email", "name", "id"], "created": ["created_at", "id"],
         "updated": ["updated_at", "id"]}


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

    filters = [("q", search),
               ("owner", lambda qs, v: qs.filter(owner=user) if v == "me"
                else qs.filter(owner_id=v) if v.isdigit() else qs.none())]
    # Read without their custom values: list_page adds those it shows, filters and sorts by.
    return list_page(request, builder.records_visible_to(user, custom_object.name, fields=[]).select_related("owner"),
                     sorts=SORTS, default_sort="name", filters=filters, custom=custom_object.name)


@custom_object_page
def record_list(request, custom_object):
    listing = _listing(request, custom_object)
    context = {"listing": listing, "object": custom_object, "owners": assignable_owners(request.user),
               "shows_owner": "owner" in builder.layout_for(custom_object.name, "list")}
    if request.htmx and request.htmx.target == "record-table":
        return render(request, "crm/custom/_table.html", context)
    return render(request, "crm/custom/list.html", context)


@custom_object_page
def record_detail(request, custom_object, pk):
    from crm.web.custom_fields import detail_context

    record = builder.record_get_for_user(request.user, custom_object.name, pk, fields=[])
    visible = builder.records_visible_to(request.user, custom_object.name, fields=[])
    context = {"object": custom_object, "record": record,
               **detail_context(request.user, custom_object.name, visible, record.pk)}
    return render(request, "crm/custom/detail.html", context)


@custom_object_page
def record_create(request, custom_object):
    return _edit(request, custom_object, None)


@custom_object_page
def record_edit(request, custom_object, pk):
    return _edit(request, custom_object, builder.record_get_for_user(request.user, custom_object.name, pk))


def _edit(request, custom_object, record):
    name = custom_object.name
    initial = {"name": record.name, "owner": record.owner_id} if record is not None else {}
    form = RecordForm(request.POST or None, initial=initial, user=request.user)
    custom = CustomFields(form, name, request.user, record=record)
    if request.method == "POST" and custom.is_valid():
        try:
            if record is None:
                record = services.create_record(name, by=request.user, name=form.cleaned_data["name"],
                                                owner=form.cleaned_data["owner"], values=custom.values)
            else:
                changes = {"name": form.cleaned_data["name"]}
                if form.cleaned_data["owner"] is not None:
                    changes["owner"] = form.cleaned_data["owner"]
                record = services.update_record(name, record, by=request.user, values=custom.values, **changes)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            url = reverse("custom-record", args=[name, record.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    back = reverse("custom-record", args=[name, record.pk]) if record else reverse("custom-records", args=[name])
    context = {"form": form, "action": request.get_full_path(), "cancel": back, "object": custom_object,
               "title": (_("Edit %(object)s") if record else _("New %(object)s")) % {"object": custom_object.label}}
    if request.htmx:
        return render(request, "crm/_form.html", context)
    return render(request, "crm/form_page.html", context, status=400 if request.method == "POST" else 200)


@custom_object_page
@require_POST
def record_delete(request, custom_object, pk):
    record = builder.record_get_for_user(request.user, custom_object.name, pk, fields=[])
    try:
        services.delete_record(custom_object.name, record, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("custom-record", object_name=custom_object.name, pk=record.pk)
    messages.success(request, _("%(record)s deleted.") % {"record": record.name})
    return redirect("custom-records", object_name=custom_object.name)
