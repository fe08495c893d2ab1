"""My delegations (委托): while I am away, the approval tasks that arise for me
go to a colleague. Writes are crm.approvals.services calls."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.approvals import selectors, services
from crm.web.approvals.forms import DelegationForm
from crm.web.approvals.http import SignedInRequest
from crm.web.decorators import module_page
from crm.web.forms import add_service_errors


@module_page("approvals")
def delegation_page(request: SignedInRequest) -> HttpResponse:
    form = DelegationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_delegation(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("approval-delegations")
    context = {
        "form": form,
        "mine": selectors.delegations_of(request.user),
        "to_me": selectors.delegations_to(request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "crm/approvals/delegations.html", context, status=status)


@module_page("approvals")
def delegation_delete(request: SignedInRequest, pk: int) -> HttpResponse:
    delegation = selectors.delegation_get_for_user(request.user, pk)
    if request.method == "POST":
        services.delete_delegation(delegation=delegation, by=request.user)
        messages.success(request, _("Delegation removed."))
    return redirect("approval-delegations")
