"""Attachments are visible exactly when their record is: every read goes
through the record's own `<entity>_get_for_user` (crm.builder's
record_get_for_user for a custom object's record), and only for a user whose role
may use the record's module (an admin hiding "accounts" from sales hides the
accounts' files too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import QuerySet
from django.http import Http404

from crm.access.permissions import may_use_module
from crm.accounts.selectors import account_get_for_user
from crm.attachments.models import Attachment
from crm.builder import dynamic
from crm.builder import selectors as builder
from crm.contacts.selectors import contact_get_for_user
from crm.deals.selectors import deal_get_for_user

if TYPE_CHECKING:
    from crm.users.models import User

# The kinds of record that take attachments: name → (its module, the record's scoped getter).
RECORD_GETTERS: dict[str, tuple[str, Callable[[User, int | str], models.Model]]] = {
    "account": ("accounts", account_get_for_user),
    "contact": ("contacts", contact_get_for_user),
    "deal": ("deals", deal_get_for_user),
}


def record_get_for_user(user: User, record_type: str, record_id: int | str) -> models.Model:
    """The record `user` may see; Http404 if missing, out of scope, of a module
    hidden from the user's role, or not a kind that takes files."""
    module, getter = RECORD_GETTERS.get(record_type, ("", None))
    # A hidden module answers like a missing record, so its ids reveal nothing.
    if getter is None or not may_use_module(user, module):
        raise Http404
    return getter(user, record_id)


def attachments_of(record: models.Model) -> QuerySet[Attachment]:
    """The files on `record` (which the caller may see), newest first."""
    if dynamic.is_record_model(type(record)):
        return custom_attachments(dynamic.object_name_of(record), record.pk)
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


def custom_attachments(object_name: str, record_id: int | None = None) -> QuerySet[Attachment]:
    """The files on one record of a custom object (all its records': `record_id`
    None). Matched by the content type's name, not its id: ContentType's cache is
    the process's, and a custom object's content type id differs between tenants."""
    rows = Attachment.objects.filter(content_type__app_label=dynamic.APP_LABEL, content_type__model=object_name)
    return rows if record_id is None else rows.filter(object_id=record_id)


def attachment_record_get_for_user(user: User, attachment: Attachment) -> models.Model:
    """The record `attachment` is on, if `user` may see it; Http404 otherwise
    (a custom object's record: also when the object is deleted)."""
    content_type = attachment.content_type
    if content_type.app_label == dynamic.APP_LABEL:
        if not may_use_module(user, content_type.model):
            raise Http404
        return builder.record_get_for_user(user, content_type.model, attachment.object_id)
    return record_get_for_user(user, content_type.model, attachment.object_id)


def attachment_get_for_user(user: User, pk: int | str) -> Attachment:
    """One attachment whose record `user` may see; Http404 otherwise. Its file must
    lie in this tenant's directory, or it is not served at all."""
    try:
        attachment = Attachment.objects.select_related("content_type").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    attachment_record_get_for_user(user, attachment)
    # (django-tenants' backend adds schema_name; the stubs know Django's base wrapper only.)
    if not attachment.file.name.startswith(f"{connection.schema_name}/"):  # type: ignore[attr-defined]
        raise Http404
    return attachment
