"""Who may change a record's owner, and who may make a record disappear.

Seeing a record (crm.access.scope) is not owning it: a record shared with a
user is theirs to read and edit, not to give away. Changing its owner,
deleting it, merging it away or merging another record into it (which moves
that record's shares onto it) are for its owner, their managers, directors
and admins. The record services call these functions, so the API, the pages,
imports and merges all obey the same rule.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from crm.access import scope


def resolve_owner(*, by: Any, owner: Any) -> Any:
    """The owner a write may set: the caller by default, someone else only for roles that see everything."""
    if owner is None:
        return by
    if not owner.is_active:
        raise ValidationError({"owner": [_("This user is deactivated.")]})
    if not scope.may_assign_to(by, owner):
        raise ValidationError({"owner": [_("You can only assign records to yourself.")]})
    return owner


def owner_or_above(user: Any, record: Any) -> bool:
    """Whether `user` may give `record` away (share, release, change its owner,
    delete or merge it): its owner, their managers, directors and admins; not
    someone it is only shared with."""
    if scope.sees_everything(user):
        return True
    return record.owner_id is not None and record.owner_id in scope.owner_ids_in_scope(user)


def new_owner(*, by: Any, record: Any, owner: Any) -> Any:
    """The owner an update of `record` by `by` may set (crm.access.ownership.resolve_owner
    rules), or PermissionDenied when `by` may not change its owner at all. The
    current owner given again is no change, and allowed to anyone who may edit it."""
    if owner is not None and owner.pk == record.owner_id:
        return owner
    if not owner_or_above(by, record):
        raise PermissionDenied(_("Only the owner, their managers and directors may change the owner of this record."))
    return resolve_owner(by=by, owner=owner)


def check_may_delete(*, by: Any, record: Any) -> None:
    """PermissionDenied unless `by` may delete `record` (owner_or_above)."""
    if not owner_or_above(by, record):
        raise PermissionDenied(_("Only the owner, their managers and directors may delete this record."))


def check_may_merge(*, by: Any, keep: Any, other: Any) -> None:
    """PermissionDenied unless `by` may merge `other` into `keep`: `other` is
    deleted, and its shares move onto `keep`, so both are the owner's business."""
    if not owner_or_above(by, other):
        raise PermissionDenied(_("Only the owner, their managers and directors may merge this record away."))
    if not owner_or_above(by, keep):
        raise PermissionDenied(_("Only the owner, their managers and directors may merge records into this one."))
