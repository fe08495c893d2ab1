from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from crm.accounts.selectors import accounts_visible_to
from crm.contacts.selectors import contacts_visible_to


@login_required
def home(request):
    accounts = accounts_visible_to(request.user)
    contacts = contacts_visible_to(request.user)
    return render(request, "crm/home.html", {
        "accounts": accounts[:20], "account_count": accounts.count(),
        "contacts": contacts[:20], "contact_count": contacts.count(),
    })
