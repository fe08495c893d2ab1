"""Edit forms that know what they were opened with, so that a save never
silently undoes what someone else saved meanwhile.

An edit form of a record carries the record's version (crm.audit.versions) in
a hidden field, and each field's value as the form showed it (Django's
show_hidden_initial). On save the view hands the service only the fields the
user changed, with that version (`edited`, `save`). When someone else saved
the record in between, the service writes nothing (StaleRecord), and:
- if none of the form's fields changed meanwhile (a file, a link, a field the
  form does not show), the user's changes are applied to the record as it is
  now: nothing of theirs is lost, nothing of the other person's undone;
- otherwise `save` raises Conflict, and the view shows the form again
  (`Conflict.redisplay`): saying who changed which field to what, with the
  user's input kept, the other person's values in the fields the user left
  alone, and the new version, so that saving again applies the user's changes
  on top of theirs.
"""

from collections.abc import Callable, Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils.translation import gettext as _

from crm.audit import versions
from crm.audit.selectors import changes_since
from crm.users.selectors import users_with_teams

VERSION = "version"

# Builds the edit form of a record on `data` (None: unbound, as it opens now): (form, CustomFields).
Build = Callable[[Any, QueryDict | None], tuple[forms.Form, Any]]


def carry_version(form: forms.Form, record: Any) -> None:
    """Make `form` (the edit form of `record`, complete with its custom and masked
    fields) carry the record's version and the values it shows. A new record's
    form carries nothing."""
    if record is None:
        return
    for field in form.fields.values():
        if not field.disabled:
            field.show_hidden_initial = True
    form.fields[VERSION] = forms.CharField(widget=forms.HiddenInput, required=False)
    form.initial[VERSION] = versions.version_of(record)


def opened_version(form: forms.Form) -> str | None:
    """The version the (validated) form was opened at; None for a form that did
    not say (a new record, a client posting by hand): then no check, as an API
    write without If-Match."""
    if VERSION not in form.fields:
        return None
    return getattr(form, "cleaned_data", {}).get(VERSION) or None


def edited(form: forms.Form, values: dict[str, Any]) -> dict[str, Any]:
    """Of `values` ({field: value} the view would write), those the user changed
    since the form was opened; all of them when the form did not say what it
    was opened with."""
    if opened_version(form) is None:
        return dict(values)
    changed = set(form.changed_data)
    return {name: value for name, value in values.items() if name in changed}


class Conflict(Exception):
    """Someone else changed fields of the form since it was opened: nothing was saved."""

    def __init__(self, form: forms.Form, record: Any, changes: dict[str, Any]) -> None:
        super().__init__("edit conflict")
        self.form = form
        self.record = record
        self.changes = changes  # {field name: who changed it last (a user or None)}

    def redisplay(self, build: Build) -> tuple[forms.Form, Any]:
        """The form again, on the record as it is now (`build`): the user's input
        kept, the fields only the other person changed showing their value, the
        new version, and messages saying who changed what."""
        stale, record = self.form, self.record
        current, _custom = build(record, None)
        # (A field the admin took off the form meanwhile is no longer the user's business.)
        changes = {name: who for name, who in self.changes.items() if name in current.fields}
        mine = set(stale.changed_data)
        data = QueryDict(mutable=True)
        data.update(stale.data)
        for name in changes:
            if name not in mine:
                shown = _as_posted(current[name])
                data.setlist(name, shown)
                data.setlist(current[name].html_initial_name, shown)
        data[VERSION] = versions.version_of(record)
        form, custom = build(record, data)
        custom.is_valid()
        lines = [_("Someone else saved this record while you were editing it:")]
        for name, who in changes.items():
            value = _shown(current[name])
            lines.append(
                _("%(field)s is now “%(value)s” (changed by %(who)s).")
                % {"field": current[name].label, "value": value, "who": _who(who)}
            )
            if name in mine:
                form.add_error(
                    name,
                    _("%(who)s changed this to “%(value)s”. Saving again replaces it with your value.")
                    % {"who": _who(who), "value": value},
                )
        lines.append(_("Your changes are kept below; check them and save again."))
        form.add_error(None, lines)
        return form, custom


def save(form: forms.Form, record: Any, write: Callable[[str | None], Any]) -> Any:
    """`write(expected_version)` (the record's update service, with the fields
    `edited` says) against the version `form` was opened at. Someone else saved
    meanwhile: the write is made again against the new version if none of the
    form's fields changed, else Conflict. Returns what `write` returns."""
    opened = opened_version(form)
    try:
        return write(opened)
    except versions.StaleRecord as stale:
        changes = changed_by_others(form, record, opened or "")
        if changes:
            raise Conflict(form, record, changes) from stale
        return write(stale.current)


def changed_by_others(form: forms.Form, record: Any, version: str) -> dict[str, Any]:
    """{field of `form` the user may edit: who changed it last} for the fields the
    record's audit rows since `version` changed, in the order they changed."""
    editable = {name for name, field in form.fields.items() if name != VERSION and not field.disabled}
    changes: dict[str, Any] = {}
    for event in changes_since(record, version):
        for name in _touched(event.payload) & editable:
            changes.pop(name, None)
            changes[name] = event.actor
    return changes


def _touched(payload: Any) -> set[str]:
    """The fields an audit row's payload says it changed: an update's {field: [old,
    new]} and custom {field: {"label", "old", "new"}}, a merge's "filled" ones."""
    if not isinstance(payload, dict):
        return set()
    names: set[str] = set()
    for key, value in payload.items():
        if key == "filled" and isinstance(value, dict):
            names.update(value)
        elif (isinstance(value, list) and len(value) == 2) or (isinstance(value, dict) and "new" in value):
            names.add(key)
    return names


def _who(user: Any) -> str:
    if user is None:
        return _("an automatic change")
    return user.name or user.email


def _as_posted(bound: forms.BoundField) -> list[str]:
    """What a browser posts for `bound` (a field of an unbound form) as it shows its value."""
    widget = bound.field.widget
    value = bound.value()
    if isinstance(widget, forms.CheckboxInput):
        return ["on"] if widget.check_test(value) else []
    formatted = widget.format_value(value)
    if formatted is None:
        return []
    if isinstance(formatted, (list, tuple)):
        return [str(item) for item in formatted]
    return [str(formatted)]


def _shown(bound: forms.BoundField) -> str:
    """`bound`'s value (a field of an unbound form) as a person reads it: a choice's
    label, a record's name, yes or no."""
    field, value = bound.field, bound.value()
    values = value if isinstance(value, (list, tuple)) else [value]
    values = [item for item in values if item not in (None, "")]
    if isinstance(field, forms.BooleanField):
        return _("Yes") if value else _("No")
    if not values:
        return "—"
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
        queryset = field.queryset
        if queryset.model is get_user_model():
            # Whose a record is, is no secret; the form offers only whom the user may pick.
            queryset = users_with_teams()
        found = {str(record.pk): field.label_from_instance(record) for record in queryset.filter(pk__in=values)}
        return ", ".join(str(found.get(str(item), item)) for item in values)
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in cast(Iterable[tuple[Any, Any]], field.choices)}
        return ", ".join(str(labels.get(str(item), item)) for item in values)
    formatted = field.widget.format_value(value)
    return ", ".join(map(str, formatted)) if isinstance(formatted, (list, tuple)) else str(formatted)
