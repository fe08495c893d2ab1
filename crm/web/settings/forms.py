"""Forms of the settings pages. As in crm/web/forms.py they only parse input; the
services validate and write, and their errors come back with `add_service_errors`."""

from django import forms
from django.db.models import Model, Q
from django.utils.translation import gettext_lazy as _

from crm.access.permissions import AVAILABLE_MODULES, custom_object_module
from crm.access.selectors import maskable_fields
from crm.builder.selectors import custom_objects
from crm.deals.selectors import stage_kinds
from crm.teams.selectors import team_name_taken, teams_with_members
from crm.users.selectors import roles, users_with_teams
from crm.web.forms import OwnerField

# Admins always see every module and field; these are the roles an admin restricts.
ROLES_BELOW_ADMIN = ("director", "manager", "sales")

MODULE_LABELS = {
    "accounts": _("Accounts"),
    "contacts": _("Contacts"),
    "leads": _("Leads"),
    "deals": _("Deals"),
    "approvals": _("Approvals"),
    "activities": _("Activities"),
    "pool": _("Customer pool"),
}


def module_label(module):
    return MODULE_LABELS.get(module, module)


def grid_modules():
    """(module, label) of each column of the module grid: the built-in modules
    that exist, then the tenant's custom objects (crm.access.permissions.modules()) under their plural labels."""
    return [(module, module_label(module)) for module in AVAILABLE_MODULES] + [
        (custom_object_module(custom.name), custom.label_plural) for custom in custom_objects()
    ]


def _roles_below_admin():
    return [(value, label) for value, label in roles() if value in ROLES_BELOW_ADMIN]


def _active_users():
    return users_with_teams().filter(is_active=True)


class TeamField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=teams_with_members(), required=False, empty_label=_("No team"), **kwargs)


class InviteUserForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    # The CRM names people by their name (User.display_name), so ask for it.
    name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=roles, initial="sales")
    team = TeamField(label=_("Team"))


class UserForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=roles)
    team = TeamField(label=_("Team"))


class ReassignForm(forms.Form):
    to = OwnerField(label=_("Give them to"), queryset=None, empty_label=None)

    def __init__(self, *args, from_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = _active_users().exclude(pk=from_user.pk)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    manager = OwnerField(label=_("Manager"), queryset=None, required=False, empty_label=_("No manager"))
    parent: "forms.ModelChoiceField[Model]" = forms.ModelChoiceField(
        label=_("Parent team"), queryset=None, required=False, empty_label=_("None")
    )
    members: "forms.ModelMultipleChoiceField[Model]" = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A user belongs to one team at most: choosing someone here moves them from their team."),
    )

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        # A deactivated manager or member stays a choice, or saving the form would
        # silently drop them from the team.
        current = Q(pk=team.manager_id) | Q(membership__team=team) if team else Q(pk__in=[])
        people = users_with_teams().filter(Q(is_active=True) | current)
        self.fields["manager"].queryset = people
        self.fields["parent"].queryset = teams_with_members().exclude(pk=getattr(team, "pk", None))
        self.fields["members"].queryset = people
        self.fields["members"].label_from_instance = self.fields["manager"].label_from_instance

    def clean_name(self):
        # Team names are unique in the database; saying so beats an integrity error.
        name = self.cleaned_data["name"].strip()
        if team_name_taken(name, exclude=getattr(self.team, "pk", None)):
            raise forms.ValidationError(_("A team with this name already exists."))
        return name


class ModuleGridForm(forms.Form):
    """One checkbox per role × module: checked means hidden from that role."""

    hidden = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, modules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hidden"].choices = [
            (f"{role}:{module}", f"{role}:{module}") for role in ROLES_BELOW_ADMIN for module, _label in modules
        ]

    def hidden_pairs(self):
        return {tuple(value.split(":", 1)) for value in self.cleaned_data["hidden"]}


def _maskable_choices():
    # Grouped under the module grid's labels: a custom object's is its plural label.
    labels = dict(grid_modules())
    return [("", _("Choose a field"))] + [
        (labels.get(module, module), [(f"{module}.{field}", label) for field, label in fields])
        for module, fields in maskable_fields().items()
    ]


class SensitiveFieldForm(forms.Form):
    field = forms.ChoiceField(label=_("Field"), choices=_maskable_choices)
    hidden_from = forms.MultipleChoiceField(
        label=_("Masked for"),
        choices=_roles_below_admin,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("No role: the field is shown to everyone again."),
    )

    def module_and_field(self):
        return self.cleaned_data["field"].split(".", 1)


class PoolSettingsForm(forms.Form):
    claim_cap = forms.IntegerField(
        label=_("Most accounts a user may own and still claim from the pool"),
        required=False,
        help_text=_("Empty: no limit."),
    )
    release_after_days_without_follow_up = forms.IntegerField(
        label=_("Send back to the pool after this many days without a follow-up"),
        required=False,
        help_text=_("Empty: never."),
    )
    release_after_days_without_deal = forms.IntegerField(
        label=_("Send back to the pool after this many days without a deal"),
        required=False,
        help_text=_("Empty: never."),
    )


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class NewPipelineForm(PipelineForm):
    is_default = forms.BooleanField(label=_("Make it the default pipeline"), required=False)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    # The stage table allows 0-100 (a check constraint); the service does not re-check it.
    probability = forms.IntegerField(label=_("Win probability (%)"), min_value=0, max_value=100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=stage_kinds, initial="open", help_text=_("Deals in a won or lost stage are closed.")
    )
