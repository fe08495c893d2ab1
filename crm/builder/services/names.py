"""Names of custom fields and objects (docs/decisions/008, "Names and collisions"),
and the name one gets when the admin gives none: made from the label's Latin
letters ("WeChat ID" → "wechat_id"), else numbered ("field_1", "obj_1"), so a
label in Chinese only (微信号) needs no name typed. The admin may always type
their own instead."""

import itertools
import re
from collections.abc import Collection

from django.db import connection
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.builder import objects, shapes

_NAME = re.compile(shapes.NAME)


def _is_reserved_word(word: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_get_keywords() WHERE word = %s AND catcode = 'R'", [word])
        return cursor.fetchone() is not None


def name_errors(name: object, reserved: Collection[str]) -> list[str]:
    """Messages about a field's or object's name (docs/decisions/008, "Names and collisions")."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        return [_("Use 1 to 40 lower-case letters, digits and underscores, starting with a letter.")]
    if "__" in name or name.endswith("_"):
        return [_("Double underscores and a trailing underscore are not allowed.")]
    if name.startswith(("cf_", "cx_")):
        return [_("Names starting with cf_ or cx_ are reserved.")]
    if name in reserved or name in objects.RESERVED_NAMES:
        return [_('"%(name)s" is already used by the CRM here; choose another name.') % {"name": name}]
    if _is_reserved_word(name):
        return [_('"%(name)s" is a reserved word of the database; choose another name.') % {"name": name}]
    return []


def name_from_label(label: object) -> str:
    """A name made from `label`'s Latin letters and digits ("WeChat ID" → "wechat_id");
    "" when it has none that make a valid name (a Chinese-only label)."""
    if not isinstance(label, str):
        return ""
    name = re.sub(r"_+", "_", slugify(label).replace("-", "_")).strip("_")[:40].rstrip("_")
    return name if _NAME.fullmatch(name) else ""


def generated_name(label: object, *, prefix: str, taken: Collection[str], reserved: Collection[str]) -> str:
    """The name of a field or object the admin did not name: `label`'s (name_from_label)
    when that is free and allowed, else the first free `<prefix>_1`, `<prefix>_2`, …
    `taken`: the names in use, deleted ones waiting to be purged included."""
    made = name_from_label(label)
    if made and made not in taken and not name_errors(made, reserved):
        return made
    for number in itertools.count(1):
        candidate = f"{prefix}_{number}"
        if candidate not in taken and not name_errors(candidate, reserved):
            return candidate
    raise AssertionError("unreachable")
