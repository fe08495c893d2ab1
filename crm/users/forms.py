from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from crm.users import services
from crm.users.models import User


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class ChoosePasswordForm(SetPasswordForm):
    """Django's form of the invitation / reset link, saving through services.set_password
    (which also ends the user's API tokens)."""

    def save(self, commit: bool = True) -> Any:
        # The form has validated the password by the same rules the service applies.
        user: User = self.user
        return services.set_password(user=user, password=self.cleaned_data["new_password1"], by=user)
