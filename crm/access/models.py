from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordShare(models.Model):
    """A record its owner (or someone above) shared with one more user."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id", "user"], name="unique_share")]
        indexes = [models.Index(fields=["user", "content_type"])]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} → {self.user_id}"


class ModulePermission(models.Model):
    """An admin's choice to hide a module from a role. No row: the role may use it."""

    role = models.CharField(max_length=10)
    module = models.CharField(max_length=40)
    hidden = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["role", "module"], name="unique_module_permission")]

    def __str__(self) -> str:
        return f"{self.module} hidden from {self.role}"


class SensitiveField(models.Model):
    """A field the admin hides (masked in reads, refused in writes) from some roles."""

    module = models.CharField(max_length=40)
    field = models.CharField(max_length=60)
    hidden_from = models.JSONField(default=list, help_text=_("Roles that see it masked."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["module", "field"], name="unique_sensitive_field")]

    def __str__(self) -> str:
        return f"{self.module}.{self.field}"
