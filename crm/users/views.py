from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from crm.users import services
from crm.users.forms import ChangePasswordForm, LoginForm, ResetRequestForm
from crm.users.login_throttle import client_address
from tenants import welcome


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_in(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except services.LockedOut as exc:
            form.add_error(
                None,
                _("Too many failed sign-ins. Try again in %(minutes)d minutes.")
                % {"minutes": max(1, exc.retry_after // 60)},
            )
            status = 429
        else:
            if user is not None:
                login(request, user)
                target = request.GET.get("next", "/")
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                    target = "/"
                return redirect(target)
            form.add_error(None, _("Wrong e-mail or password."))
            status = 400
    return render(request, "crm/login.html", {"form": form}, status=status)


def welcome_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link sign-up sends the new owner to: signs them in on their CRM's host
    and lands on Home with the onboarding checklist. A used, expired or foreign
    token leads to the sign-in page with a message."""
    user = welcome.redeem(tenant=request.tenant, token=token)  # type: ignore[attr-defined]  # set by the routing middleware
    if user is None:
        messages.error(request, _("This sign-in link has expired or was already used. Sign in with your password."))
        return redirect("login")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Welcome! Your CRM is ready."))
    return redirect("home")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("login")


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    """The signed-in user changes their own password: this session stays signed in,
    the user's other sessions and every API token of theirs end."""
    form = ChangePasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed. Your API tokens have ended: sign in to the API again."))
        return redirect("password-change")
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/password.html", {"form": form}, status=status)


def password_reset_request_view(request: HttpRequest) -> HttpResponse:
    """ "Forgot password?": the same answer whether or not the e-mail belongs to a user."""
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def reset_url(uidb64: str, token: str) -> str:
            return request.build_absolute_uri(reverse("password-reset-confirm", args=[uidb64, token]))

        services.request_password_reset(
            email=form.cleaned_data["email"], reset_url=reset_url, address=client_address(request)
        )
        return render(request, "crm/password_reset_sent.html")
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/password_reset.html", {"form": form}, status=status)


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie and redirect), and for a signed-in user who
    chose a language on their profile, that choice too."""
    user = request.user
    if user.is_authenticated:
        services.switch_language(user=user, language=request.POST.get("language", ""))
    return set_language(request)
