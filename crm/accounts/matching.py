"""How two customer records are recognised as the same: one normalisation for
accounts, contacts and (later) import.

Each record stores its keys (`name_key`, `phone_key`, `email_key`), computed by
the services from these functions, so a duplicate check is an indexed lookup.
"""

import re
import unicodedata
from collections.abc import Iterable

# Legal-form words that do not tell two companies apart ("Acme Ltd" is "ACME
# Limited"), stripped from the end of a name, repeatedly ("Acme Co., Ltd.").
_SUFFIX_WORDS = {
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "llp",
    "lp",
    "plc",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "pty",
    "pte",
    "kk",
    "group",
    "holding",
    "holdings",
}
# Chinese (and Japanese) forms, written without spaces: the longest first.
_SUFFIX_CJK = sorted(
    ["股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "株式会社"], key=len, reverse=True
)
_PUNCTUATION = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\D")
# Phones compare on their last digits, so "+44 20 7946 0000" and "020 7946 0000"
# (or "+86 138 0013 8000" and "138 0013 8000") match; shorter numbers never do.
PHONE_DIGITS = 9
_MIN_PHONE_DIGITS = 6


def _plain(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _PUNCTUATION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def person_name_key(*parts: str | None) -> str:
    """A person's name: case, accents of width, punctuation and spacing ignored."""
    return _plain(" ".join(p for p in parts if p))


def company_name_key(name: str | None) -> str:
    """A company's name without its legal form: "ACME Co., Ltd." → "acme",
    "阿里巴巴（中国）有限公司" → "阿里巴巴 中国"."""
    text = _plain(name)
    changed = True
    while changed and text:
        changed = False
        for suffix in _SUFFIX_CJK:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)].rstrip(), True
                break
        words = text.split(" ")
        if len(words) > 1 and words[-1] in _SUFFIX_WORDS:
            text, changed = " ".join(words[:-1]), True
    return text


def phone_key(phone: str | None) -> str:
    """The last PHONE_DIGITS digits of a phone number, or "" when it has too few to compare."""
    digits = _DIGITS.sub("", unicodedata.normalize("NFKC", phone or ""))
    return digits[-PHONE_DIGITS:] if len(digits) >= _MIN_PHONE_DIGITS else ""


def email_key(email: str | None) -> str:
    return (email or "").strip().casefold()


class PossibleDuplicates(Exception):
    """A create that looks like records the caller can already see (ids in `ids`).
    The API answers 409 with them; `allow_duplicates=True` saves anyway."""

    def __init__(self, ids: Iterable[int], message: str) -> None:
        super().__init__(message)
        self.ids = list(ids)
        self.message = message
