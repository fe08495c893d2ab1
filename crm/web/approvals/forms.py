"""Forms of the approval pages: deciding, delegating, and the admin's flows and settings."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.approvals.conditions import MAX_CONDITIONS, OPERATORS
from crm.approvals.registry import Kind
from crm.approvals.selectors import active_users, possible_delegates
from crm.deals.currencies import normalise_currency
from crm.users.selectors import roles

CONDITION_ROWS = 3
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to reject or return: the submitter reads it."),
    )


class DelegationForm(forms.Form):
    delegate: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("My approvals go to"), queryset=None)
    starts_on = forms.DateField(label=_("From"), widget=_DATE)
    ends_on = forms.DateField(label=_("To"), widget=_DATE, help_text=_("Both days included."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["delegate"]).queryset = possible_delegates(user)


class ApprovalSettingsForm(forms.Form):
    remind_after_hours = forms.IntegerField(
        label=_("Remind approvers of tasks waiting this many hours"),
        required=False,
        min_value=1,
        max_value=720,
        help_text=_("In the app and by e-mail, again after as many hours. Empty: never."),
    )


class FlowNameForm(forms.Form):
    name = forms.CharField(label=_("Name of the flow"), max_length=100)


def _role_choices() -> list[tuple[str, Any]]:
    return [("", "—"), *roles()]


def _user_choices() -> list[tuple[Any, str]]:
    return [("", "—"), *((user.pk, str(user)) for user in active_users())]


class StepForm(forms.Form):
    """One step of a flow, with up to CONDITION_ROWS conditions (empty rows left out)."""

    name = forms.CharField(label=_("Name of the step"), max_length=100, required=False)
    approver_type = forms.ChoiceField(
        label=_("Who approves"),
        choices=[
            ("manager", _("The submitter's managers")),
            ("role", _("Everyone with a role")),
            ("user", _("A named user")),
        ],
    )
    levels = forms.IntegerField(
        label=_("Levels up (managers)"),
        min_value=1,
        max_value=10,
        initial=1,
        required=False,
        help_text=_("1: the manager of the submitter's team; 2: also the manager of the team above; and so on."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=_role_choices, required=False)
    user = forms.TypedChoiceField(label=_("User"), choices=_user_choices, coerce=int, empty_value=None, required=False)
    mode = forms.ChoiceField(
        label=_("When several approve"),
        choices=[("any", _("Any of them: the first approval decides")), ("all", _("All of them must approve"))],
    )

    def __init__(self, *args: Any, kind: Kind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_choices = [("", "—"), *((f.name, str(f.label)) for f in kind.fields)]
        # As many rows as the step has conditions (set through the API, say), and a free one.
        given = len(self.initial.get("conditions") or [])
        posted = [int(key[6:]) for key in (self.data or {}) if key.startswith("field_") and key[6:].isdigit()]
        self.rows = min(MAX_CONDITIONS, max(CONDITION_ROWS, given + 1, *posted))
        for row in range(1, self.rows + 1):
            label = _("Condition %(number)d") % {"number": row}
            if kind.fields:
                self.fields[f"field_{row}"] = forms.ChoiceField(label=label, choices=field_choices, required=False)
            else:
                self.fields[f"field_{row}"] = forms.CharField(label=label, max_length=60, required=False)
            self.fields[f"op_{row}"] = forms.ChoiceField(
                label=_("Operator"), choices=[("", "—"), *OPERATORS.items()], required=False
            )
            self.fields[f"value_{row}"] = forms.CharField(
                label=_("Value"),
                max_length=200,
                required=False,
                help_text=_("For “is one of”, separate the values with commas.") if row == 1 else "",
            )
        self.main_fields = [self[name] for name in ("name", "approver_type", "levels", "role", "user", "mode")]
        self.condition_rows = [
            (self[f"field_{row}"], self[f"op_{row}"], self[f"value_{row}"]) for row in range(1, self.rows + 1)
        ]

    def step(self) -> dict[str, Any]:
        """The step as crm.approvals.flows.save_flow takes it (it checks the rest)."""
        data = self.cleaned_data
        conditions = [
            {"field": data[f"field_{row}"], "op": data[f"op_{row}"], "value": data[f"value_{row}"]}
            for row in range(1, self.rows + 1)
            if data.get(f"field_{row}") or data.get(f"op_{row}") or data.get(f"value_{row}")
        ]
        return {
            "name": data["name"],
            "approver_type": data["approver_type"],
            "levels": data["levels"] or 1,
            "role": data["role"],
            "user": data["user"],
            "mode": data["mode"],
            "conditions": conditions,
        }

    @staticmethod
    def initial_for(step: dict[str, Any]) -> dict[str, Any]:
        fields = ("name", "approver_type", "levels", "role", "user", "mode", "conditions")
        initial = {name: step.get(name) for name in fields}
        for row, condition in enumerate(step.get("conditions") or [], start=1):
            value = condition["value"]
            initial.update(
                {
                    f"field_{row}": condition["field"],
                    f"op_{row}": condition["op"],
                    f"value_{row}": ", ".join(value) if isinstance(value, list) else value,
                }
            )
        return initial


class RegistrationRuleForm(forms.Form):
    threshold = forms.DecimalField(
        label=_("Deals above this amount need registration"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text=_("Empty: no deal needs registration."),
    )
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        help_text=_("Deals in another currency never need registration (there are no exchange rates)."),
    )

    def clean_currency(self):
        return normalise_currency(self.cleaned_data["currency"])
