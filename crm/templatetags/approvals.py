"""`{% approval_card kind subject [submit_label [hint]] %}`: the approval card of a subject
(crm/web/approvals/card.py) for a page that already fetched the subject through
the user's scope. Nothing shows when the admin hid approvals from the user's role."""

from typing import Any

from django import template

from crm.access.approval_scope import may_use_approvals
from crm.web.approvals.card import card_context

register = template.Library()


@register.inclusion_tag("crm/approvals/_card_slot.html", takes_context=True)
def approval_card(
    context: template.Context, kind: str, subject: Any, submit_label: str = "", hint: str = ""
) -> dict[str, Any]:
    request = context["request"]
    if not may_use_approvals(request.user):
        return {"card": None}
    return {"card": card_context(request.user, kind, subject, submit_label, hint), "request": request}
