"""The vendor's view on the public admin: who pays what, with MRR and ARR totals."""

from django.contrib import admin

from billing import selectors
from billing.models import BillingTransition, Plan, StripeEvent, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "tenant",
        "plan",
        "interval",
        "seats",
        "status",
        "tenant_status",
        "mrr",
        "cancel_at_period_end",
        "current_period_end",
    )
    list_filter = ("status", "interval", "plan", "cancel_at_period_end")
    search_fields = ("tenant__subdomain", "tenant__company", "stripe_customer_id", "stripe_subscription_id")
    list_select_related = ("tenant", "plan")
    readonly_fields = [field.name for field in Subscription._meta.fields]
    change_list_template = "billing/admin_subscriptions.html"

    @admin.display(description="access")
    def tenant_status(self, subscription):
        return subscription.tenant.status

    @admin.display(description="MRR")
    def mrr(self, subscription):
        return f"{subscription.monthly_amount() / 100:.2f} {subscription.plan.currency}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = dict(
            extra_context or {}, revenue=selectors.revenue_totals(), seats_total=selectors.seats_total()
        )
        return super().changelist_view(request, extra_context)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "currency",
        "month_amount",
        "year_amount",
        "stripe_month_price",
        "stripe_year_price",
        "is_active",
    )
    readonly_fields = ("stripe_month_price", "stripe_year_price")


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "status", "attempts", "received_at", "processed_at")
    list_filter = ("status", "type")
    search_fields = ("event_id",)
    readonly_fields = [field.name for field in StripeEvent._meta.fields]


@admin.register(BillingTransition)
class BillingTransitionAdmin(admin.ModelAdmin):
    list_display = ("tenant", "from_status", "to_status", "reason", "created_at")
    list_filter = ("to_status",)
    search_fields = ("tenant__subdomain", "reason")
