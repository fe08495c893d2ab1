"""Metadata of the module builder (docs/decisions/008-module-builder.md): what
custom fields, objects and layouts a tenant has. The columns and tables they
describe are made by crm.builder.ddl, in the same transaction as these rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    INTEGER = "integer", _("Integer")
    DECIMAL = "decimal", _("Decimal")
    CURRENCY = "currency", _("Currency")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    BOOLEAN = "boolean", _("Yes / no")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    EMAIL = "email", _("E-mail")
    URL = "url", _("URL")
    PHONE = "phone", _("Phone")
    LOOKUP = "lookup", _("Lookup")


class CustomObject(models.Model):
    """An object of the tenant's own: records in the table `cx_<name>`."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    label_plural = models.CharField(_("plural label"), max_length=100)
    icon = models.CharField(_("icon"), max_length=40, blank=True)
    # Set when deleted: hidden everywhere, dropped by the purge task after the grace period.
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def table(self) -> str:
        return f"cx_{self.name}"


class CustomField(models.Model):
    """A field the admin added to a built-in or custom object: the column `cf_<name>` of its table."""

    Type = FieldType

    object_name = models.CharField(_("object"), max_length=40)
    name = models.CharField(_("name"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    unique = models.BooleanField(_("unique"), default=False)
    default = models.JSONField(_("default"), null=True, blank=True)
    help_text = models.CharField(_("help text"), max_length=255, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=30, decimal_places=10, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=30, decimal_places=10, null=True, blank=True)
    max_length = models.PositiveIntegerField(_("maximum length"), null=True, blank=True)
    decimal_places = models.PositiveSmallIntegerField(_("decimal places"), default=2)
    # [{"value": ..., "label": ..., "color": ...}], in display order.
    choices = models.JSONField(_("choices"), default=list, blank=True)
    # The object a lookup points at (a built-in or custom object's name).
    target = models.CharField(_("target"), max_length=40, blank=True)
    position = models.IntegerField(_("position"), default=0)
    hidden = models.BooleanField(_("hidden"), default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["object_name", "position", "id"]
        constraints = [
            # The name stays taken while a deleted field waits for its column to be dropped.
            models.UniqueConstraint(fields=["object_name", "name"], name="builder_unique_field_name"),
        ]

    def __str__(self) -> str:
        return f"{self.object_name}.{self.name}"

    @property
    def column(self) -> str:
        return f"cf_{self.name}"


class Layout(models.Model):
    """Which fields an object's form shows in which sections, or which columns its list shows."""

    class Kind(models.TextChoices):
        FORM = "form", _("Form")
        LIST = "list", _("List")

    object_name = models.CharField(_("object"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Form: [{"title": str, "fields": [names]}]; list: [names].
    sections = models.JSONField(_("sections"), default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_name", "kind"], name="builder_unique_layout"),
        ]

    def __str__(self) -> str:
        return f"{self.object_name} {self.kind}"
