"""Billing lives in the public schema: one Subscription per tenant, the plan
catalog, Stripe events as received, and the log of access changes."""

from django.db import models

from tenants.models import Tenant


class Plan(models.Model):
    """A plan of the catalog (BILLING_PLANS), with its Stripe price ids once synced."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    # Minor units (cents) per seat.
    month_amount = models.PositiveIntegerField()
    year_amount = models.PositiveIntegerField()
    stripe_month_price = models.CharField(max_length=100, blank=True)
    stripe_year_price = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["month_amount", "code"]

    def __str__(self) -> str:
        return self.name

    def amount(self, interval):
        return self.year_amount if interval == Tenant.Interval.YEAR else self.month_amount

    def stripe_price(self, interval):
        return self.stripe_year_price if interval == Tenant.Interval.YEAR else self.stripe_month_price


class Subscription(models.Model):
    """What a tenant pays for. Stripe is the truth for status and paid quantity
    when billing is online (docs/decisions/005-billing.md)."""

    class Status(models.TextChoices):
        TRIALING = "trialing"
        ACTIVE = "active"
        PAST_DUE = "past_due"
        UNPAID = "unpaid"
        CANCELED = "canceled"
        INCOMPLETE = "incomplete"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT)
    interval = models.CharField(max_length=5, choices=Tenant.Interval.choices, default=Tenant.Interval.MONTH)
    seats = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TRIALING)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # When the subscription first went past due in this episode: the grace clock.
    past_due_since = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_item_id = models.CharField(max_length=100, blank=True)
    has_payment_method = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant__subdomain"]

    def __str__(self) -> str:
        return f"{self.tenant} {self.plan.code} {self.seats}×{self.interval}"

    @property
    def is_online(self):
        return bool(self.stripe_subscription_id)

    def monthly_amount(self):
        """Minor units per month this subscription brings in (0 while trialing or canceled)."""
        if self.status not in (self.Status.ACTIVE, self.Status.PAST_DUE, self.Status.UNPAID):
            return 0
        per_seat = self.plan.amount(self.interval)
        if self.interval == Tenant.Interval.YEAR:
            return per_seat * self.seats / 12
        return per_seat * self.seats


class StripeEvent(models.Model):
    """A Stripe webhook event, stored once by its id before it is handled."""

    class Status(models.TextChoices):
        RECEIVED = "received"
        PROCESSED = "processed"
        IGNORED = "ignored"
        FAILED = "failed"

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} {self.status}"


class BillingTransition(models.Model):
    """Every change of a tenant's access status or paid seats, with its cause."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="billing_transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.tenant}: {self.from_status} → {self.to_status} ({self.reason})"
