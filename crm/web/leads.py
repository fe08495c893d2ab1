"""Leads: list (search, filter, sort, pages; htmx refreshes only the table;
saved views and export), detail with history, create, edit, and conversion into an account, a contact
and optionally a deal (crm.leads.services.convert_lead)."""

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from crm.access.permissions import may_use_module
from crm.access.selectors import maskable_fields
from crm.accounts.selectors import accounts_visible_to, duplicate_candidates
from crm.audit.selectors import history_for
from crm.contacts import names
from crm.contacts.selectors import contacts_visible_to
from crm.deals.selectors import deals_visible_to
from crm.leads import services
from crm.leads.selectors import lead_get_for_user, lead_sources, lead_statuses, leads_visible_to
from crm.web import columns, conflicts, deletion, related
from crm.web.activities import lead_timeline
from crm.web.columns import list_table
from crm.web.custom_fields import CustomFields, detail_context
from crm.web.decorators import module_page
from crm.web.forms import ConvertLeadForm, LeadForm, add_service_errors, assignable_owners
from crm.web.listing import export_response, list_page
from crm.web.masking import MASK, mask_form, masks_for, writable
from tenants.access import exports_data

SORTS = {
    "name": ["last_name", "first_name", "id"],
    "company": ["company", "last_name", "id"],
    "status": ["status", "last_name", "id"],
    "source": ["source", "last_name", "id"],
    "owner": ["owner__email", "last_name", "id"],
    "created": ["created_at", "id"],
}
FIELDS = ("first_name", "last_name", "company", "title", "email", "phone", "source", "status", "owner")
MATCHED_ON = {"name": gettext_lazy("name"), "phone": gettext_lazy("phone"), "email": gettext_lazy("e-mail")}
# Lead.Status.CONVERTED, which only conversion sets (pages may not import models).
CONVERTED = "converted"


SEARCHED = ("first_name", "last_name", "company", "email", "phone")


def search(queryset, text, masked=frozenset()):
    """Leads whose name, company, e-mail or phone contains every word of `text`,
    or whose whole name contains `text` in either order, with or without a
    space ("李伟", "李 伟", "Wei Li"); a field in `masked` is not searched, or
    what is found would tell its value."""
    fields = [field for field in SEARCHED if field not in masked]
    query = Q()
    for word in text.split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": word})
        query &= any_field
    if not set(masked) & {"first_name", "last_name"}:
        query |= names.name_contains(text)
    return queryset.filter(query)


def _choice_filter(field, choices):
    values = {value for value, _label in choices}

    def apply(queryset, value):
        return queryset.filter(**{field: value}) if value in values else queryset.none()

    return apply


def _listing(request):
    user = request.user
    masked = masks_for(request)["leads"]
    filters = [
        ("q", lambda qs, v: search(qs, v, masked)),
        (
            "owner",
            lambda qs, v: qs.filter(owner=user) if v == "me" else qs.filter(owner_id=v) if v.isdigit() else qs.none(),
        ),
    ]
    # No filtering by a field the user sees masked: what it leaves would tell its values.
    if "status" not in masked:
        filters.append(("status", _choice_filter("status", lead_statuses())))
    if "source" not in masked:
        filters.append(("source", _choice_filter("source", lead_sources())))
    sorts = masks_for(request).sortable("leads", SORTS)
    if "last_name" in masked:
        # By name still, but only by what the user sees of it.
        sorts["name"] = ["first_name", "id"]
    return list_page(
        request, leads_visible_to(user), sorts=sorts, default_sort="-created", filters=filters, custom="leads"
    )


@module_page("leads")
def lead_list(request):
    user = request.user
    listing = _listing(request)
    masks = masks_for(request)
    masks.page("leads", listing.page)
    context = {
        "listing": listing,
        "owners": assignable_owners(user),
        "statuses": lead_statuses(),
        "sources": lead_sources(),
        "masks": masks,
    }
    context.update(list_table(columns.LEADS, masks["leads"]))
    if request.htmx and request.htmx.target == "lead-table":
        return render(request, "crm/_list_table.html", context)
    return render(request, "crm/leads/list.html", context)


@exports_data
@module_page("leads")
def lead_export(request):
    """The leads the list shows with the same filters and sort, every page, as CSV or XLSX."""
    return export_response(request, _listing(request), kind="leads")


@module_page("leads")
def lead_detail(request, pk):
    user = request.user
    lead = lead_get_for_user(user, pk)
    masks = masks_for(request)
    context = {
        "lead": masks.record("leads", lead),
        "history": masks.history("leads", history_for(lead)[:50]),
        "converted": lead.status == CONVERTED,
        "masks": masks,
        "may_delete": deletion.may_delete(user, lead),
        **detail_context(user, "leads", leads_visible_to(user), lead.pk),
    }
    if context["converted"]:
        # What it became, each only if the user may still see it (owners change).
        account = accounts_visible_to(user).filter(pk=lead.converted_account_id).first()
        contact = contacts_visible_to(user).filter(pk=lead.converted_contact_id).first()
        deal = deals_visible_to(user).filter(pk=lead.converted_deal_id).first()
        context.update(
            converted_account=account, converted_contact=masks.record("contacts", contact), converted_deal=deal
        )
        # Activities are logged on what the lead became, not on the lead.
        if contact is not None and may_use_module(user, "activities"):
            context["timeline"] = related.timeline(user, contact)
    else:
        context.update(lead_timeline(user, lead))
    return render(request, "crm/leads/detail.html", context)


@module_page("leads")
def lead_create(request):
    return _edit(request, None)


@module_page("leads")
def lead_edit(request, pk):
    lead = lead_get_for_user(request.user, pk)
    if lead.status == CONVERTED:
        messages.info(request, _("This lead has been converted; change its account, contact or deal."))
        return redirect("lead", pk=lead.pk)
    return _edit(request, lead)


def _form(request: HttpRequest, lead: Any, data: QueryDict | None) -> tuple[LeadForm, CustomFields]:
    """The lead's edit form (a new lead's: `lead` None) on `data`."""
    initial = {name: getattr(lead, name) for name in FIELDS} if lead is not None else {}
    form = LeadForm(data, initial=initial, user=request.user)
    # Masked fields are shown masked and disabled, and never handed to the service.
    mask_form(form, masks_for(request)["leads"], lead)
    custom = CustomFields(form, "leads", request.user, record=lead)
    conflicts.carry_version(form, lead)
    return form, custom


def _edit(request, lead):
    form, custom = _form(request, lead, request.POST or None)
    status = 400
    if request.method == "POST" and custom.is_valid():
        values = {name: form.cleaned_data[name] for name in writable(form, FIELDS)}
        if values.get("owner", "") is None:
            values.pop("owner")
        try:
            if lead is None:
                lead = services.create_lead(by=request.user, custom=custom.values, **values)
            else:
                lead = conflicts.save(
                    form,
                    lead,
                    lambda version: services.update_lead(
                        lead=lead,
                        by=request.user,
                        custom=conflicts.edited(form, custom.values),
                        expected_version=version,
                        **conflicts.edited(form, values),
                    ),
                )
        except conflicts.Conflict as conflict:
            form, custom = conflict.redisplay(partial(_form, request))
            status = 409
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("lead", args=[lead.pk]))
            return redirect("lead", pk=lead.pk)
    context = {
        "form": form,
        "lead": lead,
        "action": request.get_full_path(),
        "cancel": reverse("lead", args=[lead.pk]) if lead else reverse("leads"),
        "title": _("Edit lead") if lead else _("New lead"),
    }
    if request.htmx:
        # Inline validation: only the form is swapped back, with its errors.
        return render(request, "crm/_form.html", context)
    return render(request, "crm/form_page.html", context, status=status if request.method == "POST" else 200)


@module_page("leads")
def lead_convert(request, pk):
    """GET: what the lead would become, with the accounts it looks like (the
    user may attach it to one they can see instead of creating a new one).
    POST: convert, then show the account."""
    user = request.user
    lead = lead_get_for_user(user, pk)
    if request.method != "POST" and lead.status == CONVERTED:
        return redirect("lead", pk=lead.pk)
    shown = masks_for(request).record("leads", lead)
    # The name the new account gets, as the user may see it (the conversion
    # itself copies every field, masked or not, as the API's does); a deal name
    # left empty is the same name, so a masked one is not typed into the form.
    new_account_name = shown.company or shown.full_name
    form = ConvertLeadForm(
        request.POST or None, user=user, initial={"deal_name": "" if MASK in new_account_name else new_account_name}
    )
    if request.method == "POST" and form.is_valid():
        values = {"account": form.cleaned_data["account"], "create_deal": form.cleaned_data["create_deal"]}
        if values["create_deal"]:
            values.update(deal_name=form.cleaned_data["deal_name"] or None, amount=form.cleaned_data["amount"])
        try:
            lead = services.convert_lead(lead=lead, by=user, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(lead)s was converted.") % {"lead": shown.full_name})
            if lead.not_copied:
                labels = maskable_fields()
                names = [
                    str(dict(labels.get(module, ())).get(field, field))
                    for module, fields in lead.not_copied.items()
                    for field in fields
                ]
                messages.warning(
                    request,
                    _("Not copied from the lead, as your role may not fill them in: %(fields)s.")
                    % {"fields": ", ".join(names)},
                )
            return redirect("account", pk=lead.converted_account_id)
    candidates = duplicate_candidates(user, name=lead.company or lead.full_name, phone=lead.phone, email=lead.email)
    selectable = set(accounts_visible_to(user).filter(pk__in=[a.pk for a in candidates]).values_list("pk", flat=True))
    for account in candidates:
        account.selectable = account.pk in selectable
        account.matched_labels = ", ".join(str(MATCHED_ON[on]) for on in account.matched_on)
    chosen = form["account"].value()
    return render(
        request,
        "crm/leads/convert.html",
        {
            "lead": shown,
            "form": form,
            "candidates": candidates,
            "chosen": str(chosen) if chosen not in (None, "") else "",
            "new_account_name": new_account_name,
        },
        status=400 if request.method == "POST" else 200,
    )
