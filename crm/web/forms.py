"""Forms of the CRM pages. They only parse input; the services validate and write,
and their ValidationErrors come back onto the form with `add_service_errors`."""

from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from crm.access import scope
from crm.accounts.selectors import account_choices, accounts_visible_to
from crm.contacts.selectors import contact_roles
from crm.deals.currencies import normalise_currency
from crm.deals.selectors import deal_sources, stages
from crm.users.selectors import users_with_teams
from crm.web.pickers.fields import RecordPicker, RecordsPicker


def assignable_owners(user):
    """Active users `user` may make the owner of a record (crm.access.scope.may_assign_to)."""
    users = users_with_teams().filter(is_active=True)
    if scope.sees_everything(user):
        return users
    return users.filter(pk__in=scope.owner_ids_in_scope(user))


def add_service_errors(form, error):
    """Put a service's django ValidationError (or PermissionDenied) on `form`: a
    message for a field the form shows goes next to that field, anything else
    on top of the form."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error))
    elif hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.display_name if not user.name else user.name


def _account_choices(field, blank=False):
    def choices():
        found = account_choices()[field]
        return [("", "—"), *found] if blank else found

    return choices


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas (the service tidies them)."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, (list, tuple)) else value

    def to_python(self, value):
        return [tag.strip() for tag in (super().to_python(value) or "").split(",") if tag.strip()]

    def validate(self, value):
        super().validate(value)
        if len(value) > 30:
            raise forms.ValidationError(_("At most 30 tags."))
        if any(len(tag) > 40 for tag in value):
            raise forms.ValidationError(_("A tag has at most 40 characters."))


class AccountForm(forms.Form):
    """Every field of an account the user may change. Kind, level and status
    left empty keep what the account has (a new one: company, normal, prospect)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=_account_choices("kind"), required=False, initial="company")
    status = forms.ChoiceField(
        label=_("Status"), choices=_account_choices("status"), required=False, initial="prospect"
    )
    level = forms.ChoiceField(label=_("Level"), choices=_account_choices("level"), required=False, initial="normal")
    value_class = forms.ChoiceField(
        label=_("Value classification"), choices=_account_choices("value_class", True), required=False
    )
    credit_limit = forms.DecimalField(
        label=_("Credit limit"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    source = forms.ChoiceField(label=_("Source"), choices=_account_choices("source", True), required=False)
    industry = forms.CharField(label=_("Industry"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    tags = TagsField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    billing_address = forms.CharField(
        label=_("Billing address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    shipping_address = forms.CharField(
        label=_("Shipping address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_days = forms.IntegerField(
        label=_("Follow up every (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Logging a call, visit, meeting or e-mail then plans the next contact this many days later."),
    )
    owner = OwnerField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))

    # Left empty, these keep the account's value (the service's default for a new one).
    KEEP_WHEN_EMPTY = ("kind", "status", "level")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user)


def _contact_roles():
    return [("", "—"), *contact_roles()]


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=_contact_roles, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    account = RecordPicker("accounts", label=_("Primary account"), required=False)
    owner = OwnerField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].scope_to(user)
        self.fields["owner"].queryset = assignable_owners(user)


class LinkAccountForm(forms.Form):
    """Relate a contact to one more account (crm.contacts.services.link_account)."""

    account = RecordPicker("accounts", label=_("Account"))
    role = forms.ChoiceField(label=_("Role there"), choices=_contact_roles, required=False)
    is_primary = forms.BooleanField(label=_("Make it the primary account"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].scope_to(user)


def _activity_kinds():
    from crm.activities.selectors import activity_kinds

    return activity_kinds()


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_activity_kinds)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    # In the user's zone (the active one); empty: now. A future time is a planned activity.
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Past or planned; empty: now."),
    )
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), required=False, min_value=1, max_value=1440)
    body = forms.CharField(label=_("Notes"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}))
    next_contact_at = forms.DateField(
        label=_("Next contact"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, next_contact=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not next_contact:
            # Next-contact dates plan follow-ups of customers (accounts, contacts and
            # their deals); on a custom object's record nothing would read one.
            del self.fields["next_contact_at"]

    def suggest(self, follow_up_days):
        """Say under the date what an empty one does on a record followed up every `follow_up_days`."""
        if follow_up_days:
            # What crm.activities.services.log_activity does with an empty date.
            self.fields["next_contact_at"].help_text = _(
                "Followed up every %(days)s days: left empty, a call, visit, meeting or e-mail plans the "
                "next contact %(days)s days after it (%(date)s if it happened today)."
            ) % {"days": follow_up_days, "date": _suggested_date(follow_up_days)}


def _suggested_date(days):
    try:
        return formats.date_format(timezone.localdate() + timedelta(days=days), "SHORT_DATE_FORMAT")
    except OverflowError:
        return "—"


class MoveDealForm(forms.Form):
    stage = forms.IntegerField()
    lost_reason = forms.CharField(max_length=500, required=False)


def warn_of_duplicates(form, candidates):
    """Refuse `form` for now because the record looks like `candidates` (each with
    `name_for_warning`), and offer a "save anyway" box for the next attempt."""
    form.fields["save_anyway"] = forms.BooleanField(label=_("Save anyway: it is none of these"), required=False)
    form.add_error(
        None,
        _("This looks like what already exists: %(names)s. Open that instead, or tick “Save anyway”.")
        % {"names": "; ".join(c.name_for_warning for c in candidates)},
    )


def _lead_sources():
    from crm.leads.selectors import lead_sources

    return [("", "—"), *lead_sources()]


def _settable_lead_statuses():
    from crm.leads.selectors import lead_statuses

    return lead_statuses(settable=True)


class LeadForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=_lead_sources, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=_settable_lead_statuses, initial="new")
    owner = OwnerField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user)


class ConvertLeadForm(forms.Form):
    """The page shows the possible duplicates as choices for `account`; empty
    means a new account. Any account the user can see is accepted: one picked
    in `other_account` (an account the look-alikes missed) wins over `account`."""

    account: "forms.ModelChoiceField[Model]" = forms.ModelChoiceField(label=_("Account"), queryset=None, required=False)
    other_account = RecordPicker(
        "accounts",
        label=_("Or attach it to another account"),
        required=False,
        help_text=_("Chosen here, it is used instead of the choice above."),
    )
    create_deal = forms.BooleanField(label=_("Also create a deal"), required=False)
    deal_name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts_visible_to(user)
        self.fields["other_account"].scope_to(user)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("other_account") is not None:
            cleaned["account"] = cleaned["other_account"]
        return cleaned


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Import"), choices=())
    file = forms.FileField(label=_("File (CSV or XLSX)"))

    def __init__(self, *args, user, **kwargs):
        from crm.imports.selectors import importable_kinds

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(value, label.capitalize()) for value, label in importable_kinds(user)]


class ImportMappingForm(forms.Form):
    """One choice per column of the file (the field it fills, or nothing) and
    the duplicate mode. `mapping()` is what the import services take."""

    def __init__(self, *args, columns, fields, mapping, mode, **kwargs):
        from crm.imports.selectors import import_modes

        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", _("— do not import —")), *fields]
        for number, column in enumerate(columns):
            self.fields[f"column_{number}"] = forms.ChoiceField(
                label=column, choices=choices, required=False, initial=mapping.get(column, "")
            )
        self.fields["mode"] = forms.ChoiceField(
            label=_("Rows that look like an existing record"),
            choices=import_modes,
            initial=mode,
            widget=forms.RadioSelect,
        )

    def column_fields(self):
        return [self[f"column_{number}"] for number in range(len(self.columns))]

    def clean(self):
        cleaned = super().clean()
        chosen = [cleaned.get(f"column_{number}") for number in range(len(self.columns))]
        taken = [field for field in chosen if field]
        if len(taken) != len(set(taken)):
            raise forms.ValidationError(_("Map each field from one column only."))
        return cleaned

    def mapping(self):
        return {
            column: self.cleaned_data[f"column_{number}"]
            for number, column in enumerate(self.columns)
            if self.cleaned_data.get(f"column_{number}")
        }


# Deals, tasks, comments ------------------------------------------------------------


def _deal_sources():
    return [("", "—"), *deal_sources()]


class StageField(forms.ModelChoiceField):
    def label_from_instance(self, stage):
        return f"{stage.pipeline.name} · {stage.name}"


class DealForm(forms.Form):
    """A deal's own fields. The stage is chosen here only when the deal is made;
    afterwards it moves with DealStageForm (the same rules as the kanban)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    account = RecordPicker("accounts", label=_("Account"), required=False)
    contacts = RecordsPicker("contacts", label=_("Contacts"), required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, initial=0)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("Three-letter ISO 4217 code, e.g. CNY, USD, EUR.")
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    stage = StageField(
        label=_("Stage"), queryset=None, required=False, empty_label=_("First stage of the default pipeline")
    )
    lost_reason = forms.CharField(label=_("Lost reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    owner = OwnerField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))
    source = forms.ChoiceField(label=_("Source"), choices=_deal_sources, required=False)
    competitors = forms.CharField(label=_("Competitors"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, deal=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].scope_to(user)
        self.fields["contacts"].scope_to(user)
        self.fields["owner"].queryset = assignable_owners(user)
        if deal is None:
            self.fields["stage"].queryset = stages().order_by(
                "-pipeline__is_default", "pipeline__name", "pipeline_id", "position", "id"
            )
        else:
            del self.fields["stage"]
            if deal.status != "lost":
                del self.fields["lost_reason"]

    def clean_currency(self):
        # The services' own check, here too so the form shows it beside the field.
        return normalise_currency(self.cleaned_data["currency"])


class DealStageForm(forms.Form):
    stage = StageField(label=_("Stage"), queryset=None)
    lost_reason = forms.CharField(
        label=_("Lost reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, deal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = deal.pipeline.stages.select_related("pipeline").order_by("position", "id")
        self.fields["stage"].initial = deal.stage_id


class PauseDealForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    until = forms.DateField(label=_("Reactivate on"), widget=forms.DateInput(attrs={"type": "date"}))


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    remind_at = forms.DateTimeField(
        label=_("Remind me at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    assignee = OwnerField(label=_("Assignee"), queryset=None, required=False, empty_label=_("Me"))
    account = RecordPicker("accounts", label=_("Account"), required=False)
    contact = RecordPicker("contacts", label=_("Contact"), required=False)
    deal = RecordPicker("deals", label=_("Deal"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_owners(user)
        for name in ("account", "contact", "deal"):
            self.fields[name].scope_to(user)


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
