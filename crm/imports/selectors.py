from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from crm.access import scope
from crm.access.permissions import may_use_module
from crm.imports.fields import import_fields
from crm.imports.models import ImportJob

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from crm.users.models import User


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


def import_template(kind: str) -> bytes:
    """A CSV file to fill in for a `kind` import: its header is the label of
    every field (in the active language, custom fields last), which an upload
    maps back by itself (crm.imports.headers); UTF-8 with a byte-order mark, so
    spreadsheets read the Chinese labels right."""
    out = io.StringIO()
    csv.writer(out).writerow([str(label) for _name, label in import_fields(kind)])
    return out.getvalue().encode("utf-8-sig")
