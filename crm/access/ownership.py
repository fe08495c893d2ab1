from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.access import scope


def resolve_owner(*, by, owner):
    """The owner a write may set: the caller by default, someone else only for roles that see everything."""
    if owner is None:
        return by
    if not owner.is_active:
        raise ValidationError({"owner": [_("This user is deactivated.")]})
    if not scope.may_assign_to(by, owner):
        raise ValidationError({"owner": [_("You can only assign records to yourself.")]})
    return owner
