"""The Simplified Chinese catalog is complete and its committed .mo is current.

Every entry of locale/zh_Hans/LC_MESSAGES/django.po is translated and none is
left fuzzy (a fuzzy entry is not compiled, so the page would show English), the
placeholders of each translation are those of its message, and the committed
django.mo holds exactly what the .po says (so a .po edited without running
`manage.py compilemessages -l zh_Hans` fails here rather than in production).
"""

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

# %(name)s, %s, %d, %% in python-format messages; {name} in python-brace-format ones.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def _entries(po):
    return [e for e in po if not e.obsolete and e.msgid]


def _label(entry):
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{entry.msgid!r} ({where})"


def test_no_entry_is_untranslated(po):
    untranslated = [_label(e) for e in _entries(po) if not e.translated() and "fuzzy" not in e.flags]
    assert not untranslated, f"{len(untranslated)} untranslated entries:\n" + "\n".join(untranslated)


def test_no_entry_is_fuzzy(po):
    fuzzy = [_label(e) for e in _entries(po) if "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries (review, fix and drop the flag):\n" + "\n".join(fuzzy)


def test_chinese_has_one_plural_form(po):
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    wrong = [_label(e) for e in _entries(po) if e.msgid_plural and set(e.msgstr_plural) != {0}]
    assert not wrong, "plural entries need exactly msgstr[0]:\n" + "\n".join(wrong)


def _placeholders(text, flags):
    found = []
    if "python-format" in flags:
        found += PERCENT_PLACEHOLDER.findall(text)
    if "python-brace-format" in flags:
        found += BRACE_PLACEHOLDER.findall(text)
    return sorted(found)


def test_translations_keep_the_placeholders(po):
    wrong = []
    for e in _entries(po):
        if e.msgid_plural:
            pairs = [(e.msgid_plural, e.msgstr_plural.get(0, ""))]
        else:
            pairs = [(e.msgid, e.msgstr)]
        for source, target in pairs:
            if _placeholders(source, e.flags) != _placeholders(target, e.flags):
                wrong.append(f"{_label(e)} -> {target!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def _expected_catalog(po):
    """What gettext.GNUTranslations reads from a .mo compiled from `po`."""
    catalog = {}
    for e in _entries(po):
        if not e.translated() or "fuzzy" in e.flags:
            continue
        msgid = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt else e.msgid
        if e.msgid_plural:
            for index, text in e.msgstr_plural.items():
                catalog[(msgid, int(index))] = text
        else:
            catalog[msgid] = e.msgstr
    return catalog


def test_compiled_catalog_matches_the_po(po):
    with MO_PATH.open("rb") as mo_file:
        compiled = dict(gettext.GNUTranslations(mo_file)._catalog)
    compiled.pop("", None)  # the header
    expected = _expected_catalog(po)
    missing = sorted(repr(k) for k in expected.keys() - compiled.keys())
    stale = sorted(repr(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    extra = sorted(repr(k) for k in compiled.keys() - expected.keys())
    assert not (missing or stale or extra), (
        "locale/zh_Hans/LC_MESSAGES/django.mo is out of date; run "
        "`manage.py compilemessages -l zh_Hans`.\n"
        f"missing: {missing[:10]}\nstale: {stale[:10]}\nextra: {extra[:10]}"
    )


def test_django_serves_the_chinese_catalog():
    with translation.override("zh-hans"):
        assert translation.gettext("Accounts") == "客户"
        assert translation.ngettext("%(counter)s record", "%(counter)s records", 3) % {"counter": 3} == "共 3 条记录"


def test_the_password_length_message_is_translated():
    # Django asks with "%d"; its own Chinese catalog only knows an older "%(min_length)d" text.
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password("short")
    assert "密码太短，至少需要 10 个字符。" in refused.value.messages


def test_the_billing_interval_reads_in_chinese():
    from tenants.models import Tenant

    with translation.override("zh-hans"):
        assert [str(label) for _value, label in Tenant.Interval.choices] == ["按月", "按年"]
