"""What the settings views share: the landing page and how a settings form answers."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from crm.onboarding.selectors import sample_data_loaded
from crm.web.settings.decorators import admin_page


@admin_page
def settings_home(request):
    return render(request, "crm/settings/home.html", {"sample_loaded": sample_data_loaded()})


def saved(request, message, url):
    """After a successful POST: say so on the next page and go there (htmx swaps the whole page)."""
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def form_response(request, context, *, status=200):
    """A settings form page, or with htmx only the form (inline validation). A refused
    POST answers 400 (402 when a paid seat is missing) with the messages on the form."""
    if request.method == "POST" and status == 200:
        status = 400
    template = "crm/settings/_form.html" if request.htmx else "crm/settings/form_page.html"
    return render(request, template, context, status=status)
