"""What quotes and orders print about the company (name, address, phone, tax ID,
logo) and their number formats: crm.sales.services.documents validates them."""

from django import forms
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.sales import numbering, selectors
from crm.sales.services import documents
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.pages import saved

FORMAT_HELP = gettext_lazy("{year} is the year, {seq} the number within it ({seq:04} pads it to four digits).")


class DocumentSettingsForm(forms.Form):
    company_name = forms.CharField(label=gettext_lazy("Company name"), max_length=200, required=False)
    address = forms.CharField(
        label=gettext_lazy("Address"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=50, required=False)
    tax_id = forms.CharField(label=gettext_lazy("Tax ID"), max_length=50, required=False)
    logo = forms.FileField(
        label=gettext_lazy("Logo"),
        required=False,
        help_text=gettext_lazy("PNG or JPEG, at most 1 MB."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)
    quote_format = forms.CharField(label=gettext_lazy("Quote numbers"), max_length=60, help_text=FORMAT_HELP)
    order_format = forms.CharField(label=gettext_lazy("Order numbers"), max_length=60, help_text=FORMAT_HELP)

    # Each format checked on its own field (the service names only "number_formats").
    def clean_quote_format(self):
        return _checked_format(self.cleaned_data["quote_format"])

    def clean_order_format(self):
        return _checked_format(self.cleaned_data["order_format"])


def _checked_format(pattern):
    try:
        return numbering.check_pattern(pattern)
    except ValidationError as error:
        raise ValidationError(error.messages) from None


@admin_page
def document_settings(request):
    current = selectors.document_settings()
    formats = selectors.number_formats()
    initial = {name: getattr(current, name) for name in documents.SETTINGS_FIELDS}
    initial.update(quote_format=formats["quote"], order_format=formats["order"])
    form = DocumentSettingsForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            values = dict(form.cleaned_data)
            try:
                documents.update_document_settings(
                    by=request.user,
                    logo=values.pop("logo"),
                    remove_logo=values.pop("remove_logo"),
                    number_formats={"quote": values.pop("quote_format"), "order": values.pop("order_format")},
                    **values,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return saved(request, _("Document settings saved."), reverse("settings-documents"))
    context = {"form": form, "has_logo": bool(current.logo), "title": _("Documents")}
    return render(request, "crm/settings/documents.html", context, status=status)


@admin_page
def document_logo(request):
    """The saved logo, for the settings page (files under MEDIA_ROOT are never served directly)."""
    current = selectors.document_settings()
    if not current.logo:
        raise Http404
    try:
        handle = current.logo.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, content_type="image/jpeg" if current.logo.name.endswith(".jpg") else "image/png")
