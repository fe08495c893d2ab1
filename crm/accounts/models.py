from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The longest per-account follow-up interval and pool period (ten years).
MAX_DAYS = 3650


class Account(models.Model):
    """A customer company or person. Without an owner it is in the customer pool (公海)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")

    class Level(models.TextChoices):
        STRATEGIC = "strategic", _("Strategic")
        IMPORTANT = "important", _("Important")
        NORMAL = "normal", _("Normal")

    class Value(models.TextChoices):
        INTRINSIC = "intrinsic", _("Intrinsic value")
        EXTRINSIC = "extrinsic", _("Extrinsic value")
        STRATEGIC = "strategic", _("Strategic value")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        CUSTOMER = "customer", _("Customer")
        LOST = "lost", _("Lost")

    class Source(models.TextChoices):
        WEBSITE = "website", _("Website")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event")
        ADVERTISING = "advertising", _("Advertising")
        COLD_CALL = "cold_call", _("Cold call")
        PARTNER = "partner", _("Partner")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.NORMAL)
    value_class = models.CharField(_("value classification"), max_length=10, choices=Value.choices, blank=True)
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROSPECT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    # Labels, free text: an array (GIN-indexed for ?tag=) rather than a Tag table,
    # since tags have no attributes of their own and are never renamed in bulk.
    tags = ArrayField(models.CharField(max_length=40), verbose_name=_("tags"), default=list, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    billing_address = models.TextField(_("billing address"), blank=True)
    shipping_address = models.TextField(_("shipping address"), blank=True)
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow up every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
    )
    # When someone last talked to the customer (crm.accounts.services.mark_contacted).
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    # Since when the current owner has it (the pool's clock starts there).
    owner_since = models.DateTimeField(null=True, blank=True)
    # When it last entered the pool; kept after a claim (it was public then).
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    # Duplicate-detection keys (crm/accounts/matching.py), kept by the services.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    phone_key = models.CharField(max_length=20, blank=True, editable=False)
    email_key = models.CharField(max_length=254, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Only on the possible duplicates the selectors return: which keys matched.
    matched_on: list[str]

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["name_key"], name="account_name_key"),
            models.Index(fields=["phone_key"], name="account_phone_key", condition=~Q(phone_key="")),
            models.Index(fields=["email_key"], name="account_email_key", condition=~Q(email_key="")),
            models.Index(fields=["pooled_at"], name="account_pool", condition=Q(owner__isnull=True)),
            GinIndex(fields=["tags"], name="account_tags"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None


class AccountWatch(models.Model):
    """An account on one user's watch list (key customers)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watched_accounts")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="unique_account_watch")]

    def __str__(self) -> str:
        return f"{self.user_id} watches {self.account_id}"


class PoolSettings(models.Model):
    """The tenant's customer pool rules: one row (pk 1), edited by the admin.
    A period left empty is off; both are off until the admin sets them, so an
    upgrade never releases anyone's accounts by surprise."""

    claim_cap = models.PositiveIntegerField(
        _("most accounts a user may own to claim more"),
        null=True,
        blank=True,
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
    )
    release_after_days_without_follow_up = models.PositiveSmallIntegerField(
        _("release after days without follow-up"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
    )
    release_after_days_without_deal = models.PositiveSmallIntegerField(
        _("release after days without a deal"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("pool settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="pool_settings_singleton")]

    def __str__(self) -> str:
        return "pool settings"
