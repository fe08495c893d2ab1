"""The catalogue: products and services, their category tree, and price lists
with quantity tiers (issue 16). Products have no owner: the whole catalogue is
visible to everyone who may use the products module; `cost` is a sensitive
field hidden from `sales` by default (migration 0002)."""

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.deals.currencies import validate_currency

# Prices keep four decimals (a unit price of 0.0125 per gram is a real price);
# amounts on documents are rounded to the currency's minor unit (crm.deals.currencies.round_money).
PRICE: dict[str, Any] = {"max_digits": 18, "decimal_places": 4}
RATE: dict[str, Any] = {
    "max_digits": 5,
    "decimal_places": 4,
    "validators": [MinValueValidator(0), MaxValueValidator(1)],
}


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


class Category(models.Model):
    """A node of the product category tree."""

    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unique_category_name_per_parent"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True), name="unique_root_category"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product or service the company sells."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    unit_price = models.DecimalField(_("list price"), validators=[MinValueValidator(0)], **PRICE)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency, validators=[validate_currency])
    cost = models.DecimalField(_("cost"), null=True, blank=True, validators=[MinValueValidator(0)], **PRICE)
    tax_rate = models.DecimalField(_("tax rate"), default=0, **RATE)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class PriceList(models.Model):
    """Prices in one currency, for every account or for one customer level
    (Account.level); a quote for an account uses the list of its currency and
    level, or else the list of its currency for every level, or else list prices."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default=default_currency, validators=[validate_currency])
    # Blank: for accounts of every level.
    account_level = models.CharField(_("customer level"), max_length=10, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency", "account_level", "name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            # One active list per currency and level: which list a quote picks is never a coin toss.
            models.UniqueConstraint(
                fields=["currency", "account_level"], condition=Q(active=True), name="one_active_price_list_per_level"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    """The price of a product from a quantity on (a tier): 1 and up, 10 and up, ..."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    min_quantity = models.DecimalField(
        _("from quantity"), max_digits=14, decimal_places=3, default=1, validators=[MinValueValidator(0)]
    )
    unit_price = models.DecimalField(_("unit price"), validators=[MinValueValidator(0)], **PRICE)

    class Meta:
        ordering = ["product", "min_quantity", "id"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product", "min_quantity"], name="unique_price_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ≥ {self.min_quantity}: {self.unit_price}"
