"""Sharing one record (an account or a contact) with named users, on
crm.access.models.RecordShare, which crm/access/scope.py already honours."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.access.models import RecordShare
from crm.access.ownership import owner_or_above
from crm.audit import services as audit

if TYPE_CHECKING:
    from crm.accounts.models import Account
    from crm.contacts.models import Contact
    from crm.users.models import User


def shared_with(record: Account | Contact) -> list[int]:
    """Ids of the users `record` is shared with, in order."""
    return list(
        RecordShare.objects.filter(content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def _check(by: User, record: Account | Contact, users: Iterable[User]) -> None:
    if not owner_or_above(by, record):
        raise PermissionDenied(_("Only the owner, their managers and directors may share this record."))
    inactive = [user.pk for user in users if not user.is_active]
    if inactive:
        raise ValidationError(
            {"users": [_("These users are deactivated: %(ids)s.") % {"ids": ", ".join(map(str, inactive))}]}
        )


@transaction.atomic
def share(*, record: Account | Contact, by: User, users: Iterable[User]) -> list[int]:
    """Let each of `users` see and edit `record`; idempotent. Audit row with the users added."""
    _check(by, record, users)
    content_type = ContentType.objects.get_for_model(type(record))
    added: list[int] = []
    for user in users:
        if user.pk == record.owner_id:
            continue
        _share, created = RecordShare.objects.get_or_create(
            content_type=content_type, object_id=record.pk, user=user, defaults={"shared_by": by}
        )
        if created:
            added.append(user.pk)
    if added:
        audit.record(actor=by, action=f"{record._meta.model_name}.shared", target=record, payload={"users": added})
    return shared_with(record)


@transaction.atomic
def unshare(*, record: Account | Contact, by: User, users: Iterable[User]) -> list[int]:
    """Stop sharing `record` with `users`. Audit row with the users removed."""
    _check(by, record, [])
    content_type = ContentType.objects.get_for_model(type(record))
    shares = RecordShare.objects.filter(
        content_type=content_type, object_id=record.pk, user_id__in=[user.pk for user in users]
    )
    removed = sorted(shares.values_list("user_id", flat=True))
    shares.delete()
    if removed:
        audit.record(actor=by, action=f"{record._meta.model_name}.unshared", target=record, payload={"users": removed})
    return shared_with(record)


def delete_shares(record: Account | Contact) -> None:
    """Remove the shares of a record that is being deleted (they point by id)."""
    RecordShare.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).delete()
