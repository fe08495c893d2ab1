"""Contacts: list (search, filter, sort, pages; htmx refreshes only the table),
detail with history, create and edit."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from crm.audit.selectors import history_for
from crm.contacts import services
from crm.contacts.selectors import contact_get_for_user, contacts_visible_to
from crm.web import related
from crm.web.decorators import module_page
from crm.web.forms import ContactForm, add_service_errors, assignable_owners
from crm.web.listing import list_page

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


@module_page("contacts")
def contact_list(request):
    user = request.user
    listing = list_page(
        request, contacts_visible_to(user), sorts=SORTS, default_sort="name",
        filters=[("q", search),
                 ("owner", lambda qs, v: qs.filter(owner=user) if v == "me"
                  else qs.filter(owner_id=v) if v.isdigit() else qs.none()),
                 ("account", lambda qs, v: qs.filter(account_id=v) if v.isdigit() else qs.none())],
    )
    context = {"listing": listing, "owners": assignable_owners(user)}
    if request.htmx and request.htmx.target == "contact-table":
        return render(request, "crm/contacts/_table.html", context)
    return render(request, "crm/contacts/list.html", context)


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
                contact = services.create_contact(by=request.user, **values)
            else:
                if values["owner"] is None:
                    values.pop("owner")
                contact = services.update_contact(contact=contact, by=request.user, **values)
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
