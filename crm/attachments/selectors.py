"""Attachments are visible exactly when their record is: every read goes
through the record's own `<entity>_get_for_user`, and only for a user whose role
may use the record's module (an admin hiding "accounts" from sales hides the
accounts' files too)."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404

from crm.access.permissions import may_use_module
from crm.accounts.selectors import account_get_for_user
from crm.attachments.models import Attachment
from crm.contacts.selectors import contact_get_for_user
from crm.deals.selectors import deal_get_for_user

# The kinds of record that take attachments: name → (its module, the record's scoped getter).
RECORD_GETTERS = {
    "account": ("accounts", account_get_for_user),
    "contact": ("contacts", contact_get_for_user),
    "deal": ("deals", deal_get_for_user),
}


def record_get_for_user(user, record_type, record_id):
    """The record `user` may see; Http404 if missing, out of scope, of a module
    hidden from the user's role, or not a kind that takes files."""
    module, getter = RECORD_GETTERS.get(record_type, (None, None))
    # A hidden module answers like a missing record, so its ids reveal nothing.
    if getter is None or not may_use_module(user, module):
        raise Http404
    return getter(user, record_id)


def attachments_of(record):
    return Attachment.objects.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)


def attachment_get_for_user(user, pk):
    """One attachment whose record `user` may see; Http404 otherwise. Its file must
    lie in this tenant's directory, or it is not served at all."""
    try:
        attachment = Attachment.objects.select_related("content_type").get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404
    record_get_for_user(user, attachment.content_type.model, attachment.object_id)
    if not attachment.file.name.startswith(f"{connection.schema_name}/"):
        raise Http404
    return attachment
