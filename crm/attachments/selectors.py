"""Attachments are visible exactly when their record is: every read goes
through the record's own `<entity>_get_for_user`."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404

from crm.accounts.selectors import account_get_for_user
from crm.attachments.models import Attachment
from crm.contacts.selectors import contact_get_for_user
from crm.deals.selectors import deal_get_for_user

# The kinds of record that take attachments: name → the record's scoped getter.
RECORD_GETTERS = {
    "account": account_get_for_user,
    "contact": contact_get_for_user,
    "deal": deal_get_for_user,
}


def record_get_for_user(user, record_type, record_id):
    """The record `user` may see; Http404 if missing, out of scope, or not a kind that takes files."""
    getter = RECORD_GETTERS.get(record_type)
    if getter is None:
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
