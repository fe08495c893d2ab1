"""Contacts: list (search, filter, sort, pages; htmx refreshes only the table;
saved views and export), detail with every field, the accounts the person
relates to (with their role; relate to one more, end a relation), deals,
timeline with a "log activity" form, tasks, files and history, create (with a
duplicate warning) and edit, share, merge, attach files. Fields hidden from
the user's role are masked everywhere (crm.web.masking)."""

from functools import partial
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm.accounts.matching import PossibleDuplicates
from crm.accounts.selectors import account_get_for_user, accounts_visible_to
from crm.audit.selectors import history_for
from crm.contacts import names, services
from crm.contacts.selectors import (
    account_links_of,
    contact_get_for_user,
    contact_roles,
    contacts_visible_to,
    duplicate_candidates,
)
from crm.web import columns, conflicts, deletion, record_actions, related
from crm.web.columns import list_table
from crm.web.custom_fields import CustomFields, detail_context
from crm.web.decorators import module_page
from crm.web.forms import ContactForm, LinkAccountForm, add_service_errors, assignable_owners, warn_of_duplicates
from crm.web.listing import export_response, list_page
from crm.web.masking import mask_form, masks_for, writable
from tenants.access import exports_data

SORTS = {
    "name": ["last_name", "first_name", "id"],
    "title": ["title", "last_name", "id"],
    "account": ["account__name", "last_name", "id"],
    "email": ["email", "id"],
    "owner": ["owner__email", "last_name", "id"],
    "created": ["created_at", "id"],
}
FIELDS = ("first_name", "last_name", "title", "role", "email", "phone", "account", "owner")
# The fields the search box looks in, by the contact field each reads.
SEARCHED = {
    "first_name": "first_name__icontains",
    "last_name": "last_name__icontains",
    "email": "email__icontains",
    "phone": "phone__icontains",
}


def search(queryset, text, masked=frozenset()):
    """Contacts whose name, e-mail or phone contains every word of `text`, or
    whose whole name contains `text` in either order, with or without a space
    ("李伟", "李 伟", "Wei Li"); a field in `masked` is not searched, or what is
    found would tell its value."""
    lookups = [lookup for field, lookup in SEARCHED.items() if field not in masked]
    query = Q()
    for word in text.split():
        any_field = Q()
        for lookup in lookups:
            any_field |= Q(**{lookup: word})
        query &= any_field
    if not set(masked) & {"first_name", "last_name"}:
        query |= names.name_contains(text)
    return queryset.filter(query)


def _has(field):
    return lambda qs, value: qs.exclude(**{field: ""}) if value in ("1", "true") else qs.filter(**{field: ""})


def _listing(request):
    user = request.user
    masked = masks_for(request)["contacts"]
    roles = {value for value, _label in contact_roles()}
    filters = [
        ("q", lambda qs, v: search(qs, v, masked)),
        (
            "owner",
            lambda qs, v: qs.filter(owner=user) if v == "me" else qs.filter(owner_id=v) if v.isdigit() else qs.none(),
        ),
        # Related to the account in any role, as its page lists them ("View all");
        # one row per pair (a unique relation), so no duplicates.
        ("account", lambda qs, v: qs.filter(account_links__account_id=v) if v.isdigit() else qs.none()),
        ("deal", lambda qs, v: qs.filter(deals__id=v) if v.isdigit() else qs.none()),
    ]
    if "role" not in masked:
        filters.append(("role", lambda qs, v: qs.filter(role=v) if v in roles else qs.none()))
    filters += [(f"has_{field}", _has(field)) for field in ("email", "phone") if field not in masked]
    sorts = masks_for(request).sortable("contacts", SORTS)
    if "last_name" in masked:
        # By name still, but only by what the user sees of it.
        sorts["name"] = ["first_name", "id"]
    # The page (and its export) shows the primary account only, not every account link.
    return list_page(
        request,
        contacts_visible_to(user).prefetch_related(None),
        sorts=sorts,
        default_sort="name",
        filters=filters,
        custom="contacts",
    )


@module_page("contacts")
def contact_list(request):
    listing = _listing(request)
    masks = masks_for(request)
    masks.page("contacts", listing.page)
    context = {"listing": listing, "owners": assignable_owners(request.user), "roles": contact_roles(), "masks": masks}
    context.update(list_table(columns.CONTACTS, masks["contacts"]))
    if listing.params.get("account"):
        # The account the list is narrowed to, named above it (if the user may see it).
        context["account"] = accounts_visible_to(request.user).filter(pk=listing.params["account"]).first()
    if request.htmx and request.htmx.target == "contact-table":
        return render(request, "crm/_list_table.html", context)
    return render(request, "crm/contacts/list.html", context)


@exports_data
@module_page("contacts")
def contact_export(request):
    """The contacts the list shows with the same filters and sort, every page, as CSV or XLSX."""
    return export_response(request, _listing(request), kind="contacts")


@module_page("contacts")
def contact_detail(request, pk):
    contact = contact_get_for_user(request.user, pk)
    return render(request, "crm/contacts/detail.html", _detail_context(request, contact))


def _detail_context(request, contact, link_form=None):
    masks = masks_for(request)
    return {
        **related.for_contact(request, contact),
        "contact": masks.record("contacts", contact),
        # A relation's role is the contact's role at that account: masked as the role is.
        "account_links": masks.rows("contacts", account_links_of(request.user, contact)),
        "link_form": link_form or LinkAccountForm(user=request.user),
        "history": masks.history("contacts", history_for(contact)[:50]),
        "masks": masks,
        "may_delete": deletion.may_delete(request.user, contact),
        **detail_context(request.user, "contacts", contacts_visible_to(request.user), contact.pk),
    }


@module_page("contacts")
def contact_create(request):
    return _edit(request, None)


@module_page("contacts")
def contact_edit(request, pk):
    return _edit(request, contact_get_for_user(request.user, pk))


def _form(request: HttpRequest, contact: Any, data: QueryDict | None) -> tuple[ContactForm, CustomFields]:
    """The contact's edit form (a new contact's: `contact` None) on `data`."""
    if contact is not None:
        initial = {name: getattr(contact, name) for name in FIELDS}
    else:
        # "New contact" from an account page comes with ?account=<id>.
        initial = {"account": request.GET.get("account")} if request.GET.get("account", "").isdigit() else {}
    form = ContactForm(data, initial=initial, user=request.user)
    # Masked fields are shown masked and disabled, and never handed to the service.
    mask_form(form, masks_for(request)["contacts"], contact)
    custom = CustomFields(form, "contacts", request.user, record=contact)
    conflicts.carry_version(form, contact)
    return form, custom


def _edit(request, contact):
    form, custom = _form(request, contact, request.POST or None)
    masks = masks_for(request)
    status = 400
    if request.method == "POST" and custom.is_valid():
        values = {name: form.cleaned_data[name] for name in writable(form, FIELDS)}
        if values.get("owner", "") is None:
            values.pop("owner")
        try:
            if contact is None:
                contact = services.create_contact(
                    by=request.user,
                    **values,
                    custom=custom.values,
                    allow_duplicates=bool(request.POST.get("save_anyway")),
                )
            else:
                contact = conflicts.save(
                    form,
                    contact,
                    lambda version: services.update_contact(
                        contact=contact,
                        by=request.user,
                        custom=conflicts.edited(form, custom.values),
                        expected_version=version,
                        **conflicts.edited(form, values),
                    ),
                )
        except PossibleDuplicates:
            described = {name: values.get(name) or "" for name in ("first_name", "last_name", "email", "phone")}
            found = duplicate_candidates(request.user, **described, account=values.get("account"))
            warn_of_duplicates(form, _described(masks.rows("contacts", found)))
        except conflicts.Conflict as conflict:
            form, custom = conflict.redisplay(partial(_form, request))
            status = 409
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("contact", args=[contact.pk]))
            return redirect("contact", pk=contact.pk)
    context = {
        "form": form,
        "contact": contact,
        "action": request.get_full_path(),
        "cancel": reverse("contact", args=[contact.pk]) if contact else reverse("contacts"),
        "title": _("Edit contact") if contact else _("New contact"),
    }
    if request.htmx:
        # Inline validation: only the form is swapped back, with its errors.
        return render(request, "crm/_form.html", context)
    return render(request, "crm/form_page.html", context, status=status if request.method == "POST" else 200)


def _described(candidates):
    """The look-alikes as the warning names them; `candidates` are shown masked
    where the user's role may not see a field, so the warning never reveals one."""
    described = []
    for candidate in candidates:
        details = ", ".join(str(part) for part in (candidate.email, candidate.phone, candidate.account) if part)
        name = f"{candidate} ({details})" if details else str(candidate)
        described.append(SimpleNamespace(name_for_warning=name))
    return described


@module_page("contacts")
@require_POST
def contact_link_account(request, pk):
    """POST account, role, is_primary: relate the contact to one more account
    (or change its role there) through crm.contacts.services.link_account."""
    contact = contact_get_for_user(request.user, pk)
    form = LinkAccountForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.link_account(
                contact=contact,
                account=form.cleaned_data["account"],
                by=request.user,
                role=form.cleaned_data["role"],
                is_primary=form.cleaned_data["is_primary"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("contact", pk=contact.pk)
    contact = contact_get_for_user(request.user, pk)
    return render(request, "crm/contacts/detail.html", _detail_context(request, contact, link_form=form), status=400)


@module_page("contacts")
@require_POST
def contact_unlink_account(request, pk, account_pk):
    """POST: end the contact's relation to an account the user can see."""
    contact = contact_get_for_user(request.user, pk)
    account = account_get_for_user(request.user, account_pk)
    try:
        services.unlink_account(contact=contact, account=account, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("contact", pk=contact.pk)


@module_page("contacts")
@require_POST
def contact_share(request, pk):
    return record_actions.share(request, contact_get_for_user(request.user, pk), back=reverse("contact", args=[pk]))


@module_page("contacts")
@require_POST
def contact_unshare(request, pk):
    return record_actions.unshare(request, contact_get_for_user(request.user, pk), back=reverse("contact", args=[pk]))


@module_page("contacts")
@require_POST
def contact_attach(request, pk):
    return record_actions.attach(request, contact_get_for_user(request.user, pk), back=reverse("contact", args=[pk]))


@module_page("contacts")
def contact_merge(request, pk):
    contact = contact_get_for_user(request.user, pk)
    return record_actions.merge(
        request,
        contact,
        choices=lambda q: _merge_choices(request.user, contact, q, masks_for(request)["contacts"]),
        get_for_user=contact_get_for_user,
        service=services.merge_contacts,
        fields=services.MERGE_CHOICES,
        back=reverse("contact", args=[contact.pk]),
        title=_("Merge another contact into %(name)s") % {"name": masks_for(request).record("contacts", contact)},
    )


def _merge_choices(user, contact, query, masked):
    """Contacts to merge in: those matching the search, else the look-alikes the user can see."""
    if query:
        return search(contacts_visible_to(user), query, masked).order_by("last_name", "first_name", "id")
    look_alikes = [
        c.pk
        for c in duplicate_candidates(
            user,
            first_name=contact.first_name,
            last_name=contact.last_name,
            email=contact.email,
            phone=contact.phone,
            exclude_pk=contact.pk,
        )
    ]
    return contacts_visible_to(user).filter(pk__in=look_alikes).order_by("last_name", "first_name", "id")
