"""The customer pool: browse accounts without an owner and claim them
(crm.accounts.pool.claim, which enforces the tenant's cap)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from crm.accounts import pool
from crm.accounts.selectors import pool_account_get, pool_accounts, pool_settings
from crm.web.decorators import module_page
from crm.web.listing import list_page

SORTS = {"pooled": ["pooled_at", "id"], "name": ["name", "id"]}


@module_page("pool")
def pool_list(request):
    listing = list_page(
        request,
        pool_accounts(),
        sorts=SORTS,
        default_sort="-pooled",
        filters=[("q", lambda qs, v: qs.filter(name__icontains=v))],
    )
    context = {"listing": listing, "cap": pool_settings().claim_cap}
    if request.htmx and request.htmx.target == "pool-table":
        return render(request, "crm/pool/_table.html", context)
    return render(request, "crm/pool/list.html", context)


@module_page("pool")
def pool_claim(request, pk):
    """POST: claim the account. With htmx only its row comes back: claimed, or
    the reason it was refused (the cap, someone else was faster)."""
    if request.method != "POST":
        pool_account_get(pk)  # 404 for an account not in the pool, as for the claim
        return redirect("pool")
    account, error = None, None
    try:
        account = pool.claim(account_id=pk, by=request.user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        return render(request, "crm/pool/_claim_result.html", {"account": account, "error": error, "pk": pk})
    if error:
        messages.error(request, error)
        return redirect("pool")
    return redirect("account", pk=account.pk)
