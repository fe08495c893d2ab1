"""Accounts: list (search, filter, sort, pages; htmx refreshes only the table),
detail with contacts and history, create and edit."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from crm.accounts import services
from crm.accounts.selectors import account_get_for_user, accounts_visible_to
from crm.audit.selectors import history_for
from crm.contacts.selectors import contacts_visible_to
from crm.web import related
from crm.web.decorators import module_page
from crm.web.forms import AccountForm, add_service_errors, assignable_owners
from crm.web.listing import list_page

SORTS = {"name": ["name", "id"], "owner": ["owner__email", "name", "id"],
         "created": ["created_at", "id"], "updated": ["updated_at", "id"]}


@module_page("accounts")
def account_list(request):
    listing = list_page(
        request, accounts_visible_to(request.user), sorts=SORTS, default_sort="name",
        filters=[("q", lambda qs, v: qs.filter(name__icontains=v)),
                 ("owner", _owner_filter(request.user))],
    )
    context = {"listing": listing, "owners": assignable_owners(request.user)}
    if request.htmx and request.htmx.target == "account-table":
        return render(request, "crm/accounts/_table.html", context)
    return render(request, "crm/accounts/list.html", context)


def _owner_filter(user):
    def apply(queryset, value):
        if value == "me":
            return queryset.filter(owner=user)
        return queryset.filter(owner_id=value) if value.isdigit() else queryset.none()
    return apply


@module_page("accounts")
def account_detail(request, pk):
    account = account_get_for_user(request.user, pk)
    return render(request, "crm/accounts/detail.html", {
        "account": account,
        "contacts": contacts_visible_to(request.user).filter(account=account),
        "history": history_for(account)[:50],
        **related.for_account(request.user, account),
    })


@module_page("accounts")
def account_create(request):
    return _edit(request, None)


@module_page("accounts")
def account_edit(request, pk):
    return _edit(request, account_get_for_user(request.user, pk))


def _edit(request, account):
    initial = {"name": account.name, "owner": account.owner} if account else {}
    form = AccountForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {"name": form.cleaned_data["name"], "owner": form.cleaned_data["owner"]}
        try:
            if account is None:
                account = services.create_account(by=request.user, **values)
            else:
                if values["owner"] is None:
                    values.pop("owner")
                account = services.update_account(account=account, by=request.user, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("account", args=[account.pk]))
            return redirect("account", pk=account.pk)
    context = {"form": form, "account": account, "action": request.get_full_path(),
               "cancel": reverse("account", args=[account.pk]) if account else reverse("accounts"),
               "title": _("Edit account") if account else _("New account")}
    if request.htmx:
        # Inline validation: only the form is swapped back, with its errors.
        return render(request, "crm/_form.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/form_page.html", context, status=status)
