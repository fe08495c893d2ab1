from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.users import services
from crm.users.models import User


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class ResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))


class ChoosePasswordForm(SetPasswordForm):
    """Django's form of the invitation / reset link, saving through services.set_password
    (which also ends the user's API tokens)."""

    def save(self, commit: bool = True) -> Any:
        # The form has validated the password by the same rules the service applies.
        user: User = self.user
        return services.set_password(user=user, password=self.cleaned_data["new_password1"], by=user)


class ChangePasswordForm(PasswordChangeForm):
    """A signed-in user's own change of password (old one first), saving through
    services.set_password, which also ends the user's API tokens."""

    def save(self, commit: bool = True) -> Any:
        user: User = self.user
        return services.set_password(user=user, password=self.cleaned_data["new_password1"], by=user)


class AdminLoginForm(AdminAuthenticationForm):
    """The vendor admin's sign-in (/admin/login/ on the public host), through
    services.sign_in like every other sign-in, so the same lock-out applies."""

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            assert self.request is not None  # AdminSite.login always passes it
            try:
                self.user_cache = services.sign_in(email=email, password=password, request=self.request)
            except services.LockedOut as exc:
                raise ValidationError(
                    _("Too many failed sign-ins. Try again in %(minutes)d minutes.")
                    % {"minutes": max(1, exc.retry_after // 60)},
                    code="locked_out",
                ) from exc
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
