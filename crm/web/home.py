"""The dashboard: what is the user's own, counted through the selectors."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from crm.access.permissions import may_use_module
from crm.accounts.selectors import accounts_visible_to
from crm.contacts.selectors import contacts_visible_to
from crm.web import related


@login_required
def home(request):
    user = request.user
    context = {}
    if may_use_module(user, "accounts"):
        accounts = accounts_visible_to(user)
        context.update(my_account_count=accounts.filter(owner=user).count(), account_count=accounts.count(),
                       recent_accounts=accounts.order_by("-updated_at", "-id")[:8])
    if may_use_module(user, "contacts"):
        contacts = contacts_visible_to(user)
        context.update(my_contact_count=contacts.filter(owner=user).count(), contact_count=contacts.count(),
                       recent_contacts=contacts.order_by("-updated_at", "-id")[:8])
    context.update(related.for_dashboard(user))
    return render(request, "crm/home.html", context)
