import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.db import connection, models

# Under MEDIA_ROOT; never served by the web server, only by the attachments view,
# which checks the record is visible to the caller.
_storage = FileSystemStorage()


def attachment_storage() -> FileSystemStorage:
    return _storage


def attachment_path(attachment: "Attachment", filename: str) -> str:
    """MEDIA_ROOT/<schema_name>/attachments/<model>/<record id>/<random>/<name>: each
    tenant's files in its own directory, and no name guessable or reused."""
    model = attachment.content_type.model
    # (django-tenants' backend adds schema_name; the stubs know Django's base wrapper only.)
    return f"{connection.schema_name}/attachments/{model}/{attachment.object_id}/{uuid.uuid4().hex}/{filename}"  # type: ignore[attr-defined]


class Attachment(models.Model):
    """A file on an account, contact or deal."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=500)
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.name
