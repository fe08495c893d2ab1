from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from tenants import selectors, services, welcome
from tenants.forms import SignUpForm


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


def signup_page(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tenant = services.sign_up(**form.cleaned_data, language=get_language())
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            # Sessions are per host: the new CRM's host signs the owner in from a
            # short-lived single-use token (tenants/welcome.py).
            # (The stubs allow a None scheme; a request always has "http" or "https".)
            base = selectors.tenant_url(tenant, scheme=request.scheme, port=request.get_port())  # type: ignore[arg-type]
            return redirect(f"{base}welcome/{welcome.issue(tenant=tenant)}/")
    return render(request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200)
