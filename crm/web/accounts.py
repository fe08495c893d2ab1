"""Accounts: list (search, filter by every classification, sort, pages; htmx
refreshes only the table; saved views and export), detail with every field in
sections, contacts, deals, timeline, tasks, files and history, create (with a
duplicate warning) and edit of every field, and the account's actions: watch,
release to the pool, share, merge, attach files. Fields hidden from the user's
role are masked everywhere (crm.web.masking)."""

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm.accounts import pool, services
from crm.accounts.matching import PossibleDuplicates
from crm.accounts.selectors import (
    account_choices,
    account_get_for_user,
    accounts_visible_to,
    duplicate_candidates,
    with_level_rank,
    with_watched,
)
from crm.activities.selectors import with_next_contact
from crm.audit.selectors import history_for
from crm.contacts.selectors import contacts_of_account
from crm.web import columns, conflicts, deletion, record_actions, related
from crm.web.columns import list_table
from crm.web.custom_fields import CustomFields, detail_context
from crm.web.decorators import module_page
from crm.web.forms import AccountForm, add_service_errors, assignable_owners, warn_of_duplicates
from crm.web.listing import export_response, list_page
from crm.web.masking import mask_form, masks_for, writable
from tenants.access import exports_data

SORTS = {
    "name": ["name", "id"],
    "status": ["status", "name", "id"],
    "level": ["level_rank", "name", "id"],
    "industry": ["industry", "name", "id"],
    "owner": ["owner__email", "name", "id"],
    "last_contacted": ["last_contacted_at", "name", "id"],
    "next_contact": ["next_contact_at", "name", "id"],
    "created": ["created_at", "id"],
    "updated": ["updated_at", "id"],
}
# The account field each sort orders by, where its name differs.
SORT_FIELDS = {"last_contacted": "last_contacted_at"}
# Filters on a field with fixed choices: ?status=customer, ...
CHOICE_FILTERS = ("status", "level", "value_class", "source", "kind")
# Filters on free-text fields, matched whole (ignoring case): ?industry=retail
TEXT_FILTERS = ("industry", "region")
FIELDS = (
    "name",
    "owner",
    "kind",
    "status",
    "level",
    "value_class",
    "credit_limit",
    "source",
    "industry",
    "region",
    "tags",
    "phone",
    "email",
    "website",
    "billing_address",
    "shipping_address",
    "follow_up_days",
)


def _listing(request):
    user = request.user
    masked = masks_for(request)["accounts"]
    queryset = with_level_rank(with_next_contact(with_watched(accounts_visible_to(user), user)))
    choices = account_choices()
    # No filtering by a field the user sees masked: what it leaves would tell its values.
    filters = [
        ("q", lambda qs, v: qs.filter(name__icontains=v)),
        ("owner", _owner_filter(user)),
        ("watched", lambda qs, v: qs.filter(watched=True) if v in ("1", "true") else qs),
    ]
    filters += [(name, _choice_filter(name, choices[name])) for name in CHOICE_FILTERS if name not in masked]
    filters += [(name, _text_filter(name)) for name in TEXT_FILTERS if name not in masked]
    if "tags" not in masked:
        filters.append(("tag", lambda qs, v: qs.filter(tags__contains=[v])))
    return list_page(
        request,
        queryset,
        sorts=masks_for(request).sortable("accounts", SORTS, SORT_FIELDS),
        default_sort="name",
        filters=filters,
        custom="accounts",
    )


def _choice_filter(field, choices):
    values = {value for value, _label in choices}
    return lambda qs, value: qs.filter(**{field: value}) if value in values else qs.none()


def _text_filter(field):
    return lambda qs, value: qs.filter(**{f"{field}__iexact": value})


@module_page("accounts")
def account_list(request):
    listing = _listing(request)
    masks = masks_for(request)
    masks.page("accounts", listing.page)
    context = {
        "listing": listing,
        "owners": assignable_owners(request.user),
        "choices": account_choices(),
        "masks": masks,
    }
    context.update(list_table(columns.ACCOUNTS, masks["accounts"]))
    if request.htmx and request.htmx.target == "account-table":
        return render(request, "crm/_list_table.html", context)
    return render(request, "crm/accounts/list.html", context)


@exports_data
@module_page("accounts")
def account_export(request):
    """The accounts the list shows with the same filters and sort, every page, as CSV or XLSX."""
    return export_response(request, _listing(request), kind="accounts")


def _owner_filter(user):
    def apply(queryset, value):
        if value == "me":
            return queryset.filter(owner=user)
        return queryset.filter(owner_id=value) if value.isdigit() else queryset.none()

    return apply


@module_page("accounts")
def account_detail(request, pk):
    account = account_get_for_user(request.user, pk)
    return render(request, "crm/accounts/detail.html", _detail_context(request, account))


def _detail_context(request, account, activity_form=None):
    masks = masks_for(request)
    contacts = contacts_of_account(request.user, account)
    return {
        **related.for_account(request, account, activity_form=activity_form),
        "account": masks.record("accounts", account),
        "contacts": masks.rows("contacts", contacts[: related.RELATED_ROWS], aliases={"link_role": "role"}),
        "contacts_total": len(contacts),
        "contacts_all_url": reverse("contacts") + f"?account={account.pk}",
        "history": masks.history("accounts", history_for(account)[:50]),
        "masks": masks,
        "may_delete": deletion.may_delete(request.user, account),
        **detail_context(request.user, "accounts", accounts_visible_to(request.user), account.pk),
    }


@module_page("accounts")
def account_create(request):
    return _edit(request, None)


@module_page("accounts")
def account_edit(request, pk):
    return _edit(request, account_get_for_user(request.user, pk))


def _form(request: HttpRequest, account: Any, data: QueryDict | None) -> tuple[AccountForm, CustomFields]:
    """The account's edit form (a new account's: `account` None) on `data`."""
    initial = {name: getattr(account, name) for name in FIELDS} if account else {}
    form = AccountForm(data, initial=initial, user=request.user)
    # Masked fields are shown masked and disabled, and never handed to the service.
    mask_form(form, masks_for(request)["accounts"], account)
    custom = CustomFields(form, "accounts", request.user, record=account)
    conflicts.carry_version(form, account)
    return form, custom


def _edit(request, account):
    form, custom = _form(request, account, request.POST or None)
    status = 400
    if request.method == "POST" and custom.is_valid():
        values = {name: form.cleaned_data[name] for name in writable(form, FIELDS)}
        for name in AccountForm.KEEP_WHEN_EMPTY:
            if values.get(name) == "":
                values.pop(name)
        if values.get("owner", "") is None:
            values.pop("owner")
        try:
            if account is None:
                account = services.create_account(
                    by=request.user,
                    allow_duplicates=bool(request.POST.get("save_anyway")),
                    custom=custom.values,
                    **values,
                )
            else:
                account = conflicts.save(
                    form,
                    account,
                    lambda version: services.update_account(
                        account=account,
                        by=request.user,
                        custom=conflicts.edited(form, custom.values),
                        expected_version=version,
                        **conflicts.edited(form, values),
                    ),
                )
        except PossibleDuplicates:
            warn_of_duplicates(
                form,
                _described(
                    duplicate_candidates(
                        request.user, **{name: values.get(name) or "" for name in ("name", "phone", "email")}
                    )
                ),
            )
        except conflicts.Conflict as conflict:
            form, custom = conflict.redisplay(partial(_form, request))
            status = 409
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("account", args=[account.pk]))
            return redirect("account", pk=account.pk)
    context = {
        "form": form,
        "account": account,
        "action": request.get_full_path(),
        "cancel": reverse("account", args=[account.pk]) if account else reverse("accounts"),
        "title": _("Edit account") if account else _("New account"),
    }
    if request.htmx:
        # Inline validation: only the form is swapped back, with its errors.
        return render(request, "crm/_form.html", context)
    return render(request, "crm/form_page.html", context, status=status if request.method == "POST" else 200)


def _described(candidates):
    for candidate in candidates:
        where = (
            _("in the customer pool")
            if candidate.owner_id is None
            else _("owner: %(owner)s") % {"owner": candidate.owner}
        )
        candidate.name_for_warning = f"{candidate.name} ({where})"
    return candidates


@module_page("accounts")
@require_POST
def account_watch(request, pk):
    """POST watch=1 puts the account on the user's watch list (key customers), watch=0 takes it off."""
    account = account_get_for_user(request.user, pk)
    watched = request.POST.get("watch") == "1"
    (services.watch if watched else services.unwatch)(account=account, by=request.user)
    if request.htmx:
        return render(request, "crm/accounts/_watch.html", {"account": account, "watched": watched})
    return redirect("account", pk=account.pk)


@module_page("accounts")
def account_release(request, pk):
    """GET asks to confirm; POST puts the account in the customer pool (owner,
    their managers, directors, admins). Someone who then no longer sees it is
    taken to the pool."""
    account = account_get_for_user(request.user, pk)
    if request.method == "POST":
        try:
            pool.release(account=account, by=request.user, reason=request.POST.get("reason", "").strip()[:500])
        except (PermissionDenied, ValidationError) as error:
            messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
            return redirect("account", pk=account.pk)
        messages.success(request, _("“%(name)s” is in the customer pool now.") % {"name": account.name})
        if accounts_visible_to(request.user).filter(pk=account.pk).exists():
            return redirect("account", pk=account.pk)
        return redirect("pool")
    return render(request, "crm/accounts/release.html", {"account": account})


@module_page("accounts")
@require_POST
def account_share(request, pk):
    return record_actions.share(request, account_get_for_user(request.user, pk), back=reverse("account", args=[pk]))


@module_page("accounts")
@require_POST
def account_unshare(request, pk):
    return record_actions.unshare(request, account_get_for_user(request.user, pk), back=reverse("account", args=[pk]))


@module_page("accounts")
@require_POST
def account_attach(request, pk):
    return record_actions.attach(request, account_get_for_user(request.user, pk), back=reverse("account", args=[pk]))


@module_page("accounts")
def account_merge(request, pk):
    account = account_get_for_user(request.user, pk)
    return record_actions.merge(
        request,
        account,
        choices=lambda q: _merge_choices(request.user, account, q),
        get_for_user=account_get_for_user,
        service=services.merge_accounts,
        fields=services.MERGE_CHOICES,
        back=reverse("account", args=[account.pk]),
        title=_("Merge another account into %(name)s") % {"name": account.name},
    )


def _merge_choices(user, account, query):
    """Accounts to merge in: those matching the search, else the look-alikes the user can see."""
    if query:
        return accounts_visible_to(user).filter(name__icontains=query).order_by("name", "id")
    look_alikes = [
        a.pk
        for a in duplicate_candidates(
            user, name=account.name, phone=account.phone, email=account.email, exclude_pk=account.pk
        )
    ]
    return accounts_visible_to(user).filter(pk__in=look_alikes).order_by("name", "id")
