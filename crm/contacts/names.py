"""How a person's name reads and how it is found: one rule for contacts and leads.

A Chinese, Japanese or Korean name reads family name first with no space
(李 + 伟 → "李伟"); any other reads given name first ("Wei Li"). Search finds a
person by the whole name typed in either order, with or without a space:
"李伟", "李 伟", "伟李", "Wei Li", "Li Wei", "WeiLi"."""

import re

from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Replace
from django.db.models.lookups import IContains

# Han (with extensions and compatibility ideographs), Hiragana, Katakana, Hangul.
_CJK = re.compile(
    "["
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b"
    "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f"
    "]"
)


def is_cjk(*parts: str | None) -> bool:
    """Whether any of `parts` holds a Han, Hiragana, Katakana or Hangul character."""
    return any(part and _CJK.search(part) for part in parts)


def full_name(first: str | None, last: str | None) -> str:
    """A person's name as shown: "李伟" (family name first, no space) for a CJK
    name, "Wei Li" for any other; a missing part is left out."""
    first, last = (first or "").strip(), (last or "").strip()
    if is_cjk(first, last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part)


def name_contains(text: str, *, first: str = "first_name", last: str = "last_name") -> Q:
    """Records whose whole name contains `text`, in either order, spaces ignored
    (in `text` and in the stored names), case-insensitively. `first` and `last`
    name the fields (or paths, "contact__first_name") holding the name."""
    compact = "".join(text.split())
    if not compact:
        return Q()
    orders = (Concat(F(last), F(first)), Concat(F(first), F(last)))
    matches = [IContains(Replace(order, Value(" "), Value("")), compact) for order in orders]
    return Q(matches[0]) | Q(matches[1])
