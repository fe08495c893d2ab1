from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.attachments.models import Attachment
from crm.audit import services as audit

MAX_SIZE = 20 * 1024 * 1024


@transaction.atomic
def add_attachment(*, by, record, upload):
    """Store `upload` on `record` (which `by` can see: the caller fetched it through
    its selector), in the tenant's directory, with an audit row on the record."""
    if upload.size > MAX_SIZE:
        raise ValidationError({"file": [_("At most 20 MB per file.")]})
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-200:]
    attachment = Attachment(content_type=ContentType.objects.get_for_model(record), object_id=record.pk,
                            name=name, size=upload.size, uploaded_by=by)
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record(actor=by, action="attachment.added", target=record, payload={"name": name, "id": attachment.pk})
    return attachment


@transaction.atomic
def delete_attachment(*, attachment, by, record):
    name, file_name = attachment.name, attachment.file.name
    attachment.delete()
    audit.record(actor=by, action="attachment.deleted", target=record, payload={"name": name})
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: attachment.file.storage.delete(file_name))
