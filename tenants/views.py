from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language

from tenants import plans, selectors, services
from tenants.forms import SignUpForm


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/landing.html")


def signup_page(request: HttpRequest) -> HttpResponse:
    # ?currency=cny offers the plans in yuan; else the page's language decides
    # (and static/signup_plans.js the browser's time zone).
    form = SignUpForm(request.POST or None, language=get_language(), currency=request.GET.get("currency"))
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
            return redirect(f"{base}welcome/{services.welcome_token(tenant=tenant)}/")
    context = {"form": form, "currencies": plans.currencies()}
    return render(request, "tenants/signup.html", context, status=400 if form.errors else 200)
