"""Moving everything that points at one record onto another, for merges.

The rows to move are found from the model's reverse relations (hidden ones
too, such as a lead's `converted_account`, and the through tables of
many-to-many fields declared elsewhere), so the records of apps added later
are carried over without a change here. Shares (which point by content type
and id) move as well. Audit rows stay where they are: history is not
rewritten, and the merge itself is recorded on both records.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.access.models import RecordShare


def _reverse_foreign_keys(model):
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            yield rel.related_model, rel.field


def _unique_sets(related_model, field):
    """The other fields of each unconditional uniqueness rule that includes `field`."""
    sets = []
    if field.unique:
        sets.append(())
    for names in related_model._meta.unique_together:
        if field.name in names:
            sets.append(tuple(n for n in names if n != field.name))
    for constraint in related_model._meta.total_unique_constraints:
        if field.name in constraint.fields:
            sets.append(tuple(n for n in constraint.fields if n != field.name))
    return sets


def move_related(*, keep, other):
    """Point every row that references `other` at `keep`; rows that would then
    break a uniqueness rule (the same contact linked twice, a second follow-up
    row) are dropped, since `keep` already has their equivalent.
    Returns {model label: rows moved}. Call inside the merge's transaction."""
    moved = {}
    for related_model, field in _reverse_foreign_keys(type(keep)):
        manager = related_model._base_manager
        rows = manager.filter(**{field.name: other})
        for others in _unique_sets(related_model, field):
            taken = manager.filter(**{field.name: keep}).values_list(*others) if others else None
            if not others:
                if manager.filter(**{field.name: keep}).exists():
                    rows.delete()
                continue
            for values in list(taken):
                rows.filter(**dict(zip(others, values, strict=True))).delete()
        count = rows.update(**{field.name: keep})
        if count:
            label = related_model._meta.label_lower
            moved[label] = moved.get(label, 0) + count
    moved_shares = _move_shares(keep=keep, other=other)
    if moved_shares:
        moved[RecordShare._meta.label_lower] = moved_shares
    return moved


def _move_shares(*, keep, other):
    content_type = ContentType.objects.get_for_model(type(keep))
    shares = RecordShare.objects.filter(content_type=content_type, object_id=other.pk)
    already = RecordShare.objects.filter(content_type=content_type, object_id=keep.pk).values("user_id")
    shares.filter(user_id__in=already).delete()
    if keep.owner_id is not None:
        # The owner needs no share of their own record.
        shares.filter(user_id=keep.owner_id).delete()
    return shares.update(object_id=keep.pk)


def fill_blanks(*, keep, other, fields):
    """Copy into `keep` the values of `fields` it lacks and `other` has; returns
    {field: [old, new]} for the audit row."""
    filled = {}
    for name in fields:
        mine, theirs = getattr(keep, name), getattr(other, name)
        if mine in (None, "", []) and theirs not in (None, "", []):
            setattr(keep, name, theirs)
            filled[name] = [mine, theirs if isinstance(theirs, (str, int, list)) else str(theirs)]
    return filled


# A merge's choice of which record's value of a field survives.
KEEP, OTHER = "keep", "other"


def checked_choices(choices, *, fields):
    """`choices` ({field: "keep" or "other"}) as given for a merge, checked
    against the `fields` that may be chosen; ValidationError naming each bad one."""
    errors = {}
    for name, side in (choices or {}).items():
        if name not in fields:
            errors.setdefault("choices", []).append(_("“%(field)s” is not a field a merge chooses.") % {"field": name})
        elif side not in (KEEP, OTHER):
            errors[name] = [_("Choose the value of one of the two records.")]
    if errors:
        raise ValidationError(errors)
    return dict(choices or {})


def take_chosen(*, keep, other, choices):
    """Copy into `keep` the values of the fields `choices` says come from
    `other`; returns {field: [old, new]} (a relation by id) for the audit row."""
    taken = {}
    for name, side in choices.items():
        if side != OTHER:
            continue
        attname = type(keep)._meta.get_field(name).attname
        mine, theirs = getattr(keep, attname), getattr(other, attname)
        if mine != theirs:
            setattr(keep, attname, theirs)
            taken[name] = [_plain(mine), _plain(theirs)]
    return taken


def _plain(value):
    return value if value is None or isinstance(value, (str, int, list)) else str(value)
