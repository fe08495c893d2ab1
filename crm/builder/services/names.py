"""Names of custom fields and objects (docs/decisions/008, "Names and collisions")."""

import re
from collections.abc import Collection

from django.db import connection
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
