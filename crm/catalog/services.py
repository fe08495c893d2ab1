"""Writes to the catalogue, each with its audit row in the same transaction.
The catalogue is the company's, not a salesperson's: the pages and the API
let only admins and directors change it (crm.access.permissions.may_manage_catalog)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from crm.access import permissions
from crm.accounts.models import Account
from crm.audit import services as audit
from crm.audit import versions
from crm.builder import services as builder
from crm.catalog.models import Category, PriceList, PriceListItem, Product
from crm.deals import currencies

if TYPE_CHECKING:
    from crm.users.models import User

_PRODUCT_FIELDS = (
    "sku",
    "name",
    "kind",
    "category",
    "unit",
    "unit_price",
    "currency",
    "cost",
    "tax_rate",
    "description",
    "active",
)


def _check_may_manage(by: User | None) -> None:
    if by is not None and not permissions.may_manage_catalog(by):
        raise PermissionDenied(_("Only admins and directors change the catalogue."))


def _full_clean(instance: Any, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _currency(code: str) -> str:
    try:
        return currencies.normalise_currency(code)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc


@transaction.atomic
def create_product(
    *, by: User | None, sku: str, name: str, unit_price: Decimal, custom: Mapping[str, Any] | None = None, **values: Any
) -> Product:
    """Add a product (admins and directors: PermissionDenied otherwise). The SKU
    is unique in the tenant, compared without surrounding spaces and case
    ("ab-1" and "AB-1 " are one SKU): a second one is a ValidationError on `sku`."""
    _check_may_manage(by)
    unknown = set(values) - set(_PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"create_product() got unexpected fields {sorted(unknown)}")
    permissions.check_writable(
        by, "products", [*(k for k, v in values.items() if v not in (None, "")), *(custom or {})]
    )
    if "currency" in values:
        values["currency"] = _currency(values["currency"])
    product = Product(sku=sku.strip(), name=name.strip(), unit_price=unit_price, **values)
    _check_sku(product)
    _full_clean(product, exclude=["sku"])
    product.save()
    audit.record(actor=by, action="product.created", target=product, payload={"name": str(product)})
    if custom:
        builder.set_custom_values(object_name="products", record_id=product.pk, values=custom, by=by)
    return product


def _check_sku(product: Product) -> None:
    if not product.sku:
        raise ValidationError({"sku": [_("Enter a SKU.")]})
    if len(product.sku) > 64:
        raise ValidationError({"sku": [_("A SKU has at most 64 characters.")]})
    taken = Product.objects.filter(sku__iexact=product.sku).exclude(pk=product.pk)
    if taken.exists():
        raise ValidationError({"sku": [_("Another product has the SKU %(sku)s.") % {"sku": product.sku}]})


@transaction.atomic
def update_product(
    *,
    product: Product,
    by: User | None,
    custom: Mapping[str, Any] | None = None,
    expected_version: str | None = None,
    **values: Any,
) -> Product:
    """Change the given fields of a product, only what changes, on the locked
    row; StaleRecord when it is no longer at `expected_version`."""
    _check_may_manage(by)
    unknown = set(values) - set(_PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"update_product() got unexpected fields {sorted(unknown)}")
    versions.lock(product)
    versions.check(product, expected_version)
    permissions.check_writable(by, "products", [*values, *(custom or {})])
    if "currency" in values:
        values["currency"] = _currency(values["currency"])
    if isinstance(values.get("sku"), str):
        values["sku"] = values["sku"].strip()
    diff = audit.changes(product, _PRODUCT_FIELDS, values)
    for field in diff:
        setattr(product, field, values[field])
    if "sku" in diff:
        _check_sku(product)
    _full_clean(product, exclude=["sku"])
    changed = dict(diff)
    if custom:
        changed.update(builder.set_custom_values(object_name="products", record_id=product.pk, values=custom, by=by))
    if diff:
        audit.record(actor=by, action="product.updated", target=product, payload=diff)
    if changed:
        product.save(update_fields=sorted({*diff, "updated_at"}))
    return product


@transaction.atomic
def delete_product(*, product: Product, by: User | None) -> None:
    """Delete a product no document uses; one that a quote or order line uses is
    deactivated instead (ValidationError saying so), so old documents keep it."""
    _check_may_manage(by)
    versions.lock(product)
    audit.record(actor=by, action="product.deleted", target=product, payload={"name": str(product)})
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError:
        raise ValidationError(
            {"detail": _("Documents use this product; make it inactive instead of deleting it.")}
        ) from None


@transaction.atomic
def create_category(*, by: User | None, name: str, parent: Category | None = None) -> Category:
    """Add a category under `parent` (a root when None); names are unique among siblings."""
    _check_may_manage(by)
    category = Category(name=name.strip(), parent=parent)
    _full_clean(category)
    category.save()
    audit.record(actor=by, action="category.created", target=category, payload={"name": category.name})
    return category


@transaction.atomic
def update_category(*, category: Category, by: User | None, name: str | None = None, parent: Any = ...) -> Category:
    """Rename or move a category; moving it under itself or one of its
    descendants is a ValidationError on `parent` (the tree stays a tree)."""
    _check_may_manage(by)
    category = Category.objects.select_for_update().get(pk=category.pk)
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = name.strip()
    if parent is not ...:
        node = parent
        while node is not None:
            if node.pk == category.pk:
                raise ValidationError({"parent": [_("A category cannot be placed under itself.")]})
            node = node.parent
        values["parent"] = parent
    diff = audit.changes(category, ("name", "parent"), values)
    for field in diff:
        setattr(category, field, values[field])
    _full_clean(category)
    if diff:
        category.save(update_fields=list(diff))
        audit.record(actor=by, action="category.updated", target=category, payload=diff)
    return category


@transaction.atomic
def delete_category(*, category: Category, by: User | None) -> None:
    """Delete an empty category; its products lose their category, a category
    with sub-categories is refused (ValidationError)."""
    _check_may_manage(by)
    if category.children.exists():
        raise ValidationError({"detail": _("Move or delete its sub-categories first.")})
    audit.record(actor=by, action="category.deleted", target=category, payload={"name": category.name})
    category.delete()


def _clean_items(items: Iterable[Mapping[str, Any]]) -> list[PriceListItem]:
    rows: list[PriceListItem] = []
    errors: dict[str, list[str]] = {}
    seen: set[tuple[int, Decimal]] = set()
    for index, item in enumerate(items):
        row = PriceListItem(
            product=item["product"],
            min_quantity=Decimal(item["min_quantity"]) if item.get("min_quantity") is not None else Decimal(1),
            unit_price=item["unit_price"],
        )
        try:
            row.full_clean(exclude=["price_list"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors[f"items[{index}]"] = [f"{k}: {m}" for k, ms in exc.message_dict.items() for m in ms]
            continue
        key = (row.product.pk, Decimal(row.min_quantity))
        if key in seen:
            errors[f"items[{index}]"] = [_("This product already has a price from this quantity.")]
        seen.add(key)
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return rows


def _check_one_active(price_list: PriceList) -> None:
    if not price_list.active:
        return
    clash = PriceList.objects.filter(
        active=True, currency=price_list.currency, account_level=price_list.account_level
    ).exclude(pk=price_list.pk)
    if clash.exists():
        raise ValidationError({"account_level": [_("Another active price list has this currency and customer level.")]})


@transaction.atomic
def save_price_list(
    *,
    by: User | None,
    price_list: PriceList | None = None,
    items: Iterable[Mapping[str, Any]] | None = None,
    **values: Any,
) -> PriceList:
    """Create (price_list None) or change a price list and, when `items` is
    given, replace its items ({"product", "min_quantity", "unit_price"}). Only
    one active list per currency and customer level (ValidationError on
    `account_level`)."""
    _check_may_manage(by)
    creating = price_list is None
    price_list = PriceList() if price_list is None else PriceList.objects.select_for_update().get(pk=price_list.pk)
    if "currency" in values:
        values["currency"] = _currency(values["currency"])
    diff = audit.changes(price_list, ("name", "currency", "account_level", "active"), values)
    for field, value in values.items():
        setattr(price_list, field, value)
    if price_list.account_level and price_list.account_level not in Account.Level.values:
        raise ValidationError({"account_level": [_("Choose a customer level, or none for every level.")]})
    _full_clean(price_list, exclude=["name"] if not creating and "name" not in values else ())
    _check_one_active(price_list)
    rows = _clean_items(items) if items is not None else None
    price_list.save()
    if rows is not None:
        price_list.items.all().delete()
        for row in rows:
            row.price_list = price_list
        PriceListItem.objects.bulk_create(rows)
    payload: dict[str, Any] = {"name": price_list.name} if creating else dict(diff)
    if rows is not None:
        payload["items"] = len(rows)
    if creating or payload:
        audit.record(
            actor=by,
            action="price_list.created" if creating else "price_list.updated",
            target=price_list,
            payload=payload,
        )
    return price_list


@transaction.atomic
def delete_price_list(*, price_list: PriceList, by: User | None) -> None:
    """Delete a price list and its items; documents keep the prices they were made with."""
    _check_may_manage(by)
    audit.record(actor=by, action="price_list.deleted", target=price_list, payload={"name": price_list.name})
    price_list.delete()
