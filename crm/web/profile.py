"""The signed-in user's own profile: name and language (crm.users.services.update_profile),
with links to their time zone and password pages."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.users import services
from crm.web.forms import add_service_errors
from crm.web.settings.pages import saved


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("The browser's")), *settings.LANGUAGES]


@login_required
def profile(request):
    user = request.user
    form = ProfileForm(request.POST or None, initial={"name": user.name, "language": user.language})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, name=form.cleaned_data["name"], language=form.cleaned_data["language"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Profile saved."), reverse("profile"))
    context = {"form": form, "action": reverse("profile"), "cancel": "/", "title": _("My profile")}
    status = 400 if form.errors else 200
    if request.htmx:
        return render(request, "crm/_form.html", context, status=status)
    return render(request, "crm/profile.html", context, status=status)
