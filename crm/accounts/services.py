from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access import permissions
from crm.access.ownership import check_may_delete, check_may_merge, new_owner, resolve_owner
from crm.accounts import matching, merging, selectors, sharing
from crm.accounts.models import Account, AccountWatch
from crm.audit import services as audit
from crm.audit import versions
from crm.builder import services as builder

if TYPE_CHECKING:
    from crm.users.models import User

# What create and update take besides name and owner.
DETAIL_FIELDS = (
    "kind",
    "industry",
    "region",
    "source",
    "level",
    "value_class",
    "credit_limit",
    "status",
    "tags",
    "phone",
    "email",
    "website",
    "billing_address",
    "shipping_address",
    "follow_up_days",
)
_EDITABLE = ("name", "owner", *DETAIL_FIELDS)
# Filled from the other account on a merge when the kept one has none.
_MERGE_FILLS = tuple(f for f in DETAIL_FIELDS if f not in ("kind", "level", "status", "tags"))
# The fields whose surviving value a merge may choose, side by side (tags are joined).
MERGE_CHOICES = ("name", *(f for f in DETAIL_FIELDS if f != "tags"))


def set_keys(account: Account) -> None:
    """Recompute the duplicate-detection keys from the account's fields."""
    account.name_key = (
        matching.company_name_key(account.name)
        if account.kind == Account.Kind.COMPANY
        else matching.person_name_key(account.name)
    )
    account.phone_key = matching.phone_key(account.phone)
    account.email_key = matching.email_key(account.email)


def _clean_tags(tags: Iterable[object] | None) -> list[str]:
    seen: set[str]
    clean: list[str]
    seen, clean = set(), []
    for tag in tags or []:
        tag = " ".join(str(tag).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            clean.append(tag)
    return clean


def _validate(account: Account) -> None:
    try:
        account.full_clean(
            exclude=["owner", "name_key", "phone_key", "email_key"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def check_duplicates(
    *, by: User, name: str = "", phone: str = "", email: str = "", exclude_pk: int | None = None
) -> None:
    """Raise PossibleDuplicates when accounts `by` can see (or the pool holds) look like this one."""
    found = selectors.duplicate_candidates(by, name=name, phone=phone, email=email, exclude_pk=exclude_pk)
    if found:
        raise matching.PossibleDuplicates(
            [a.pk for a in found],
            _(
                "This looks like an account that already exists (same name, phone or e-mail). "
                "Use it, merge, or save anyway with ?force=true."
            ),
        )


@transaction.atomic
def create_account(
    *,
    by: User,
    name: str,
    owner: User | None = None,
    allow_duplicates: bool = True,
    custom: Mapping[str, Any] | None = None,
    **details: Any,
) -> Account:
    """Create an account owned by `owner` (default: `by`), with its custom field
    values (`custom`: {api_key: value} already checked by crm.builder.values)
    and its audit rows, in one transaction.

    `details`: any of DETAIL_FIELDS. A field masked for `by`'s role
    (crm.access.permissions) may not be given. An account with its first
    contact: crm.contacts.services.create_account_with_contact.
    Unless `allow_duplicates`, raises PossibleDuplicates (nothing saved) when the
    account looks like one `by` can see or the pool holds.
    """
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"create_account() got unexpected fields {sorted(unknown)}")
    permissions.check_writable(by, "accounts", [*details, *(custom or {})])
    if "tags" in details:
        details["tags"] = _clean_tags(details["tags"])
    account = Account(name=name, owner=resolve_owner(by=by, owner=owner), **details)
    _validate(account)
    if not allow_duplicates:
        check_duplicates(by=by, name=name, phone=account.phone, email=account.email)
    set_keys(account)
    account.owner_since = timezone.now()
    account.save()
    audit.record(actor=by, action="account.created", target=account, payload={"name": name})
    if custom:
        builder.set_custom_values(object_name="accounts", record_id=account.pk, values=custom, by=by)
    return account


# Besides the changed fields, what an update saves when they change.
_DERIVED = {
    "name": ("name_key",),
    "kind": ("name_key",),
    "phone": ("phone_key",),
    "email": ("email_key",),
    "owner": ("owner_since",),
}


@transaction.atomic
def update_account(
    *,
    account: Account,
    by: User,
    custom: Mapping[str, Any] | None = None,
    expected_version: str | None = None,
    **values: Any,
) -> Account:
    """Change the given fields (and `custom` field values) of an account `by` can
    see, in one transaction; records old → new.

    Only what changes is written (the other columns keep what anyone else saved
    meanwhile), on the row as it is now, locked; nothing changed, nothing
    written. `expected_version` (crm.audit.versions): StaleRecord, and nothing
    written, when the account is no longer at that version. A field masked for
    `by`'s role is refused (ValidationError naming it); a new owner only from
    its owner, their managers, directors and admins (PermissionDenied).
    An owner change restarts the pool's clock; taking the owner away is `release`."""
    unknown = set(values) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"update_account() got unexpected fields {sorted(unknown)}")
    versions.lock(account)
    versions.check(account, expected_version)
    permissions.check_writable(by, "accounts", [*values, *(custom or {})])
    if "owner" in values:
        if values["owner"] is None:
            raise ValidationError({"owner": [_("To put an account in the pool, release it.")]})
        values["owner"] = new_owner(by=by, record=account, owner=values["owner"])
    if "tags" in values:
        values["tags"] = _clean_tags(values["tags"])
    diff = audit.changes(account, _EDITABLE, values)
    for field in diff:
        setattr(account, field, values[field])
    _validate(account)
    if "owner" in diff:
        account.owner_since = timezone.now()
    set_keys(account)
    changed = dict(diff)
    if custom:
        changed.update(builder.set_custom_values(object_name="accounts", record_id=account.pk, values=custom, by=by))
    if diff:
        audit.record(actor=by, action="account.updated", target=account, payload=diff)
    if changed:
        # Last, after the audit rows: the new version is stamped after them.
        derived = [name for field in diff for name in _DERIVED.get(field, ())]
        account.save(update_fields=sorted({*diff, *derived, "updated_at"}))
    return account


@transaction.atomic
def delete_account(*, account: Account, by: User, expected_version: str | None = None) -> None:
    """Delete an account (its owner, their managers, directors and admins only:
    PermissionDenied otherwise), with its audit row; StaleRecord when it is no
    longer at `expected_version`."""
    versions.lock(account)
    versions.check(account, expected_version)
    check_may_delete(by=by, record=account)
    audit.record(actor=by, action="account.deleted", target=account, payload={"name": account.name})
    sharing.delete_shares(account)
    account.delete()


@transaction.atomic
def merge_accounts(*, keep: Account, other: Account, by: User, choices: Mapping[str, str] | None = None) -> Account:
    """Merge `other` into `keep` (both already checked visible to `by`, and both
    `by`'s to give away: crm.access.ownership.check_may_merge): every record
    pointing at `other` (contacts and their links, deals, activities, leads,
    shares, watches, ... of any app) moves to `keep`, the fields `choices`
    ({field of MERGE_CHOICES: "keep" or "other"}) name take that record's value
    (ValidationError for a bad choice, or "other" on a field masked for `by`),
    other blank fields of `keep` (custom fields too) are filled from `other`,
    lookups of custom fields at `other` point at `keep`, tags are joined, an
    audit row goes on each, and `other` is deleted. Returns `keep`."""
    if keep.pk == other.pk:
        raise ValidationError({"other": [_("An account cannot be merged with itself.")]})
    chosen = merging.checked_choices(choices, fields=MERGE_CHOICES)
    permissions.check_writable(by, "accounts", [name for name, side in chosen.items() if side == merging.OTHER])
    first, second = sorted([keep.pk, other.pk])
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[first, second])}
    keep, other = locked[keep.pk], locked[other.pk]
    check_may_merge(by=by, keep=keep, other=other)
    taken = merging.take_chosen(keep=keep, other=other, choices=chosen)
    filled = merging.fill_blanks(keep=keep, other=other, fields=[f for f in _MERGE_FILLS if f not in chosen])
    filled.update(taken)
    if set(other.tags) - set(keep.tags):
        keep.tags = _clean_tags([*keep.tags, *other.tags])
    moved = merging.move_related(keep=keep, other=other)
    # Custom fields: the tenant's lookups at `other` (which its deletion would
    # empty) now point at `keep`, and blank custom values of `keep` are filled.
    moved.update(builder.repoint_lookups(target_object="accounts", from_id=other.pk, to_id=keep.pk))
    filled.update(builder.fill_blank_values(object_name="accounts", keep_id=keep.pk, other_id=other.pk))
    if keep.last_contacted_at is None or (other.last_contacted_at and other.last_contacted_at > keep.last_contacted_at):
        keep.last_contacted_at = other.last_contacted_at
    set_keys(keep)
    audit.record(actor=by, action="account.merged_into", target=other, payload={"into": keep.pk, "name": other.name})
    audit.record(
        actor=by,
        action="account.merged",
        target=keep,
        payload={"other": other.pk, "other_name": other.name, "moved": moved, "filled": filled},
    )
    # After the audit rows: the save stamps keep's new version.
    keep.save()
    other.delete()
    return keep


def mark_contacted(account: Account, when: datetime) -> None:
    """Note that someone talked to the customer at `when` (for the pool's
    follow-up rule). Only ever moves the date forward; a derived timestamp, so
    no audit row (the activity that caused it has its own). For crm/activities."""
    Account.objects.filter(pk=account.pk).filter(
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=when)
    ).update(last_contacted_at=when)


@transaction.atomic
def watch(*, account: Account, by: User) -> None:
    """Put `account` on `by`'s watch list (idempotent)."""
    _watch, created = AccountWatch.objects.get_or_create(user=by, account=account)
    if created:
        audit.record(actor=by, action="account.watched", target=account)


@transaction.atomic
def unwatch(*, account: Account, by: User) -> None:
    """Take `account` off `by`'s watch list (idempotent)."""
    deleted, _detail = AccountWatch.objects.filter(user=by, account=account).delete()
    if deleted:
        audit.record(actor=by, action="account.unwatched", target=account)
