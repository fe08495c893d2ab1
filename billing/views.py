"""The tenant admin's billing page: plan, interval, seats used/paid, next
invoice, invoice history, and the buttons that change them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import gateway, selectors, services
from crm.access.permissions import may_administer
from crm.web.money import money
from tenants.models import Tenant


def _admin_only(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_administer(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


class SeatsForm(forms.Form):
    seats = forms.IntegerField(label=gettext_lazy("Paid seats"), min_value=1, max_value=services.MAX_SEATS)


def plan_label(plan):
    """ "Standard — ¥99.00 per seat a month, ¥990.00 a year": the price in the plan's currency."""
    return _("%(name)s — %(month)s per seat a month, %(year)s a year") % {
        "name": plan.name,
        "month": money(plan.month_amount / 100, plan.currency),
        "year": money(plan.year_amount / 100, plan.currency),
    }


class PlanForm(forms.Form):
    plan = forms.ChoiceField(label=gettext_lazy("Plan"))
    interval = forms.ChoiceField(label=gettext_lazy("Billed"), choices=Tenant.Interval.choices)

    def __init__(self, *args, currency=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the plans of the subscription's currency: Stripe bills a customer in one currency.
        self.fields["plan"].choices = [(plan.code, plan_label(plan)) for plan in selectors.active_plans(currency)]


def _currency(tenant, subscription):
    return subscription.plan.currency if subscription else tenant.currency


def _page(request, *, seats_form=None, plan_form=None, status=200):
    tenant = request.tenant
    subscription = selectors.subscription_for(tenant)
    summary = selectors.subscription_summary(tenant)
    currency = _currency(tenant, subscription)
    context = {
        "summary": summary,
        "subscription": subscription,
        "online": gateway.enabled(),
        "plans": selectors.active_plans(currency),
        "seats_form": seats_form or SeatsForm(initial={"seats": summary["seats"]}),
        "plan_form": plan_form
        or PlanForm(initial={"plan": summary["plan"], "interval": summary["interval"]}, currency=currency),
        "upcoming": selectors.upcoming_invoice(subscription),
        "invoices": selectors.invoice_history(subscription),
        "transitions": selectors.transitions_for(tenant),
        "per_seat": money(subscription.plan.amount(subscription.interval) / 100, currency) if subscription else None,
    }
    return render(request, "billing/page.html", context, status=status)


@_admin_only
def billing_page(request):
    return _page(request)


def _apply(request, form, **values):
    try:
        services.change_subscription(tenant=request.tenant, **values)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return False
    except gateway.StripeUnavailable as exc:
        form.add_error(None, _("Stripe did not accept the change, nothing was changed: %(error)s") % {"error": exc})
        return False
    messages.success(request, _("Subscription updated."))
    return True


@_admin_only
@require_POST
def change_seats(request):
    form = SeatsForm(request.POST)
    if form.is_valid() and _apply(request, form, seats=form.cleaned_data["seats"]):
        return redirect("billing")
    return _page(request, seats_form=form, status=400)


@_admin_only
@require_POST
def change_plan(request):
    form = PlanForm(request.POST, currency=_currency(request.tenant, selectors.subscription_for(request.tenant)))
    if form.is_valid() and _apply(
        request, form, plan=form.cleaned_data["plan"], interval=form.cleaned_data["interval"]
    ):
        return redirect("billing")
    return _page(request, plan_form=form, status=400)


@_admin_only
@require_POST
def cancel(request):
    resume = request.POST.get("resume") == "1"
    try:
        services.set_cancel_at_period_end(tenant=request.tenant, cancel=not resume)
    except gateway.StripeUnavailable as exc:
        messages.error(request, _("Stripe did not accept the change: %(error)s") % {"error": exc})
    else:
        messages.success(
            request,
            _("Cancellation withdrawn.") if resume else _("The subscription ends at the end of the paid period."),
        )
    return redirect("billing")


@_admin_only
@require_POST
def payment_method(request):
    """Stripe Checkout in setup mode, or the Customer Portal, to add or change a card."""
    subscription = selectors.subscription_for(request.tenant)
    if not (gateway.enabled() and subscription and subscription.stripe_customer_id):
        messages.error(request, _("Billing is offline: there is no payment method to manage."))
        return redirect("billing")
    back = request.build_absolute_uri("/billing/")
    try:
        if request.POST.get("target") == "portal":
            url = gateway.portal_url(customer_id=subscription.stripe_customer_id, return_url=back)
        else:
            url = gateway.checkout_setup_url(
                customer_id=subscription.stripe_customer_id,
                success_url=back + "?payment_method=added",
                cancel_url=back,
                currency=subscription.plan.currency,
            )
    except gateway.StripeUnavailable as exc:
        messages.error(request, _("Stripe could not be reached: %(error)s") % {"error": exc})
        return redirect("billing")
    return redirect(url)
