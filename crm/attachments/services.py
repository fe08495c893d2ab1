from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from crm.attachments.models import Attachment
from crm.audit import services as audit
from crm.builder import dynamic

if TYPE_CHECKING:
    from crm.users.models import User

MAX_SIZE = 20 * 1024 * 1024
# The name shown (Attachment.name holds 255 characters) ...
NAME_LENGTH = 255
# ... and the file's name on disk, in bytes: file systems allow 255 bytes per name,
# which 86 Chinese characters (3 bytes each in UTF-8) already fill.
FILE_NAME_BYTES = 150
_EXTENSION_BYTES = 20


def stored_file_name(name: str) -> str:
    """`name` cut to at most FILE_NAME_BYTES bytes of UTF-8, at a character boundary,
    keeping a short extension (".pdf"), for the file on disk; the full name is kept
    for display."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode()) > _EXTENSION_BYTES:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    room = FILE_NAME_BYTES - len(suffix.encode())
    stem = stem.encode()[:room].decode(errors="ignore") or "file"
    return stem + suffix


@transaction.atomic
def add_attachment(*, by: User, record: models.Model, upload: File) -> Attachment:
    """Store `upload` on `record` (which `by` can see: the caller fetched it through
    its selector), in the tenant's directory, with an audit row on the record."""
    if upload.size > MAX_SIZE:
        raise ValidationError({"file": [_("At most 20 MB per file.")]})
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-NAME_LENGTH:]
    attachment = Attachment(
        content_type=_content_type_of(record), object_id=record.pk, name=name, size=upload.size, uploaded_by=by
    )
    attachment.file.save(stored_file_name(name), upload, save=False)
    attachment.save()
    audit.record(actor=by, action="attachment.added", target=record, payload={"name": name, "id": attachment.pk})
    return attachment


def _content_type_of(record: models.Model) -> ContentType:
    if dynamic.is_record_model(type(record)):
        # ("cx", <object name>), made on first use, read without ContentType's
        # process-wide cache: its id differs from one tenant's schema to another's.
        content_type, _created = ContentType.objects.get_or_create(
            app_label=dynamic.APP_LABEL, model=dynamic.object_name_of(record)
        )
        return content_type
    return ContentType.objects.get_for_model(record)


def remove_attachments(attachments: QuerySet[Attachment]) -> int:
    """Delete these attachments' rows now and their files after commit, with no
    audit row of their own: for the deletion of their record (or its whole
    custom object), which has its own. Call it inside that transaction."""
    file_names = list(attachments.values_list("file", flat=True))
    attachments.delete()
    if file_names:
        storage = Attachment._meta.get_field("file").storage

        def delete_files() -> None:
            for name in file_names:
                storage.delete(name)

        transaction.on_commit(delete_files)
    return len(file_names)


@transaction.atomic
def delete_attachment(*, attachment: Attachment, by: User, record: models.Model) -> None:
    name, file_name = attachment.name, attachment.file.name
    attachment.delete()
    audit.record(actor=by, action="attachment.deleted", target=record, payload={"name": name})
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: attachment.file.storage.delete(file_name))
