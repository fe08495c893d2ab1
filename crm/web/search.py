"""Global search over the accounts and contacts the user may see; htmx asks for
the results as the user types. A field hidden from the user's role is neither
searched nor shown (crm.web.masking)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from crm.access.permissions import may_use_module
from crm.accounts.selectors import accounts_visible_to
from crm.contacts.selectors import contacts_visible_to
from crm.web.contacts import search as search_contacts
from crm.web.masking import masks_for

PER_KIND = 8


@login_required
def global_search(request):
    text = request.GET.get("q", "").strip()
    user = request.user
    masks = masks_for(request)
    accounts = contacts = ()
    if text:
        if may_use_module(user, "accounts"):
            accounts = masks.rows("accounts", accounts_visible_to(user).filter(name__icontains=text)[:PER_KIND])
        if may_use_module(user, "contacts"):
            found = search_contacts(contacts_visible_to(user).prefetch_related(None), text, masks["contacts"])
            contacts = masks.rows("contacts", found[:PER_KIND])
    context = {"q": text, "accounts": accounts, "contacts": contacts}
    if request.htmx:
        return render(request, "crm/search/_results.html", context)
    return render(request, "crm/search/page.html", context)
