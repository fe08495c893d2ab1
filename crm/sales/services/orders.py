"""Writes to orders, each with its audit rows in the same transaction."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from crm.access import scope
from crm.access.ownership import new_owner, resolve_owner
from crm.accounts.models import Account
from crm.audit import services as audit
from crm.catalog import selectors as catalog
from crm.deals import currencies
from crm.deals.models import Deal
from crm.sales import numbering
from crm.sales.lines import build_lines
from crm.sales.models import Order, OrderLine, Quote
from crm.sales.totals import price_lines

if TYPE_CHECKING:
    from crm.users.models import User


def _fill(order: Order, lines: list[OrderLine]) -> None:
    totals = price_lines(lines, order.currency)
    order.subtotal, order.tax, order.total = totals.subtotal, totals.tax, totals.total
    order.save()
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)


def create_order_from_quote(*, quote: Quote, by: User | None) -> Order:
    """The order of an accepted quote: its account, deal, currency, lines and
    owner, dated today (the company's). In the caller's transaction (accept_quote's);
    a second order of the same quote is refused by a unique index (ValidationError)."""
    order = Order(
        number=numbering.next_number("order"),
        account=quote.account,
        quote=quote,
        deal=quote.deal,
        currency=quote.currency,
        ordered_on=numbering.company_today(),
        owner=quote.owner,
    )
    lines = [
        OrderLine(
            position=line.position,
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
        )
        for line in quote.lines.all()
    ]
    try:
        with transaction.atomic():
            _fill(order, lines)
    except IntegrityError:
        raise ValidationError({"detail": _("This quote already has its order.")}) from None
    audit.record(
        actor=by, action="order.created", target=order, payload={"number": order.number, "quote": quote.number}
    )
    return order


@transaction.atomic
def create_order(
    *,
    by: User,
    lines: Iterable[Mapping[str, Any]] = (),
    account: Account | None = None,
    deal: Deal | None = None,
    currency: str | None = None,
    ordered_on: datetime.date | None = None,
    notes: str = "",
    owner: User | None = None,
) -> Order:
    """An order typed without a quote (a repeat order by phone), priced like a quote."""
    if account is None and deal is not None:
        account = deal.account
    if account is None:
        raise ValidationError({"account": [_("Choose the account the order is for.")]})
    for field, record, model in (("account", account, Account), ("deal", deal, Deal)):
        if record is not None and not scope.visible(model.objects.filter(pk=record.pk), by).exists():
            raise ValidationError({field: [_("No such record.")]})
    try:
        currency = currencies.normalise_currency(
            currency or (deal.currency if deal else "") or settings.DEFAULT_CURRENCY
        )
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc
    built = build_lines(
        lines, line_class=OrderLine, currency=currency, price_list=catalog.price_list_for(account, currency)
    )
    if not built:
        raise ValidationError({"lines": [_("An order needs at least one line.")]})
    order = Order(
        number=numbering.next_number("order"),
        account=account,
        deal=deal,
        currency=currency,
        ordered_on=ordered_on or numbering.company_today(),
        notes=notes,
        owner=resolve_owner(by=by, owner=owner),
    )
    _fill(order, built)
    audit.record(actor=by, action="order.created", target=order, payload={"number": order.number})
    return order


@transaction.atomic
def cancel_order(*, order: Order, by: User, reason: str = "") -> Order:
    """Cancel an order nothing of which was delivered yet."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.CONFIRMED:
        raise ValidationError({"detail": _("Only a confirmed order with nothing delivered can be cancelled.")})
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=by,
        action="order.cancelled",
        target=order,
        payload={"status": ["confirmed", "cancelled"], "reason": reason[:500]},
    )
    return order


@transaction.atomic
def update_order(*, order: Order, by: User, **values: Any) -> Order:
    """Change an order's notes or owner (its lines and amounts are the customer's
    order: a changed order is cancelled and made again)."""
    unknown = set(values) - {"notes", "owner"}
    if unknown:
        raise ValidationError({name: [_("This cannot be changed on an order.")] for name in sorted(unknown)})
    order = Order.objects.select_for_update().get(pk=order.pk)
    if "owner" in values:
        values["owner"] = new_owner(by=by, record=order, owner=values["owner"])
    diff = audit.changes(order, ("notes", "owner"), values)
    for field in diff:
        setattr(order, field, values[field])
    if diff:
        order.save(update_fields=[*diff, "updated_at"])
        audit.record(actor=by, action="order.updated", target=order, payload=diff)
    return order
