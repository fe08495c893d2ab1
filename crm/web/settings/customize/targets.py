"""What a customize page is about: the object (built-in or custom) or the field, 404 otherwise; the
object's page URL; and the confirmation page deleting one asks first."""

from django.shortcuts import render
from django.urls import reverse

from crm.builder import selectors as builder
from crm.web.custom_fields import BUILT_IN_LABELS


def object_of(object_name):
    """(name, label, custom object or None) of an object fields can be added to; 404 otherwise."""
    if object_name in BUILT_IN_LABELS:
        return object_name, BUILT_IN_LABELS[object_name], None
    found = builder.custom_object_get(object_name)
    return found.name, found.label_plural, found


def custom_field(pk):
    """The custom field `pk` (live or deleted); 404 otherwise."""
    return builder.custom_field_get(pk)


def object_url(object_name):
    """The page of an object's fields."""
    return reverse("settings-customize-object", args=[object_name])


def confirm_page(request, question, cancel, *, explanation="", errors=()):
    """The question a deletion asks first (400 with the errors when the deletion was refused)."""
    return render(
        request,
        "crm/settings/customize/confirm.html",
        {
            "question": question,
            "explanation": explanation,
            "cancel": cancel,
            "errors": list(errors),
            "action": request.path,
        },
        status=400 if errors else 200,
    )
