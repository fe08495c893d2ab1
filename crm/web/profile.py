"""The signed-in user's own profile: name and language (crm.users.services.update_profile),
photo (set_photo), with links to their time zone and password pages."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.users import selectors, services
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
    context = {
        "form": form,
        "photo_form": PhotoForm(),
        "action": reverse("profile"),
        "cancel": "/",
        "title": _("My profile"),
    }
    status = 400 if form.errors else 200
    if request.htmx:
        return render(request, "crm/_form.html", context, status=status)
    return render(request, "crm/profile.html", context, status=status)


class PhotoForm(forms.Form):
    photo = forms.FileField(label=gettext_lazy("Photo"), required=False)


@login_required
@require_POST
def my_photo(request):
    """Upload (or, with "remove", take away) the signed-in user's photo; 400 with
    the reason on the profile page when the file is no picture or too big."""
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["photo"]
        remove = "remove" in request.POST
        if upload is None and not remove:
            form.add_error("photo", _("Choose a picture to upload."))
        else:
            try:
                content = None if remove else upload.read(services.PHOTO_MAX_BYTES + 1)
                services.set_photo(user=request.user, content=content)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return saved(request, _("Photo saved.") if not remove else _("Photo removed."), reverse("profile"))
    context = {
        "form": ProfileForm(initial={"name": request.user.name, "language": request.user.language}),
        "photo_form": form,
        "action": reverse("profile"),
        "cancel": "/",
        "title": _("My profile"),
    }
    return render(request, "crm/profile.html", context, status=400)


@login_required
def user_photo(request, pk):
    """A user's photo, for the people of the same company (signed in on its host)."""
    photo = selectors.photo_of(pk)
    if photo is None:
        raise Http404
    response = HttpResponse(bytes(photo.content), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response
