"""Sales documents after the deal: quotes and the orders accepted quotes
become (issue 16), and the one numbering of every kind of document.

Amounts are Decimal beside their currency; each line's net and tax are rounded
to the currency's minor unit and a document's totals are the sums of its lines
(crm.sales.totals, docs/decisions/015)."""

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.attachments.models import attachment_storage
from crm.catalog.models import PRICE, RATE, default_currency
from crm.deals.currencies import validate_currency

AMOUNT: dict[str, Any] = {"max_digits": 18, "decimal_places": 4, "default": 0}
QUANTITY: dict[str, Any] = {"max_digits": 14, "decimal_places": 3}


class NumberSequence(models.Model):
    """The last number given to a kind of document in a year. One row per
    (kind, year), locked while a document takes the next number in the same
    transaction as its creation: numbers are unique, and gapless because a
    creation that fails rolls its number back too (crm.sales.numbering)."""

    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="one_sequence_per_kind_and_year")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class NumberFormat(models.Model):
    """A tenant's format of a kind's numbers, e.g. "QT-{year}-{seq:04}" (the default)."""

    kind = models.CharField(max_length=20, unique=True)
    pattern = models.CharField(_("number format"), max_length=60)

    def __str__(self) -> str:
        return f"{self.kind}: {self.pattern}"


class Line(models.Model):
    """What every document line holds: a product (or only a description), a
    quantity at a unit price less a discount, and its tax; `net` and `tax` are
    computed (crm.sales.totals) and stored rounded."""

    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=500, blank=True)
    quantity = models.DecimalField(_("quantity"), validators=[MinValueValidator(0)], **QUANTITY)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("unit price"), validators=[MinValueValidator(0)], **PRICE)
    discount = models.DecimalField(_("discount"), default=0, **RATE)
    tax_rate = models.DecimalField(_("tax rate"), default=0, **RATE)
    net = models.DecimalField(_("net amount"), **AMOUNT)
    tax = models.DecimalField(_("tax"), **AMOUNT)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class Quote(models.Model):
    """A priced offer to an account, usually made from a deal. Revising a sent
    quote makes a new version under the same number; earlier versions stay."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    number = models.CharField(_("number"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # The version this one revised; the older stays readable, marked superseded.
    revision_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revised_by"
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    # Documents outlive the account or deal they were made for (like a deal outlives its account).
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quotes",
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes"
    )
    currency = models.CharField(_("currency"), max_length=3, default=default_currency, validators=[validate_currency])
    price_list = models.ForeignKey(
        "catalog.PriceList",
        verbose_name=_("price list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    subtotal = models.DecimalField(_("subtotal"), **AMOUNT)
    tax = models.DecimalField(_("tax"), **AMOUNT)
    total = models.DecimalField(_("total"), **AMOUNT)
    # The largest discount of a line: what an approval rule such as "discount above 15 %" tests.
    max_discount = models.DecimalField(_("largest discount"), default=0, **RATE)
    terms = models.TextField(_("terms"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="quotes"
    )
    superseded = models.BooleanField(_("superseded"), default=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("accepted or rejected at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        constraints = [
            models.UniqueConstraint(fields=["number", "version"], name="unique_quote_number_version"),
        ]
        indexes = [models.Index(fields=["owner", "status"]), models.Index(fields=["account", "-created_at"])]

    def __str__(self) -> str:
        label = self.number if self.version == 1 else f"{self.number} v{self.version}"
        return f"{label} {self.title}".strip()


class QuoteLine(Line):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta(Line.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


class Order(models.Model):
    """What the customer ordered: made from an accepted quote (or typed), with
    its lines; its status follows its deliveries."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        PARTLY_DELIVERED = "partly_delivered", _("Partly delivered")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    account = models.ForeignKey(
        "accounts.Account",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    quote = models.ForeignKey(
        Quote, verbose_name=_("quote"), null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    currency = models.CharField(_("currency"), max_length=3, default=default_currency, validators=[validate_currency])
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED)
    ordered_on = models.DateField(_("order date"))
    subtotal = models.DecimalField(_("subtotal"), **AMOUNT)
    tax = models.DecimalField(_("tax"), **AMOUNT)
    total = models.DecimalField(_("total"), **AMOUNT)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="orders"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [models.Index(fields=["owner", "status"]), models.Index(fields=["account", "-created_at"])]
        constraints = [
            # One order per accepted quote: accepting twice (two clicks, two tabs) makes one order.
            models.UniqueConstraint(fields=["quote"], condition=Q(quote__isnull=False), name="one_order_per_quote"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(Line):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Kept up to date by the deliveries (crm.sales.services.orders).
    delivered = models.DecimalField(_("delivered"), default=0, **QUANTITY)

    class Meta(Line.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.position}. {self.description}"


def logo_path(_settings: "DocumentSettings", filename: str) -> str:
    """MEDIA_ROOT/<schema_name>/documents/logo/<random>/<name>, beside the
    tenant's attachments and stored the same way (never served directly)."""
    return f"{connection.schema_name}/documents/logo/{uuid.uuid4().hex}/{filename}"  # type: ignore[attr-defined]


class DocumentSettings(models.Model):
    """What the tenant's documents (quote and order PDFs) say about the company:
    one row (pk 1), edited by an admin in settings."""

    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    address = models.TextField(_("address"), max_length=1000, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    tax_id = models.CharField(_("tax ID"), max_length=50, blank=True)
    logo = models.FileField(_("logo"), storage=attachment_storage, upload_to=logo_path, max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document settings")
        verbose_name_plural = _("document settings")

    def __str__(self) -> str:
        return self.company_name or "document settings"
