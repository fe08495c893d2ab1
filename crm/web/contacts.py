"""Contacts: list (search, filter, sort, pages; htmx refreshes only the table;
saved views and export), detail with files and history, create (with a
duplicate warning) and edit, share, merge, attach files."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from crm.accounts.matching import PossibleDuplicates
from crm.audit.selectors import history_for
from crm.contacts import services
from crm.contacts.selectors import contact_get_for_user, contacts_visible_to, duplicate_candidates
from crm.web import record_actions, related
from crm.web.decorators import module_page
from crm.web.forms import ContactForm, add_service_errors, assignable_owners, warn_of_duplicates
from crm.web.listing import export_response, list_page

SORTS = {"name": ["last_name", "first_name", "id"], "account": ["account__name", "last_name", "id"],
         "owner": ["owner__email", "last_name", "id"], "created": ["created_at", "id"]}
FIELDS = ("first_name", "last_name", "email", "phone", "account", "owner")


def search(queryset, text):
    """Contacts whose name, e-mail or phone contains `text`."""
    query = Q()
    for word in text.split():
        query &= (Q(first_name__icontains=word) | Q(last_name__icontains=word)
                  | Q(email__icontains=word) | Q(phone__icontains=word))
    return queryset.filter(query)


def _listing(request):
    user = request.user
    # The page (and its export) shows the primary account only, not every account link.
    return list_page(
        request, contacts_visible_to(user).prefetch_related(None), sorts=SORTS, default_sort="name",
        filters=[("q", search),
                 ("owner", lambda qs, v: qs.filter(owner=user) if v == "me"
                  else qs.filter(owner_id=v) if v.isdigit() else qs.none()),
                 ("account", lambda qs, v: qs.filter(account_id=v) if v.isdigit() else qs.none())],
    )


@module_page("contacts")
def contact_list(request):
    context = {"listing": _listing(request), "owners": assignable_owners(request.user)}
    if request.htmx and request.htmx.target == "contact-table":
        return render(request, "crm/contacts/_table.html", context)
    return render(request, "crm/contacts/list.html", context)


@module_page("contacts")
def contact_export(request):
    """The contacts the list shows with the same filters and sort, every page, as CSV or XLSX."""
    return export_response(request, _listing(request), kind="contacts")


@module_page("contacts")
def contact_detail(request, pk):
    contact = contact_get_for_user(request.user, pk)
    return render(request, "crm/contacts/detail.html", {
        "contact": contact, "history": history_for(contact)[:50],
        **related.for_contact(request.user, contact),
    })


@module_page("contacts")
def contact_create(request):
    return _edit(request, None)


@module_page("contacts")
def contact_edit(request, pk):
    return _edit(request, contact_get_for_user(request.user, pk))


def _edit(request, contact):
    if contact is not None:
        initial = {name: getattr(contact, name) for name in FIELDS}
    else:
        # "New contact" from an account page comes with ?account=<id>.
        initial = {"account": request.GET.get("account")} if request.GET.get("account", "").isdigit() else {}
    form = ContactForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in FIELDS}
        try:
            if contact is None:
                contact = services.create_contact(by=request.user, **values,
                                                  allow_duplicates=bool(request.POST.get("save_anyway")))
            else:
                if values["owner"] is None:
                    values.pop("owner")
                contact = services.update_contact(contact=contact, by=request.user, **values)
        except PossibleDuplicates:
            warn_of_duplicates(form, _described(duplicate_candidates(
                request.user, **{name: values[name] or "" for name in ("first_name", "last_name", "email", "phone")},
                account=values["account"])))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if request.htmx:
                return HttpResponseClientRedirect(reverse("contact", args=[contact.pk]))
            return redirect("contact", pk=contact.pk)
    context = {"form": form, "contact": contact, "action": request.get_full_path(),
               "cancel": reverse("contact", args=[contact.pk]) if contact else reverse("contacts"),
               "title": _("Edit contact") if contact else _("New contact")}
    if request.htmx:
        # Inline validation: only the form is swapped back, with its errors.
        return render(request, "crm/_form.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/form_page.html", context, status=status)


def _described(candidates):
    for candidate in candidates:
        details = ", ".join(str(part) for part in (candidate.email, candidate.phone, candidate.account) if part)
        candidate.name_for_warning = f"{candidate} ({details})" if details else str(candidate)
    return candidates


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
        request, contact,
        choices=lambda q: _merge_choices(request.user, contact, q),
        get_for_user=contact_get_for_user, service=services.merge_contacts,
        back=reverse("contact", args=[contact.pk]), title=_("Merge another contact into %(name)s") % {
            "name": contact})


def _merge_choices(user, contact, query):
    """Contacts to merge in: those matching the search, else the look-alikes the user can see."""
    if query:
        return search(contacts_visible_to(user), query).order_by("last_name", "first_name", "id")
    look_alikes = [c.pk for c in duplicate_candidates(user, first_name=contact.first_name, last_name=contact.last_name,
                                                      email=contact.email, phone=contact.phone, exclude_pk=contact.pk)]
    return contacts_visible_to(user).filter(pk__in=look_alikes).order_by("last_name", "first_name", "id")
