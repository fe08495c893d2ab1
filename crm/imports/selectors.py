from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.access import scope
from crm.access.permissions import may_use_module
from crm.accounts.models import Account
from crm.contacts.models import Contact
from crm.imports.models import ImportJob
from crm.imports.services import FIELDS, custom_fields
from crm.leads.models import Lead

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.users.models import User

_MODELS: dict[str, type[models.Model]] = {
    ImportJob.Kind.ACCOUNTS: Account,
    ImportJob.Kind.CONTACTS: Contact,
    ImportJob.Kind.LEADS: Lead,
}
# Import fields that are not a model field of their kind.
_EXTRA_LABELS = {"company_name": _("Company name")}


def import_jobs_visible_to(user: User) -> QuerySet[ImportJob]:
    """The jobs `user` started (every job of the tenant, for roles that see
    everything), newest first, without the uploaded file."""
    jobs = ImportJob.objects.select_related("created_by").defer("file_content").order_by("-created_at", "-id")
    if not (user.is_authenticated and user.is_active):
        return jobs.none()
    if not scope.sees_everything(user):
        jobs = jobs.filter(created_by=user)
    return jobs


def import_job_get_for_user(user: User, pk: int | str) -> ImportJob:
    """A job `user` started (or any, for roles that see everything); Http404 otherwise."""
    try:
        return import_jobs_visible_to(user).defer(None).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def importable_kinds(user: User) -> list[tuple[str, StrOrPromise]]:
    """(value, label) of the kinds `user` may import: those whose module they may use."""
    return [(value, label) for value, label in ImportJob.Kind.choices if may_use_module(user, value)]


def import_modes() -> Sequence[tuple[str, StrOrPromise]]:
    """(value, label) of what an import may do with a row that looks like an existing record."""
    return ImportJob.Mode.choices


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


def import_template(kind: str) -> bytes:
    """A CSV file to fill in for a `kind` import: its header is the label of
    every field (in the active language, custom fields last), which an upload
    maps back by itself (crm.imports.headers); UTF-8 with a byte-order mark, so
    spreadsheets read the Chinese labels right."""
    out = io.StringIO()
    csv.writer(out).writerow([str(label) for _name, label in import_fields(kind)])
    return out.getvalue().encode("utf-8-sig")
