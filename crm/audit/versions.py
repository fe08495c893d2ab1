"""A record's version, and the refusal of a write made against an older one.

The version of an account, contact, lead, deal or custom object record is its
`updated_at`, in microseconds since 1970, as a string of digits: every write of
the record services stamps it (the save that ends the write sets it, after the
write's audit rows), and a write that changes nothing leaves it as it is. No
column of its own: the custom objects' tables have `updated_at` already, and a
separate counter would be one more thing every write (pool claims, merges,
links) has to remember to bump.

The API sends it as the record's ETag and honours If-Match; the edit pages
carry it in a hidden field. A service given `expected_version` locks the row,
compares, and raises StaleRecord before writing anything when someone else
saved in between.
"""

import datetime
from collections.abc import Collection
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICROSECOND = datetime.timedelta(microseconds=1)

# A version, or several a client accepts (If-Match may list more than one); None: no check.
Expected = str | Collection[str] | None


class StaleRecord(Exception):
    """The record changed since the version the write was made against: nothing was written."""

    def __init__(self, current: str) -> None:
        self.current = current
        super().__init__(
            _("This record was changed by someone else since you read it. Read it again and redo your change.")
        )


def version_of(record: Any) -> str:
    """The record's version ("" for one never saved)."""
    stamp = getattr(record, "updated_at", None)
    if stamp is None:
        return ""
    return str((stamp - _EPOCH) // _MICROSECOND)


def moment_of(version: str) -> datetime.datetime | None:
    """When a version was written (the `updated_at` it stands for); None if `version` is none."""
    if not version.isdigit() or len(version) > 20:
        return None
    return _EPOCH + int(version) * _MICROSECOND


def lock(record: Any) -> Any:
    """Read `record` again, row-locked until the end of the transaction, so that
    what a write compares and records (its version, old values) is what it
    replaces. Http404 if it was deleted meanwhile (as any missing record)."""
    model = type(record)._meta.concrete_model
    try:
        record.refresh_from_db(from_queryset=model._base_manager.select_for_update(of=("self",)))
    except model.DoesNotExist:
        raise Http404 from None
    return record


def check(record: Any, expected: Expected) -> None:
    """StaleRecord unless `record` (locked) is at the `expected` version (or one of them)."""
    if expected is None:
        return
    accepted = {expected} if isinstance(expected, str) else set(expected)
    current = version_of(record)
    if current not in accepted:
        raise StaleRecord(current)
