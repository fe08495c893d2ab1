"""The company block of the tenant's documents (name, address, phone, tax ID,
logo) and the number formats: admin settings, each change with its audit row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from crm.access.permissions import may_administer
from crm.audit import services as audit
from crm.sales import numbering, selectors
from crm.sales.models import DocumentSettings

if TYPE_CHECKING:
    from crm.users.models import User

SETTINGS_FIELDS = ("company_name", "address", "phone", "tax_id")
LOGO_MAX_SIZE = 1024 * 1024
# What Pillow reads the file as -> the extension it is stored under. The file's
# own name and declared type are not trusted: the bytes decide.
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg"}


def check_logo(upload: File) -> str:
    """The extension `upload` is stored under, or a ValidationError on `logo`
    when it is larger than 1 MB or not a PNG or JPEG image."""
    if upload.size is None or upload.size > LOGO_MAX_SIZE:
        raise ValidationError({"logo": [_("A logo may be at most 1 MB.")]})
    kind = None
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    finally:
        upload.seek(0)
    if kind not in LOGO_FORMATS:
        raise ValidationError({"logo": [_("A logo must be a PNG or JPEG image.")]})
    return LOGO_FORMATS[kind]


@transaction.atomic
def update_document_settings(
    *,
    by: User,
    logo: File | None = None,
    remove_logo: bool = False,
    number_formats: Mapping[str, str] | None = None,
    **values: Any,
) -> DocumentSettings:
    """Change the company block (admins only): the fields given in `values`, a
    new `logo` (PNG or JPEG, at most 1 MB) or none (`remove_logo`), and the
    number formats per kind of document. The replaced logo file is deleted once
    the change is committed."""
    if not may_administer(by):
        raise PermissionDenied(_("Only the tenant's admins may do this."))
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"update_document_settings() got unexpected fields {sorted(unknown)}")
    current = DocumentSettings.objects.select_for_update().get(pk=selectors.document_settings().pk)
    values = {name: str(value).strip() for name, value in values.items()}
    diff: dict[str, Any] = audit.changes(current, SETTINGS_FIELDS, values)
    for field, value in values.items():
        setattr(current, field, value)
    try:
        current.full_clean(exclude=["logo"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    extension = check_logo(logo) if logo is not None else ""
    for kind, pattern in (number_formats or {}).items():
        if kind not in selectors.DOCUMENT_KINDS:
            raise ValidationError({"number_formats": [_("No such kind of document.")]})
        before = numbering.pattern_for(kind)
        try:
            saved = numbering.set_pattern(kind=kind, pattern=pattern)
        except ValidationError as exc:
            raise ValidationError({"number_formats": exc.messages}) from exc
        if saved.pattern != before:
            diff[f"number_format_{kind}"] = [before, saved.pattern]
    # The file is written last, once everything else is known to be valid.
    old_logo = current.logo.name or ""
    if logo is not None:
        current.logo.save(f"logo.{extension}", logo, save=False)
        diff["logo"] = [old_logo, current.logo.name]
    elif remove_logo and old_logo:
        current.logo = ""
        diff["logo"] = [old_logo, ""]
    current.save()
    if "logo" in diff and old_logo:
        storage = current.logo.storage
        transaction.on_commit(lambda: storage.delete(old_logo))
    if diff:
        audit.record(actor=by, action="documents.settings_changed", target=current, payload=diff)
    return current
