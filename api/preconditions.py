"""ETag and If-Match on records (RFC 9110 §8.8.3, §13.1.1).

A record's ETag is its version (crm.audit.versions) in quotes: GET, POST and
PATCH of a record answer with it. PATCH and DELETE honour If-Match: when the
record is no longer at (one of) the version(s) it lists, the service writes
nothing and the answer is 412 `{"detail": ...}`. Without If-Match (or with
`*`) a write goes ahead, as it always has; a weak tag never matches (If-Match
compares strongly)."""

from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request

from crm.audit import versions

IF_MATCH_DESCRIPTION = (
    "The record's ETag as you read it: if someone has changed the record since, nothing is changed "
    "and the answer is 412. Leave it out to change the record whatever its version."
)
ETAG_DESCRIPTION = "The record's version; send it back in If-Match to change the record only if it is unchanged."


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The record has changed since you read it."
    default_code = "precondition_failed"


def etag_of(record: Any) -> str:
    return f'"{versions.version_of(record)}"'


def expected_version(request: Request) -> frozenset[str] | None:
    """The versions a write may replace, from If-Match; None: any (no header, or `*`)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in tags:
        return None
    return frozenset(tag[1:-1] for tag in tags if len(tag) >= 2 and tag[0] == tag[-1] == '"')
