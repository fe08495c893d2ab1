"""Global search over the accounts and contacts the user may see; htmx asks for
the results as the user types."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from crm.access.permissions import may_use_module
from crm.accounts.selectors import accounts_visible_to
from crm.contacts.selectors import contacts_visible_to
from crm.web.contacts import search as search_contacts

PER_KIND = 8


@login_required
def global_search(request):
    text = request.GET.get("q", "").strip()
    user = request.user
    accounts = contacts = ()
    if text:
        if may_use_module(user, "accounts"):
            accounts = list(accounts_visible_to(user).filter(name__icontains=text)[:PER_KIND])
        if may_use_module(user, "contacts"):
            contacts = list(search_contacts(contacts_visible_to(user), text)[:PER_KIND])
    context = {"q": text, "accounts": accounts, "contacts": contacts}
    if request.htmx:
        return render(request, "crm/search/_results.html", context)
    return render(request, "crm/search/page.html", context)
