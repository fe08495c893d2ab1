"""Writes to quotes, each with its audit rows in the same transaction.

A quote's life: draft → (submit) pending_approval → approved (at once when the
tenant's approval flow for quotes has no step that applies) → sent → accepted
(an order is made) or rejected (declined by the customer); expired when its
validity passes unanswered. An approval that is rejected leaves it `rejected`,
returned or withdrawn leaves it `draft`. Only drafts and rejected quotes are
edited (an edit makes a rejected quote a draft again); an approved quote goes
back to draft first (`reopen_quote`), a sent one is revised into a new version."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.access import permissions, scope
from crm.access.ownership import check_may_delete, new_owner, resolve_owner
from crm.accounts.models import Account
from crm.approvals import selectors as approvals
from crm.approvals import services as approval_services
from crm.audit import services as audit
from crm.audit import versions
from crm.catalog import selectors as catalog
from crm.catalog.models import PriceList
from crm.contacts.models import Contact
from crm.deals import currencies
from crm.deals.models import Deal
from crm.sales import numbering
from crm.sales.lines import build_lines
from crm.sales.models import Order, Quote, QuoteLine
from crm.sales.totals import price_lines

if TYPE_CHECKING:
    from crm.users.models import User

APPROVAL_KIND = "quote"
_Record = TypeVar("_Record", bound=models.Model)
_EDITABLE = ("title", "account", "contact", "deal", "currency", "price_list", "valid_until", "terms", "notes", "owner")
EDITABLE_STATUSES = (Quote.Status.DRAFT, Quote.Status.REJECTED)


def _check_related(by: User, *, account: Account | None, contact: Contact | None, deal: Deal | None) -> None:
    """The account, contact and deal a quote points at are ones `by` may see
    (the same message whether missing or out of scope)."""
    for field, record, model in (("account", account, Account), ("contact", contact, Contact), ("deal", deal, Deal)):
        if record is not None and not scope.visible(model.objects.filter(pk=record.pk), by).exists():
            raise ValidationError({field: [_("No such record.")]})


def _currency(code: str) -> str:
    try:
        return currencies.normalise_currency(code)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc


def _set_lines(quote: Quote, rows: Iterable[Mapping[str, Any]]) -> None:
    lines = build_lines(rows, line_class=QuoteLine, currency=quote.currency, price_list=quote.price_list)
    totals = price_lines(lines, quote.currency)
    quote.subtotal, quote.tax, quote.total, quote.max_discount = (
        totals.subtotal,
        totals.tax,
        totals.total,
        totals.max_discount,
    )
    quote.save()
    quote.lines.all().delete()
    for line in lines:
        line.quote = quote
    QuoteLine.objects.bulk_create(lines)


def _validate(quote: Quote) -> None:
    try:
        quote.full_clean(exclude=["owner", "number", "account", "contact", "deal", "price_list", "revision_of"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


@transaction.atomic
def create_quote(
    *,
    by: User,
    lines: Iterable[Mapping[str, Any]] = (),
    account: Account | None = None,
    deal: Deal | None = None,
    contact: Contact | None = None,
    currency: str | None = None,
    price_list: PriceList | None = None,
    title: str = "",
    valid_until: datetime.date | None = None,
    terms: str = "",
    notes: str = "",
    owner: User | None = None,
) -> Quote:
    """A draft quote for `account` (default: the deal's), numbered, its lines
    priced from the account's price list where no price is given, totals
    computed; one transaction with its audit row. The deal's currency is the
    default currency; a price list in another currency is refused."""
    if account is None and deal is not None:
        account = deal.account
    if account is None and deal is None:
        raise ValidationError({"account": [_("Choose the account or the deal the quote is for.")]})
    _check_related(by, account=account, contact=contact, deal=deal)
    currency = _currency(currency or (deal.currency if deal is not None else "") or settings.DEFAULT_CURRENCY)
    if price_list is None:
        price_list = catalog.price_list_for(account, currency)
    elif price_list.currency != currency:
        raise ValidationError({"price_list": [_("This price list is in another currency.")]})
    quote = Quote(
        number=numbering.next_number("quote"),
        title=title.strip() or (deal.name if deal is not None else ""),
        account=account,
        contact=contact,
        deal=deal,
        currency=currency,
        price_list=price_list,
        valid_until=valid_until,
        terms=terms,
        notes=notes,
        owner=resolve_owner(by=by, owner=owner),
    )
    _validate(quote)
    _set_lines(quote, lines)
    audit.record(
        actor=by, action="quote.created", target=quote, payload={"number": quote.number, "total": str(quote.total)}
    )
    return quote


def _check_editable(quote: Quote) -> None:
    if quote.status in EDITABLE_STATUSES:
        return
    messages = {
        Quote.Status.PENDING_APPROVAL: _("This quote is waiting for approval; withdraw it to change it."),
        Quote.Status.APPROVED: _("This quote is approved; reopen it as a draft to change it."),
    }
    raise ValidationError(
        {"detail": messages.get(Quote.Status(quote.status), _("This quote was sent; revise it to change it."))}
    )


@transaction.atomic
def update_quote(
    *,
    quote: Quote,
    by: User,
    lines: Iterable[Mapping[str, Any]] | None = None,
    expected_version: str | None = None,
    **values: Any,
) -> Quote:
    """Change a draft (or rejected) quote: fields, and its lines when `lines` is
    given (replaced as a whole; prices filled in as on creation); totals
    recomputed; a rejected quote becomes a draft. Only what changes is written;
    StaleRecord when it is no longer at `expected_version`."""
    unknown = set(values) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"update_quote() got unexpected fields {sorted(unknown)}")
    versions.lock(quote)
    versions.check(quote, expected_version)
    _check_editable(quote)
    permissions.check_writable(by, "quotes", list(values))
    _check_related(by, account=values.get("account"), contact=values.get("contact"), deal=values.get("deal"))
    if "currency" in values:
        values["currency"] = _currency(values["currency"])
    if "owner" in values:
        values["owner"] = new_owner(by=by, record=quote, owner=values["owner"])
    diff = audit.changes(quote, _EDITABLE, values)
    for field in diff:
        setattr(quote, field, values[field])
    if quote.price_list is not None and quote.price_list.currency != quote.currency:
        raise ValidationError({"price_list": [_("This price list is in another currency.")]})
    if quote.account_id is None and quote.deal_id is None:
        raise ValidationError({"account": [_("Choose the account or the deal the quote is for.")]})
    _validate(quote)
    if quote.status == Quote.Status.REJECTED:
        quote.status = Quote.Status.DRAFT
        diff["status"] = [Quote.Status.REJECTED, Quote.Status.DRAFT]
    before = str(quote.total)
    if lines is not None:
        _set_lines(quote, lines)
        if str(quote.total) != before:
            diff["total"] = [before, str(quote.total)]
    elif "currency" in diff:
        # Same lines, new currency: amounts are rounded to the new currency's minor unit.
        _set_lines(quote, _current_rows(quote))
    if diff:
        audit.record(actor=by, action="quote.updated", target=quote, payload=diff)
        quote.save()
    return quote


def _current_rows(quote: Quote) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product,
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "tax_rate": line.tax_rate,
        }
        for line in quote.lines.select_related("product")
    ]


def _set_status(quote: Quote, status: str, by: User | None, action: str, **payload: Any) -> None:
    old = quote.status
    quote.status = status
    quote.save(update_fields=["status", "sent_at", "decided_at", "superseded", "updated_at"])
    audit.record(actor=by, action=action, target=quote, payload={"status": [old, status], **payload})


def _locked(quote: Quote) -> Quote:
    return Quote.objects.select_for_update(of=("self",)).select_related("owner", "deal", "account").get(pk=quote.pk)


@transaction.atomic
def submit_quote(*, quote: Quote, by: User) -> Quote:
    """Ask for approval (crm.approvals, kind "quote"): the quote waits for its
    approvers, or is approved at once when the tenant has no flow for quotes or
    no step of it applies (e.g. "largest discount above 0.15" not met). A quote without lines, or
    not a draft, is refused."""
    quote = _locked(quote)
    if quote.status not in EDITABLE_STATUSES:
        raise ValidationError({"detail": _("Only a draft quote can be submitted.")})
    if not quote.lines.exists():
        raise ValidationError({"lines": [_("Add at least one line before submitting.")]})
    _set_status(quote, Quote.Status.PENDING_APPROVAL, by, "quote.submitted")
    approval_services.submit(kind=APPROVAL_KIND, subject=quote, by=by)
    quote.refresh_from_db()
    return quote


def on_approval_decided(quote: Quote, outcome: str, by: User | None) -> None:
    """The approval engine's answer (inside its transaction): approved → approved,
    rejected → rejected, returned or withdrawn → draft again."""
    quote = _locked(quote)
    if quote.status != Quote.Status.PENDING_APPROVAL:
        return
    status = {"approved": Quote.Status.APPROVED, "rejected": Quote.Status.REJECTED}.get(outcome, Quote.Status.DRAFT)
    _set_status(quote, status, by, f"quote.approval_{outcome}")


@transaction.atomic
def reopen_quote(*, quote: Quote, by: User) -> Quote:
    """Back to draft: an approved quote (its approval no longer counts) or one
    waiting for approval (the request is withdrawn)."""
    quote = _locked(quote)
    if quote.status == Quote.Status.PENDING_APPROVAL:
        request = approvals.requests_for_subject(APPROVAL_KIND, quote.pk).filter(status="pending").first()
        if request is not None:
            approval_services.withdraw(request=request, by=request.submitted_by)
            quote.refresh_from_db()
        return quote
    if quote.status != Quote.Status.APPROVED:
        raise ValidationError({"detail": _("Only an approved quote can be reopened as a draft.")})
    _set_status(quote, Quote.Status.DRAFT, by, "quote.reopened")
    return quote


@transaction.atomic
def mark_sent(*, quote: Quote, by: User) -> Quote:
    """The approved quote went to the customer (by e-mail from the CRM, or by hand)."""
    quote = _locked(quote)
    if quote.status not in (Quote.Status.APPROVED, Quote.Status.SENT):
        raise ValidationError({"detail": _("Only an approved quote can be sent.")})
    quote.sent_at = timezone.now()
    _set_status(quote, Quote.Status.SENT, by, "quote.sent")
    return quote


def _check_open_for_answer(quote: Quote) -> None:
    if quote.superseded:
        raise ValidationError({"detail": _("A newer version of this quote exists.")})
    if quote.status not in (Quote.Status.APPROVED, Quote.Status.SENT):
        raise ValidationError({"detail": _("Only an approved or sent quote can be accepted or declined.")})


@transaction.atomic
def accept_quote(*, quote: Quote, by: User) -> Order:
    """The customer accepted: the quote is accepted and an order carrying its
    lines is made (owned by the quote's owner), in one transaction. Accepting
    twice is refused and makes no second order."""
    from crm.sales.services.orders import create_order_from_quote

    quote = _locked(quote)
    _check_open_for_answer(quote)
    quote.decided_at = timezone.now()
    _set_status(quote, Quote.Status.ACCEPTED, by, "quote.accepted")
    return create_order_from_quote(quote=quote, by=by)


@transaction.atomic
def decline_quote(*, quote: Quote, by: User, reason: str = "") -> Quote:
    """The customer declined."""
    quote = _locked(quote)
    _check_open_for_answer(quote)
    quote.decided_at = timezone.now()
    _set_status(quote, Quote.Status.REJECTED, by, "quote.declined", reason=reason[:500])
    return quote


@transaction.atomic
def revise_quote(*, quote: Quote, by: User) -> Quote:
    """A new draft version of a sent (or declined, expired, approved) quote,
    with the same number, lines and values; the old version stays readable,
    marked superseded."""
    quote = _locked(quote)
    if quote.superseded:
        raise ValidationError({"detail": _("A newer version of this quote exists; revise that one.")})
    if quote.status in (Quote.Status.DRAFT, Quote.Status.PENDING_APPROVAL, Quote.Status.ACCEPTED):
        raise ValidationError({"detail": _("Only a sent, approved, declined or expired quote is revised.")})
    rows = _current_rows(quote)
    quote.superseded = True
    quote.save(update_fields=["superseded", "updated_at"])
    revision = Quote.objects.create(
        number=quote.number,
        version=quote.version + 1,
        revision_of=quote,
        **{field: getattr(quote, field) for field in ("title", "account", "contact", "deal", "currency", "price_list")},
        valid_until=quote.valid_until,
        terms=quote.terms,
        notes=quote.notes,
        owner=quote.owner,
    )
    lines = [QuoteLine(quote=revision, position=i, **row) for i, row in enumerate(rows, start=1)]
    totals = price_lines(lines, revision.currency)
    QuoteLine.objects.bulk_create(lines)
    revision.subtotal, revision.tax, revision.total, revision.max_discount = (
        totals.subtotal,
        totals.tax,
        totals.total,
        totals.max_discount,
    )
    revision.save()
    audit.record(actor=by, action="quote.revised", target=quote, payload={"version": revision.version})
    audit.record(
        actor=by,
        action="quote.created",
        target=revision,
        payload={"number": revision.number, "version": revision.version},
    )
    return revision


@transaction.atomic
def delete_quote(*, quote: Quote, by: User) -> None:
    """Delete a draft (its owner, their managers, directors, admins). A quote
    that was submitted keeps its number for good: it is declined or left to
    expire, so the numbering has no gap a reader could not explain."""
    versions.lock(quote)
    check_may_delete(by=by, record=quote)
    if quote.status != Quote.Status.DRAFT or quote.version > 1 or _was_submitted(quote):
        raise ValidationError({"detail": _("Only a draft that was never submitted can be deleted.")})
    audit.record(actor=by, action="quote.deleted", target=quote, payload={"number": quote.number})
    quote.delete()


def _was_submitted(quote: Quote) -> bool:
    return approvals.requests_for_subject(APPROVAL_KIND, quote.pk).exists()


def expire_quotes(*, today: datetime.date | None = None) -> int:
    """Approved or sent quotes whose validity ended before `today` (the
    company's) are expired; returns how many. Run daily by beat."""
    today = today or numbering.company_today()
    count = 0
    for pk in Quote.objects.filter(
        status__in=(Quote.Status.APPROVED, Quote.Status.SENT), valid_until__lt=today, superseded=False
    ).values_list("pk", flat=True):
        with transaction.atomic():
            quote = Quote.objects.select_for_update().get(pk=pk)
            if quote.status in (Quote.Status.APPROVED, Quote.Status.SENT):
                _set_status(quote, Quote.Status.EXPIRED, None, "quote.expired")
                count += 1
    return count


def _visible(by: User, record: _Record | None) -> _Record | None:
    if record is not None and scope.visible(type(record)._default_manager.filter(pk=record.pk), by).exists():
        return record
    return None


def send_quote(*, quote: Quote, by: User, to: str, subject: str = "", message: str = "", language: str = "en") -> Quote:
    """E-mail an approved (or already sent) quote as a PDF to `to`, through
    Django's e-mail backend once the transaction commits (no mail for a change
    that rolled back; a mail server that fails is logged, the quote stays sent).
    The quote is marked sent and an e-mail activity is logged on its deal,
    account and contact (those `by` may see), in one transaction."""
    from crm.activities.models import Activity
    from crm.activities.services import log_activity
    from crm.sales.pdf import file_name, quote_pdf

    to = to.strip()
    try:
        validate_email(to)
    except ValidationError:
        raise ValidationError({"to": [_("Enter a valid e-mail address.")]}) from None
    if quote.superseded:
        raise ValidationError({"detail": _("A newer version of this quote exists.")})
    if quote.status not in (Quote.Status.APPROVED, Quote.Status.SENT):
        raise ValidationError({"detail": _("Only an approved quote can be sent.")})
    label = str(quote.number if quote.version == 1 else f"{quote.number} v{quote.version}")
    with translation.override(language):
        subject = subject.strip() or _("Quote %(number)s") % {"number": label}
        # The PDF is made before any row is locked: it takes a good part of a second.
        attachment = quote_pdf(quote, language=language, reader=by)
    email = EmailMessage(
        subject=subject[:200],
        body=message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[by.email] if by.email else None,
    )
    email.attach(file_name(quote), attachment, "application/pdf")
    with transaction.atomic():
        quote = mark_sent(quote=quote, by=by)
        log_activity(
            by=by,
            kind=Activity.Kind.EMAIL,
            subject=subject[:200],
            body=_("%(number)s sent to %(to)s.") % {"number": label, "to": to} + (f"\n\n{message}" if message else ""),
            account=_visible(by, quote.account),
            contact=_visible(by, quote.contact),
            deal=_visible(by, quote.deal),
        )
        transaction.on_commit(email.send, robust=True)
    return quote
