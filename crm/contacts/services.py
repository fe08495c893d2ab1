from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from crm.access import permissions, scope
from crm.access.ownership import check_may_delete, check_may_merge, new_owner, resolve_owner
from crm.accounts import matching, merging, sharing
from crm.accounts import services as accounts
from crm.accounts.selectors import accounts_visible_to
from crm.audit import services as audit
from crm.audit import versions
from crm.builder import services as builder
from crm.contacts import selectors
from crm.contacts.models import Contact, ContactAccount

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.users.models import User

_EDITABLE = ("first_name", "last_name", "title", "role", "email", "phone", "account", "owner")
_MERGE_FILLS = ("last_name", "title", "role", "email", "phone")
# The fields whose surviving value a merge may choose, side by side.
MERGE_CHOICES = ("first_name", "last_name", "title", "role", "email", "phone", "account")


def _check_account(by: User, account: Account | None) -> None:
    # Linking to an account the caller cannot see would reveal that it exists.
    if account is not None and not scope.visible(type(account).objects.filter(pk=account.pk), by).exists():
        raise ValidationError({"account": [_("No such account.")]})


def set_keys(contact: Contact) -> None:
    """Recompute the duplicate-detection keys from the contact's fields."""
    contact.name_key = matching.person_name_key(contact.first_name, contact.last_name)
    contact.phone_key = matching.phone_key(contact.phone)
    contact.email_key = matching.email_key(contact.email)


def _validate(contact: Contact) -> None:
    try:
        contact.full_clean(
            exclude=["owner", "account", "name_key", "phone_key", "email_key"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _sync_primary(contact: Contact, role: str | None = None) -> None:
    """Make the ContactAccount rows agree with `contact.account` (the primary one)."""
    ContactAccount.objects.filter(contact=contact, is_primary=True).exclude(account=contact.account).update(
        is_primary=False
    )
    if contact.account_id is not None:
        link, created = ContactAccount.objects.get_or_create(
            contact=contact,
            account_id=contact.account_id,
            defaults={"is_primary": True, "role": role if role is not None else contact.role},
        )
        if not created and not link.is_primary:
            link.is_primary = True
            link.save(update_fields=["is_primary"])


def company_for(*, by: User, company_name: str, owner: User | None) -> Account:
    """The account a contact's `company_name` stands for: one `by` can see with the
    same normalised name, else a new prospect account owned by `owner`."""
    key = matching.company_name_key(company_name)
    existing = accounts_visible_to(by).filter(name_key=key).order_by("id").first() if key else None
    if existing is not None:
        return existing
    # A new account starts as a prospect (the model's default).
    return accounts.create_account(by=by, name=company_name.strip(), owner=owner)


def check_duplicates(
    *,
    by: User,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    account: Account | None = None,
    exclude_pk: int | None = None,
) -> None:
    """Raise PossibleDuplicates when contacts `by` can see look like this one."""
    found = selectors.duplicate_candidates(
        by, first_name=first_name, last_name=last_name, email=email, phone=phone, account=account, exclude_pk=exclude_pk
    )
    if found:
        raise matching.PossibleDuplicates(
            [c.pk for c in found],
            _(
                "This looks like a contact that already exists (same e-mail, phone, or name at the same account). "
                "Use it, merge, or save anyway with ?force=true."
            ),
        )


def _given(values: Mapping[str, Any]) -> list[str]:
    """The names of `values` that hold something (a create's empty defaults write nothing)."""
    return [name for name, value in values.items() if value not in (None, "", [], ())]


@transaction.atomic
def create_contact(
    *,
    by: User,
    first_name: str,
    last_name: str = "",
    email: str = "",
    phone: str = "",
    account: Account | None = None,
    owner: User | None = None,
    title: str = "",
    role: str = "",
    company_name: str = "",
    allow_duplicates: bool = True,
    custom: Mapping[str, Any] | None = None,
) -> Contact:
    """Create a contact owned by `owner` (default: `by`), with its custom field
    values (`custom`: {api_key: value} already checked by crm.builder.values)
    and its audit rows, in one transaction. A field masked for `by`'s role
    (crm.access.permissions) may not be given a value.

    `company_name` (instead of `account`) links the contact to the visible
    account of that name, or to a new prospect account. Unless
    `allow_duplicates`, raises PossibleDuplicates (nothing saved) when the
    contact looks like one `by` can see.
    """
    details: dict[str, Any] = {"last_name": last_name, "title": title, "role": role, "email": email, "phone": phone}
    permissions.check_writable(by, "contacts", [*_given(details), *(custom or {})])
    owner = resolve_owner(by=by, owner=owner)
    _check_account(by, account)
    company_name = (company_name or "").strip()
    if company_name and account is not None:
        raise ValidationError({"company_name": [_("Give either an account or a company name, not both.")]})
    contact = Contact(first_name=first_name, owner=owner, **details)
    _validate(contact)
    if not allow_duplicates:
        check_duplicates(by=by, first_name=first_name, last_name=last_name, email=email, phone=phone, account=account)
    if company_name:
        account = company_for(by=by, company_name=company_name, owner=owner)
    contact.account = account
    set_keys(contact)
    contact.save()
    _sync_primary(contact)
    audit.record(actor=by, action="contact.created", target=contact, payload={"name": str(contact)})
    if custom:
        builder.set_custom_values(object_name="contacts", record_id=contact.pk, values=custom, by=by)
    return contact


@transaction.atomic
def attach_or_create_contact(
    *,
    by: User,
    account: Account,
    owner: User | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    title: str = "",
    role: str = "",
) -> Contact:
    """An account's first contact: a contact `by` can see with the same e-mail or
    phone is linked to `account`; otherwise a new one is created there. A field
    masked for `by`'s role may not be given (not even to look a contact up by it)."""
    details: dict[str, Any] = {"last_name": last_name, "title": title, "role": role, "email": email, "phone": phone}
    permissions.check_writable(by, "contacts", _given(details))
    keys = Q()
    if matching.email_key(email):
        keys |= Q(email_key=matching.email_key(email))
    if matching.phone_key(phone):
        keys |= Q(phone_key=matching.phone_key(phone))
    existing = selectors.contacts_visible_to(by).filter(keys).order_by("id").first() if keys else None
    if existing is None:
        if not first_name:
            raise ValidationError({"primary_contact": [_("first_name: This field is required.")]})
        return create_contact(by=by, first_name=first_name, account=account, owner=owner, **details)
    link_account(contact=existing, account=account, by=by, role=role, is_primary=existing.account_id is None)
    return existing


def _primary_contact_errors(exc: ValidationError) -> ValidationError:
    """A ValidationError of the primary contact's service, under `primary_contact`
    ("email: ..."), which is what the account's caller sent."""
    messages: list[str] = []
    for field, errors in exc.message_dict.items():
        prefix = "" if field in ("primary_contact", "__all__") else f"{field}: "
        messages.extend(f"{prefix}{message}" for message in errors)
    return ValidationError({"primary_contact": messages})


@transaction.atomic
def create_account_with_contact(*, by: User, primary_contact: Mapping[str, Any], **account: Any) -> Account:
    """crm.accounts.services.create_account (`account`: its arguments) and the
    account's first contact in the same transaction: `primary_contact`
    ({first_name, last_name, email, phone, title, role}) links an existing
    contact `by` can see with the same e-mail or phone, else creates one (its
    errors come back under `primary_contact`, and nothing is saved)."""
    created = accounts.create_account(by=by, **account)
    try:
        attach_or_create_contact(by=by, account=created, owner=created.owner, **primary_contact)
    except ValidationError as exc:
        raise _primary_contact_errors(exc) from exc
    return created


# Besides the changed fields, what an update saves when they change.
_DERIVED = {
    "first_name": ("name_key",),
    "last_name": ("name_key",),
    "phone": ("phone_key",),
    "email": ("email_key",),
}


@transaction.atomic
def update_contact(
    *,
    contact: Contact,
    by: User,
    custom: Mapping[str, Any] | None = None,
    expected_version: str | None = None,
    **values: Any,
) -> Contact:
    """Change the given fields (and `custom` field values) of a contact `by` can
    see, in one transaction; records old → new.

    Only what changes is written, on the row as it is now, locked; nothing
    changed, nothing written. `expected_version` (crm.audit.versions):
    StaleRecord, and nothing written, when the contact is no longer at that
    version. A field masked for `by`'s role is refused (ValidationError naming
    it); a new owner only from its owner, their managers, directors and admins
    (PermissionDenied)."""
    unknown = set(values) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"update_contact() got unexpected fields {sorted(unknown)}")
    versions.lock(contact)
    versions.check(contact, expected_version)
    permissions.check_writable(by, "contacts", [*values, *(custom or {})])
    if "account" in values:
        _check_account(by, values["account"])
    if "owner" in values:
        values["owner"] = new_owner(by=by, record=contact, owner=values["owner"])
    diff = audit.changes(contact, _EDITABLE, values)
    for field in diff:
        setattr(contact, field, values[field])
    _validate(contact)
    set_keys(contact)
    if "account" in diff:
        _sync_primary(contact)
    changed = dict(diff)
    if custom:
        changed.update(builder.set_custom_values(object_name="contacts", record_id=contact.pk, values=custom, by=by))
    if diff:
        audit.record(actor=by, action="contact.updated", target=contact, payload=diff)
    if changed:
        # Last, after the audit rows: the new version is stamped after them.
        derived = [name for field in diff for name in _DERIVED.get(field, ())]
        contact.save(update_fields=sorted({*diff, *derived, "updated_at"}))
    return contact


@transaction.atomic
def link_account(
    *, contact: Contact, account: Account, by: User, role: str = "", is_primary: bool = False
) -> ContactAccount:
    """Relate `contact` to one more account (visible to `by`) with a role; the
    primary account becomes `contact.account`. Idempotent; audit row."""
    _check_account(by, account)
    link, created = ContactAccount.objects.get_or_create(contact=contact, account=account, defaults={"role": role})
    changed = created
    if not created and link.role != role:
        link.role, changed = role, True
        link.save(update_fields=["role"])
    if is_primary and contact.account_id != account.pk:
        contact.account = account
        contact.save(update_fields=["account", "updated_at"])
        _sync_primary(contact)
        changed = True
    if changed:
        audit.record(
            actor=by,
            action="contact.account_linked",
            target=contact,
            payload={"account": account.pk, "role": role, "is_primary": contact.account_id == account.pk},
        )
    return link


@transaction.atomic
def unlink_account(*, contact: Contact, account: Account, by: User) -> None:
    """End `contact`'s relation to `account`; if it was the primary one, the contact has no account then."""
    deleted, _detail = ContactAccount.objects.filter(contact=contact, account=account).delete()
    if not deleted:
        raise ValidationError({"account": [_("This contact is not related to that account.")]})
    if contact.account_id == account.pk:
        contact.account = None
        contact.save(update_fields=["account", "updated_at"])
    audit.record(actor=by, action="contact.account_unlinked", target=contact, payload={"account": account.pk})


@transaction.atomic
def delete_contact(*, contact: Contact, by: User, expected_version: str | None = None) -> None:
    """Delete a contact (its owner, their managers, directors and admins only:
    PermissionDenied otherwise), with its audit row; StaleRecord when it is no
    longer at `expected_version`."""
    versions.lock(contact)
    versions.check(contact, expected_version)
    check_may_delete(by=by, record=contact)
    audit.record(actor=by, action="contact.deleted", target=contact, payload={"name": str(contact)})
    sharing.delete_shares(contact)
    contact.delete()


@transaction.atomic
def merge_contacts(*, keep: Contact, other: Contact, by: User, choices: Mapping[str, str] | None = None) -> Contact:
    """Merge `other` into `keep` (both already checked visible to `by`, and both
    `by`'s to give away: crm.access.ownership.check_may_merge): every
    record pointing at `other` (account links, deals, activities, shares, ... of
    any app) moves to `keep`, the fields `choices` ({field of MERGE_CHOICES:
    "keep" or "other"}) name take that record's value (ValidationError for a bad
    choice, or "other" on a field masked for `by`), other blank fields of `keep`
    (custom fields too) are filled from `other`, lookups of custom fields at
    `other` point at `keep`, an audit row goes on each, and `other` is deleted.
    Returns `keep`."""
    if keep.pk == other.pk:
        raise ValidationError({"other": [_("A contact cannot be merged with itself.")]})
    chosen = merging.checked_choices(choices, fields=MERGE_CHOICES)
    permissions.check_writable(by, "contacts", [name for name, side in chosen.items() if side == merging.OTHER])
    first, second = sorted([keep.pk, other.pk])
    locked = {c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[first, second])}
    keep, other = locked[keep.pk], locked[other.pk]
    check_may_merge(by=by, keep=keep, other=other)
    taken = merging.take_chosen(keep=keep, other=other, choices=chosen)
    if "account" in taken:
        _check_account(by, keep.account)
    filled = merging.fill_blanks(keep=keep, other=other, fields=[f for f in _MERGE_FILLS if f not in chosen])
    filled.update(taken)
    if "account" not in chosen and keep.account_id is None and other.account_id is not None:
        keep.account_id = other.account_id
        filled["account"] = [None, other.account_id]
    # One primary account per contact: keep's, decided below.
    ContactAccount.objects.filter(contact=other).update(is_primary=False)
    moved = merging.move_related(keep=keep, other=other)
    # Custom fields: the tenant's lookups at `other` (which its deletion would
    # empty) now point at `keep`, and blank custom values of `keep` are filled.
    moved.update(builder.repoint_lookups(target_object="contacts", from_id=other.pk, to_id=keep.pk))
    filled.update(builder.fill_blank_values(object_name="contacts", keep_id=keep.pk, other_id=other.pk))
    set_keys(keep)
    audit.record(actor=by, action="contact.merged_into", target=other, payload={"into": keep.pk, "name": str(other)})
    audit.record(
        actor=by,
        action="contact.merged",
        target=keep,
        payload={"other": other.pk, "other_name": str(other), "moved": moved, "filled": filled},
    )
    # After the audit rows: the save stamps keep's new version.
    keep.save()
    _sync_primary(keep)
    other.delete()
    return keep
