"""Forms of the CRM pages. They only parse input; the services validate and write,
and their ValidationErrors come back onto the form with `add_service_errors`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.access import scope
from crm.accounts.selectors import accounts_visible_to
from crm.users.selectors import users_with_teams


def assignable_owners(user):
    """Active users `user` may make the owner of a record (crm.access.scope.may_assign_to)."""
    users = users_with_teams().filter(is_active=True)
    if scope.sees_everything(user):
        return users
    return users.filter(pk__in=scope.owner_ids_in_scope(user))


def add_service_errors(form, error):
    """Put a service's django ValidationError on `form`: a message for a field the
    form shows goes next to that field, anything else on top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class OwnerField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.display_name if not user.name else user.name


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    owner = OwnerField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = assignable_owners(user)


class ContactForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    account = forms.ModelChoiceField(label=_("Account"), queryset=None, required=False, empty_label="—")
    owner = OwnerField(label=_("Owner"), queryset=None, required=False, empty_label=_("Me"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts_visible_to(user)
        self.fields["owner"].queryset = assignable_owners(user)


def _activity_kinds():
    from crm.activities.selectors import activity_kinds

    return activity_kinds()


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=_activity_kinds)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    next_contact_at = forms.DateField(label=_("Next contact"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))


class MoveDealForm(forms.Form):
    stage = forms.IntegerField()
    lost_reason = forms.CharField(max_length=500, required=False)
