"""Users and seats: the list, inviting, role and team, deactivating and
reactivating (both through crm.users.services, which count paid seats), and
handing a departing user's records to someone else in one action."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.users import services
from crm.users.selectors import owned_record_counts, record_kind_names, seat_usage, user_get, users_with_team_names
from crm.web.forms import add_service_errors
from crm.web.listing import list_page
from crm.web.settings.decorators import admin_page
from crm.web.settings.forms import InviteUserForm, ReassignForm, UserForm
from crm.web.settings.pages import form_response, saved

SORTS = {
    "email": ["email", "id"],
    "name": ["name", "email", "id"],
    "role": ["role", "email", "id"],
    "last_login": ["last_login", "email", "id"],
}
# The form shows this with a link to the billing page (billing/urls.py).
SEAT_HINT = gettext_lazy("Seats are bought on the billing page.")


@admin_page
def user_list(request):
    listing = list_page(request, users_with_team_names(), sorts=SORTS, default_sort="email", filters=[("q", _search)])
    used, paid = seat_usage()
    context = {"listing": listing, "seats_used": used, "seats": paid}
    # Shown once, after an invitation (user_invite): the same link the e-mail has.
    context["invite_link"] = request.session.pop("invite_link", None)
    if request.htmx and request.htmx.target == "user-table":
        return render(request, "crm/settings/users/_table.html", context)
    return render(request, "crm/settings/users/list.html", context)


def _search(queryset, value):
    return queryset.filter(Q(email__icontains=value) | Q(name__icontains=value))


def _invite_url(request, built=None):
    """Builds the invitation link on this (the tenant's) host; each link built is
    also appended to `built`, so the page can show the admin the link it e-mailed."""

    def build(uidb64, token):
        link = request.build_absolute_uri(reverse("invite", args=[uidb64, token]))
        if built is not None:
            built.append(link)
        return link

    return build


@admin_page
def user_invite(request):
    """The invited user gets an e-mail (after commit) with a link to choose a password."""
    form = InviteUserForm(request.POST or None)
    status = 200
    notice = None
    if request.method == "POST" and form.is_valid():
        links: list[str] = []
        try:
            user = services.create_user(by=request.user, invite_url=_invite_url(request, links), **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        except services.SeatLimitReached as error:
            form.add_error(None, str(error))
            notice, status = SEAT_HINT, 402
        else:
            if links:
                request.session["invite_link"] = links[-1]
            return saved(
                request,
                _("%(email)s is invited: they will get an e-mail to choose a password.") % {"email": user.email},
                reverse("settings-users"),
            )
    return form_response(
        request,
        {
            "form": form,
            "action": reverse("settings-user-invite"),
            "cancel": reverse("settings-users"),
            "title": _("Invite a user"),
            "submit": _("Invite"),
            "notice": notice,
            "testid": "invite-form",
        },
        status=status,
    )


def _team_of(user):
    membership = getattr(user, "membership", None)
    return membership.team if membership else None


@admin_page
def user_detail(request, pk):
    """The user's role, team and name (a form), their seat, and their records."""
    user = user_get(pk)
    team = _team_of(user)
    form = UserForm(request.POST or None, initial={"name": user.name, "role": user.role, "team": team})
    if request.method == "POST" and form.is_valid():
        values = {"name": form.cleaned_data["name"], "role": form.cleaned_data["role"]}
        if form.cleaned_data["team"] != team:
            # Passed only when it changes: the service records every team it is given.
            values["team"] = form.cleaned_data["team"]
        try:
            services.update_user(user=user, by=request.user, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Saved."), reverse("settings-user", args=[user.pk]))
    if request.htmx:
        return form_response(request, _form_context(user, form))
    return _user_page(request, user, form=form, status=400 if request.method == "POST" else 200)


def _form_context(user, form):
    url = reverse("settings-user", args=[user.pk])
    return {
        "form": form,
        "action": url,
        "cancel": reverse("settings-users"),
        "submit": _("Save"),
        "testid": "user-form",
    }


def _user_page(request, user, *, form=None, reassign_form=None, errors=(), notice=None, moved=None, status=200):
    form = form or UserForm(initial={"name": user.name, "role": user.role, "team": _team_of(user)})
    return render(
        request,
        "crm/settings/users/detail.html",
        {
            "subject": user,
            **_form_context(user, form),
            "reassign": _reassign_context(user, reassign_form, moved),
            "errors": list(errors),
            "notice": notice,
        },
        status=status,
    )


@admin_page
def user_set_active(request, pk):
    """POST is_active=0 deactivates (frees a seat, keeps every record); 1 reactivates,
    which needs a free seat."""
    user = user_get(pk)
    if request.method != "POST":
        return _user_page(request, user)
    active = request.POST.get("is_active") == "1"
    try:
        services.update_user(user=user, by=request.user, is_active=active)
    except ValidationError as error:
        return _user_page(request, user, errors=error.messages, status=400)
    except services.SeatLimitReached as error:
        return _user_page(request, user, errors=[str(error)], notice=SEAT_HINT, status=402)
    message = (
        _("%(user)s is active again.")
        if active
        else _("%(user)s is deactivated: their seat is free and their records are kept.")
    )
    return saved(request, message % {"user": user}, reverse("settings-user", args=[user.pk]))


def _reassign_context(user, form, moved=None):
    names = record_kind_names()
    return {
        "form": form or ReassignForm(from_user=user),
        "counts": owned_record_counts(user),
        "moved": None if moved is None else [(names.get(label, label), count) for label, count in moved.items()],
        "action": reverse("settings-user-reassign", args=[user.pk]),
    }


@admin_page
def user_reassign(request, pk):
    """POST to: every record the user owns goes to that user, each with an audit row."""
    user = user_get(pk)
    form = ReassignForm(request.POST or None, from_user=user)
    moved, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                moved = services.reassign_records(from_user=user, to_user=form.cleaned_data["to"], by=request.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                status, form = 200, None
    if request.htmx:
        return render(
            request,
            "crm/settings/users/_reassign.html",
            {"subject": user, "reassign": _reassign_context(user, form, moved)},
            status=status,
        )
    return _user_page(request, user, reassign_form=form, moved=moved, status=status)
