"""Global search over the accounts, contacts, leads and deals the user may see;
htmx asks for the results as the user types. A field hidden from the user's
role is neither searched nor shown (crm.web.masking). Enter opens the same
results as a page. A phone number matches however it was typed ("13800138000"
finds "+86 138 0013 8000"): on the records' normalised phone key (leads keep
none: their phone's digits are compared in the query). A person is found by
the whole name in either order ("李伟", "伟李", "Wei Li"; crm.contacts.names)."""

from django.contrib.auth.decorators import login_required
from django.db.models import CharField, F, Func, Q, Value
from django.shortcuts import render

from crm.access.permissions import may_use_module
from crm.accounts.matching import phone_key
from crm.accounts.selectors import accounts_visible_to
from crm.contacts.selectors import contacts_visible_to
from crm.deals.selectors import deals_visible_to
from crm.leads.selectors import leads_visible_to
from crm.web.contacts import search as search_contacts
from crm.web.deals import search as search_deals
from crm.web.leads import search as search_leads
from crm.web.masking import masks_for

PER_KIND = 8


def _digits(field):
    return Func(F(field), Value(r"\D"), Value(""), Value("g"), function="regexp_replace", output_field=CharField())


@login_required
def global_search(request):
    text = request.GET.get("q", "").strip()
    user = request.user
    masks = masks_for(request)
    accounts = contacts = leads = deals = ()
    key = phone_key(text)
    if text:
        if may_use_module(user, "accounts"):
            query = Q(name__icontains=text)
            if key and "phone" not in masks["accounts"]:
                query |= Q(phone_key__endswith=key)
            accounts = masks.rows("accounts", accounts_visible_to(user).filter(query)[:PER_KIND])
        if may_use_module(user, "contacts"):
            visible = contacts_visible_to(user).prefetch_related(None)
            found = search_contacts(visible, text, masks["contacts"])
            if key and "phone" not in masks["contacts"]:
                found = visible.filter(Q(pk__in=found.values("pk")) | Q(phone_key__endswith=key))
            contacts = masks.rows("contacts", found[:PER_KIND])
        if may_use_module(user, "leads"):
            visible = leads_visible_to(user)
            found = search_leads(visible, text, masks["leads"])
            if key and "phone" not in masks["leads"]:
                by_phone = visible.annotate(phone_digits=_digits("phone")).filter(phone_digits__endswith=key)
                found = visible.filter(Q(pk__in=found.values("pk")) | Q(pk__in=by_phone.values("pk")))
            leads = masks.rows("leads", found.order_by("-created_at", "-id")[:PER_KIND])
        if may_use_module(user, "deals"):
            found = search_deals(deals_visible_to(user).prefetch_related(None), text)
            deals = masks.rows("deals", found.order_by("-created_at", "-id")[:PER_KIND])
    context = {"q": text, "accounts": accounts, "contacts": contacts, "leads": leads, "deals": deals}
    if request.htmx:
        return render(request, "crm/search/_results.html", context)
    return render(request, "crm/search/page.html", context)
