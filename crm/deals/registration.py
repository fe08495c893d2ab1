"""Deal registration (商机报备): deals above the tenant's threshold are registered
by submitting them to the approval engine as the kind "deal_registration"
(registered in DealsConfig.ready). A deal's registration status is that of
its latest request."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.access import masking
from crm.access.permissions import may_use_module
from crm.activities.services import notify
from crm.approvals import selectors as approvals
from crm.approvals.models import ApprovalRequest
from crm.approvals.registry import ValueField
from crm.audit import services as audit
from crm.deals import currencies
from crm.deals.models import Deal, RegistrationRule
from crm.deals.selectors import deal_get_for_user
from crm.users.models import User

KIND = "deal_registration"
LABEL = gettext_lazy("Deal registration")
# What a step condition of the kind's flow may test.
FIELDS = (
    ValueField("amount", gettext_lazy("Amount"), "decimal", masked_as=("deals", "amount")),
    ValueField("currency", gettext_lazy("Currency"), "text"),
    ValueField("stage", gettext_lazy("Stage"), "text"),
    ValueField("owner", gettext_lazy("Owner"), "user"),
)


# The kind's callables (crm.approvals.registry) ------------------------------------


def values(deal: Deal) -> dict[str, Any]:
    """What the flow's conditions test: the deal's amount, currency, stage name and owner (id)."""
    return {"amount": deal.amount, "currency": deal.currency, "stage": deal.stage.name, "owner": deal.owner_id}


def get_for_user(user: User, pk: Any) -> Deal:
    """The deal as `user` may see it (the deals module too); Http404 otherwise."""
    if not may_use_module(user, "deals"):
        raise Http404
    return deal_get_for_user(user, pk)


def get(pk: Any) -> Deal:
    """The deal whoever looks (the engine's own read when a request is decided)."""
    return Deal.objects.select_related("stage", "owner").get(pk=pk)


def on_decided(deal: Deal, outcome: str, by: User | None) -> None:
    """The deal's owner hears how its registration ended when someone else
    registered it (the submitter hears from the engine itself)."""
    latest = approvals.requests_for_subject(KIND, deal.pk).first()
    if outcome == "withdrawn" or latest is None or latest.submitted_by_id == deal.owner_id:
        return
    texts = {
        "approved": _("Your deal is registered: %(deal)s"),
        "rejected": _("The registration of your deal was rejected: %(deal)s"),
        "returned": _("The registration of your deal was returned: %(deal)s"),
    }
    notify(user=deal.owner, text=texts[outcome] % {"deal": deal.name}, link=url(deal))


def url(deal: Deal) -> str:
    return reverse("deal", args=[deal.pk])


# The tenant's rule and a deal's status ----------------------------------------------


def registration_rule() -> RegistrationRule:
    """The tenant's rule (made on first use: no threshold, so no deal needs registration)."""
    rule, _created = RegistrationRule.objects.get_or_create(pk=1)
    return rule


def needs_registration(deal: Deal, rule: RegistrationRule | None = None) -> bool:
    """Whether the rule asks `deal` to be registered: same currency, amount above the threshold."""
    rule = rule or registration_rule()
    return rule.threshold is not None and deal.currency == rule.currency and deal.amount > rule.threshold


@dataclass(frozen=True)
class RegistrationStatus:
    required: bool
    request: ApprovalRequest | None

    @property
    def status(self) -> str | None:
        """ "pending", "approved", "rejected", "returned", "withdrawn", or None (never registered)."""
        return self.request.status if self.request is not None else None

    @property
    def shown(self) -> bool:
        """Whether the deal's page has anything to say about registration."""
        return self.required or self.request is not None


def status_of(deal: Deal, viewer: User) -> RegistrationStatus:
    """`deal`'s registration as `viewer` may know it: whether the rule asks for
    it and its latest request. "Above the threshold" says something of the
    amount, so a viewer who sees the amount masked is not told (a request's
    status is no secret). The caller has fetched the deal through `viewer`'s scope."""
    required = not masking.hides(viewer, "deals", "amount") and needs_registration(deal)
    return RegistrationStatus(required=required, request=approvals.requests_for_subject(KIND, deal.pk).first())


@transaction.atomic
def update_rule(*, by: User, threshold: Decimal | None, currency: str) -> RegistrationRule:
    """Change which deals need registration (admin pages check the role); audit row old → new."""
    rule = RegistrationRule.objects.select_for_update().get(pk=registration_rule().pk)
    if threshold is not None and threshold < 0:
        raise ValidationError({"threshold": [_("Enter an amount of zero or more.")]})
    try:
        currency = currencies.normalise_currency(currency)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc
    values = {"threshold": threshold, "currency": currency}
    diff = audit.changes(rule, ("threshold", "currency"), values)
    rule.threshold, rule.currency = threshold, currency
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    rule.save()
    if diff:
        audit.record(actor=by, action="deal.registration_rule_changed", target=rule, payload=diff)
    return rule
