"""The dashboard: what is the user's own, counted through the selectors, and
the records changed last, with the fields hidden from the user's role masked."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from crm.access.permissions import may_use_module
from crm.accounts.selectors import accounts_visible_to
from crm.contacts.selectors import contacts_visible_to
from crm.onboarding.selectors import checklist_for
from crm.web import related
from crm.web.masking import masks_for

RECENT_ROWS = 8


@login_required
def home(request):
    user = request.user
    masks = masks_for(request)
    context = {"masks": masks, "onboarding": checklist_for(user)}
    if may_use_module(user, "accounts"):
        accounts = accounts_visible_to(user)
        context.update(
            my_account_count=accounts.filter(owner=user).count(),
            account_count=accounts.count(),
            recent_accounts=masks.rows("accounts", accounts.order_by("-updated_at", "-id")[:RECENT_ROWS]),
        )
    if may_use_module(user, "contacts"):
        # The card shows the primary account only, not every account link.
        contacts = contacts_visible_to(user).prefetch_related(None)
        context.update(
            my_contact_count=contacts.filter(owner=user).count(),
            contact_count=contacts.count(),
            recent_contacts=masks.rows("contacts", contacts.order_by("-updated_at", "-id")[:RECENT_ROWS]),
        )
    context.update(related.for_dashboard(request))
    return render(request, "crm/home.html", context)
