from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access.ownership import resolve_owner
from crm.accounts import matching, merging, selectors, sharing
from crm.accounts.models import Account, AccountWatch
from crm.audit import services as audit
from crm.builder import services as builder

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


def set_keys(account):
    """Recompute the duplicate-detection keys from the account's fields."""
    account.name_key = (
        matching.company_name_key(account.name)
        if account.kind == Account.Kind.COMPANY
        else matching.person_name_key(account.name)
    )
    account.phone_key = matching.phone_key(account.phone)
    account.email_key = matching.email_key(account.email)


def _clean_tags(tags):
    seen, clean = set(), []
    for tag in tags or []:
        tag = " ".join(str(tag).split())
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            clean.append(tag)
    return clean


def _validate(account):
    try:
        account.full_clean(
            exclude=["owner", "name_key", "phone_key", "email_key"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def check_duplicates(*, by, name="", phone="", email="", exclude_pk=None):
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
def create_account(*, by, name, owner=None, primary_contact=None, allow_duplicates=True, **details):
    """Create an account owned by `owner` (default: `by`), with its audit row.

    `details`: any of DETAIL_FIELDS. `primary_contact` ({first_name, last_name,
    email, phone, title, role}) links the account's first contact: an existing
    one `by` can see with the same e-mail or phone, else a new one.
    Unless `allow_duplicates`, raises PossibleDuplicates (nothing saved) when the
    account looks like one `by` can see or the pool holds.
    """
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"create_account() got unexpected fields {sorted(unknown)}")
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
    if primary_contact:
        # Imported here: crm.contacts.services imports this module (a contact can create its company).
        from crm.contacts.services import attach_or_create_contact

        attach_or_create_contact(by=by, account=account, owner=account.owner, **primary_contact)
    return account


@transaction.atomic
def update_account(*, account, by, **values):
    """Change the given fields of an account `by` can see; records old → new.
    An owner change restarts the pool's clock; taking the owner away is `release`."""
    if "owner" in values:
        if values["owner"] is None:
            raise ValidationError({"owner": [_("To put an account in the pool, release it.")]})
        values["owner"] = resolve_owner(by=by, owner=values["owner"])
    if "tags" in values:
        values["tags"] = _clean_tags(values["tags"])
    diff = audit.changes(account, _EDITABLE, values)
    for field, value in values.items():
        setattr(account, field, value)
    _validate(account)
    if "owner" in diff:
        account.owner_since = timezone.now()
    set_keys(account)
    account.save()
    if diff:
        audit.record(actor=by, action="account.updated", target=account, payload=diff)
    return account


@transaction.atomic
def delete_account(*, account, by):
    audit.record(actor=by, action="account.deleted", target=account, payload={"name": account.name})
    sharing.delete_shares(account)
    account.delete()


@transaction.atomic
def merge_accounts(*, keep, other, by):
    """Merge `other` into `keep` (both already checked visible to `by`): every
    record pointing at `other` (contacts and their links, deals, activities,
    leads, shares, watches, ... of any app) moves to `keep`, blank fields of
    `keep` (custom fields too) are filled from `other`, lookups of custom fields
    at `other` point at `keep`, tags are joined, an audit row goes on each,
    and `other` is deleted. Returns `keep`."""
    if keep.pk == other.pk:
        raise ValidationError({"other": [_("An account cannot be merged with itself.")]})
    first, second = sorted([keep.pk, other.pk])
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[first, second])}
    keep, other = locked[keep.pk], locked[other.pk]
    filled = merging.fill_blanks(keep=keep, other=other, fields=_MERGE_FILLS)
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
    keep.save()
    audit.record(actor=by, action="account.merged_into", target=other, payload={"into": keep.pk, "name": other.name})
    audit.record(
        actor=by,
        action="account.merged",
        target=keep,
        payload={"other": other.pk, "other_name": other.name, "moved": moved, "filled": filled},
    )
    other.delete()
    return keep


def mark_contacted(account, when):
    """Note that someone talked to the customer at `when` (for the pool's
    follow-up rule). Only ever moves the date forward; a derived timestamp, so
    no audit row (the activity that caused it has its own). For crm/activities."""
    Account.objects.filter(pk=account.pk).filter(
        Q(last_contacted_at__isnull=True) | Q(last_contacted_at__lt=when)
    ).update(last_contacted_at=when)


@transaction.atomic
def watch(*, account, by):
    """Put `account` on `by`'s watch list (idempotent)."""
    _watch, created = AccountWatch.objects.get_or_create(user=by, account=account)
    if created:
        audit.record(actor=by, action="account.watched", target=account)


@transaction.atomic
def unwatch(*, account, by):
    """Take `account` off `by`'s watch list (idempotent)."""
    deleted, _detail = AccountWatch.objects.filter(user=by, account=account).delete()
    if deleted:
        audit.record(actor=by, action="account.unwatched", target=account)
