from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    """One customer company. Its CRM lives in the PostgreSQL schema `schema_name`."""

    class Status(models.TextChoices):
        TRIALING = "trialing"
        ACTIVE = "active"
        PAST_DUE = "past_due"
        READ_ONLY = "read_only"
        SUSPENDED = "suspended"

    class Lifecycle(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"
        DELETING = "deleting"

    class Interval(models.TextChoices):
        # Labels as Django made them from the names (so no migration), translated.
        MONTH = "month", _("Month")
        YEAR = "year", _("Year")

    # Schemas come ready-made from the spare pool (tenants/provisioning.py);
    # django-tenants must not migrate one inside save().
    auto_create_schema = False
    auto_drop_schema = False

    subdomain = models.CharField(max_length=63, unique=True)
    company = models.CharField(max_length=200)
    owner_email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TRIALING)
    # What billing allows; billing pushes these, crm reads them (ARCHITECTURE.md).
    seats = models.PositiveIntegerField(default=1)
    billing_interval = models.CharField(max_length=5, choices=Interval.choices, default=Interval.MONTH)
    # While past due: when the tenant turns read-only unless paid (for the banner).
    grace_ends_at = models.DateTimeField(null=True, blank=True)
    # Ops, independent of billing: a restore in progress makes the tenant
    # read-only; a suspended tenant answers nothing but a notice; a tenant being
    # deleted is suspended until `delete_after`, when its schema is dropped.
    restoring = models.BooleanField(default=False)
    lifecycle = models.CharField(max_length=10, choices=Lifecycle.choices, default=Lifecycle.ACTIVE)
    delete_after = models.DateTimeField(null=True, blank=True)
    # Where the company is (an IANA name, tenants/time_zones.py): its users' dates
    # and times are shown, typed and grouped by day in it unless they chose their own.
    time_zone = models.CharField(max_length=64, default="UTC")
    # Chosen at sign-up (tenants/plans.py): the currency the company pays in and
    # the plan of settings.BILLING_PLANS its subscription opens on.
    currency = models.CharField(max_length=3, default="usd")
    plan = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["subdomain"]

    def __str__(self) -> str:
        return self.subdomain

    @property
    def may_write(self) -> bool:
        return self.status not in (self.Status.READ_ONLY, self.Status.SUSPENDED) and not self.restoring

    @property
    def is_closed_by_ops(self) -> bool:
        return self.lifecycle != self.Lifecycle.ACTIVE

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Domain(DomainMixin):
    """A host name that routes to a tenant: `<subdomain>.<BASE_DOMAIN>`, and later custom domains."""


class SpareSchema(models.Model):
    """A schema migrated ahead of time, waiting to become a new tenant's schema."""

    schema_name = models.CharField(max_length=63, unique=True)
    # Which migrations it has: a spare whose fingerprint differs from the code's
    # is never handed out (tenants/provisioning.py).
    fingerprint = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.schema_name
