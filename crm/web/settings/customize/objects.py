"""Customize: the home page (every object) and the custom objects themselves: create, edit, delete, restore."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.builder import selectors as builder
from crm.builder import services
from crm.builder.ddl import Busy
from crm.web.custom_fields import BUILT_IN_LABELS
from crm.web.forms import add_service_errors
from crm.web.settings.customize.forms import ObjectForm
from crm.web.settings.customize.targets import confirm_page, object_of, object_url
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import form_response, saved


def _home_context():
    counts = {}
    for field in builder.custom_fields():
        counts[field.object_name] = counts.get(field.object_name, 0) + 1
    return {
        "built_ins": [(name, label, counts.get(name, 0)) for name, label in BUILT_IN_LABELS.items()],
        "custom_objects": [(obj, counts.get(obj.name, 0)) for obj in builder.custom_objects()],
        "deleted_objects": builder.custom_objects(deleted=True),
        "grace_days": settings.BUILDER_DELETE_GRACE_DAYS,
    }


@admin_page
def customize_home(request):
    return render(request, "crm/settings/customize/home.html", _home_context())


@admin_page
def object_create(request):
    form = ObjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_object(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except Busy as busy:
            form.add_error(None, str(busy))
        else:
            return saved(
                request, _("%(object)s created: add its fields.") % {"object": created.label}, object_url(created.name)
            )
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-object-create"),
            "cancel": reverse("settings-customize"),
            "title": _("New custom object"),
            "testid": "object-form",
        },
    )


@admin_page
def object_edit(request, object_name):
    """The object's label, plural label and icon (its name is its table's and stays)."""
    name, _label, custom_object = object_of(object_name)
    if custom_object is None:
        raise Http404
    form = ObjectForm(
        request.POST or None,
        initial={"label": custom_object.label, "label_plural": custom_object.label_plural, "icon": custom_object.icon},
    )
    del form.fields["name"]
    if request.method == "POST" and form.is_valid():
        try:
            services.update_object(custom_object, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(
                request, _("%(object)s saved.") % {"object": form.cleaned_data["label_plural"]}, object_url(name)
            )
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-object-edit", args=[name]),
            "cancel": object_url(name),
            "title": custom_object.label_plural,
            "testid": "object-form",
        },
    )


@admin_page
def object_delete(request, object_name):
    """GET: what deleting the object means, and a button; POST: delete it (restorable for the grace period)."""
    name, label, custom_object = object_of(object_name)
    if custom_object is None:
        raise Http404
    if request.method == "POST":
        try:
            services.delete_object(custom_object, by=request.user)
        except ValidationError as error:
            return confirm_page(
                request, _("Delete %(object)s?") % {"object": label}, object_url(name), errors=error.messages
            )
        return saved(
            request,
            _("%(object)s deleted. It can be restored for %(days)s days.")
            % {"object": label, "days": settings.BUILDER_DELETE_GRACE_DAYS},
            reverse("settings-customize"),
        )
    return confirm_page(
        request,
        _("Delete %(object)s?") % {"object": label},
        object_url(name),
        explanation=_(
            "Its records and fields disappear from every page, the API and exports "
            "now. For %(days)s days it can be restored with all its data; then it is "
            "dropped for good."
        )
        % {"days": settings.BUILDER_DELETE_GRACE_DAYS},
    )


@admin_page
@require_POST
def object_restore(request, pk):
    custom_object = builder.custom_object_get_by_id(pk)
    try:
        services.restore_object(custom_object, by=request.user)
    except ValidationError as error:
        return _home_with_errors(request, error.messages)
    return saved(
        request, _("%(object)s restored.") % {"object": custom_object.label_plural}, object_url(custom_object.name)
    )


def _home_with_errors(request, errors):
    return render(request, "crm/settings/customize/home.html", {**_home_context(), "errors": errors}, status=400)
