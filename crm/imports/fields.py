"""The fields a column of an import file may fill, per kind, and their labels
(read by the services, the selectors and crm.imports.headers alike)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Account
from crm.builder import selectors as builder
from crm.contacts.models import Contact
from crm.imports.headers import loose
from crm.imports.models import ImportJob
from crm.leads.models import Lead

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.builder.selectors import FieldDef

# The fields a column may be mapped to, per kind; the first is required.
FIELDS: dict[str, list[str]] = {
    ImportJob.Kind.ACCOUNTS: [
        "name",
        "kind",
        "industry",
        "region",
        "source",
        "level",
        "value_class",
        "status",
        "phone",
        "email",
        "website",
        "billing_address",
        "shipping_address",
    ],
    ImportJob.Kind.CONTACTS: ["first_name", "last_name", "title", "role", "email", "phone", "company_name"],
    ImportJob.Kind.LEADS: ["first_name", "last_name", "company", "title", "email", "phone", "source", "status"],
}

_MODELS: dict[str, type[models.Model]] = {
    ImportJob.Kind.ACCOUNTS: Account,
    ImportJob.Kind.CONTACTS: Contact,
    ImportJob.Kind.LEADS: Lead,
}
# Import fields that are not a model field of their kind.
_EXTRA_LABELS = {"company_name": _("Company name")}
# An export's header that names an import field by another label: a contact's
# export has the account's name under "Account" (crm.exports.selectors.COLUMNS).
_EXPORTED_AS: dict[str, dict[str, StrOrPromise]] = {
    ImportJob.Kind.CONTACTS: {"company_name": capfirst(Contact._meta.get_field("account").verbose_name)}
}


def custom_fields(kind: str) -> list[FieldDef]:
    """The custom fields a `kind` file may fill: the object's live fields not hidden
    (import kinds are named like the builder's objects)."""
    return builder.fields_for(kind)


def import_fields(kind: str) -> list[tuple[str, StrOrPromise]]:
    """(field, label) of the fields a column of a `kind` file may be mapped to; the
    first is required. The tenant's custom fields follow the built-in ones."""
    model = _MODELS[kind]
    found: list[tuple[str, StrOrPromise]] = []
    for name in FIELDS[kind]:
        try:
            # An import field is a concrete field of the model, never a relation's other side.
            label = capfirst(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        except FieldDoesNotExist:
            label = _EXTRA_LABELS.get(name, name)
        found.append((name, label))
    found += [(field.api_key, field.label) for field in custom_fields(kind)]
    return found


def all_labels(kind: str) -> list[tuple[str, str]]:
    """(field, label) of every field of `kind`, with its label in each language of the site,
    and the headers an export of `kind` gives the same fields (so that an export
    imports again as it is)."""
    found: list[tuple[str, str]] = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found += [(name, str(label)) for name, label in import_fields(kind)]
            found += [(name, str(label)) for name, label in _EXPORTED_AS.get(kind, {}).items()]
    return found


def choice_codes(kind: str) -> dict[str, dict[str, str]]:
    """{field: {loose text: code}} of the built-in choice fields of `kind`: a cell
    may hold the code or the label in any language of the site ("Company", "公司"),
    as an export written for people does (crm.exports)."""
    model = _MODELS[kind]
    found: dict[str, dict[str, str]] = {}
    for name in FIELDS[kind]:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        choices = getattr(field, "flatchoices", None)
        if not choices:
            continue
        codes: dict[str, str] = {}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for code, label in choices:
                    codes.setdefault(loose(str(label)), str(code))
        for code, _label in choices:
            codes[loose(str(code))] = str(code)
        found[name] = codes
    return found
