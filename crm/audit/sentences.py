"""A history row (an audit event) as a sentence a user reads, in their language:
"Li Wei created the account", "Li Wei moved the deal from Proposal to
Negotiation". The one mapping from action codes to sentences; a code without
a sentence reads "<actor>: <code>"."""

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SENTENCES: dict[str, Any] = {
    "account.created": _("%(actor)s created the account"),
    "account.updated": _("%(actor)s edited the account"),
    "account.deleted": _("%(actor)s deleted the account"),
    "account.merged": _("%(actor)s merged another account into this one"),
    "account.merged_into": _("%(actor)s merged the account into another one"),
    "account.watched": _("%(actor)s started watching the account"),
    "account.unwatched": _("%(actor)s stopped watching the account"),
    "contact.created": _("%(actor)s created the contact"),
    "contact.updated": _("%(actor)s edited the contact"),
    "contact.deleted": _("%(actor)s deleted the contact"),
    "contact.merged": _("%(actor)s merged another contact into this one"),
    "contact.merged_into": _("%(actor)s merged the contact into another one"),
    "contact.account_linked": _("%(actor)s linked the contact to an account"),
    "contact.account_unlinked": _("%(actor)s unlinked the contact from its account"),
    "lead.created": _("%(actor)s created the lead"),
    "lead.updated": _("%(actor)s edited the lead"),
    "lead.deleted": _("%(actor)s deleted the lead"),
    "lead.converted": _("%(actor)s converted the lead"),
    "deal.created": _("%(actor)s created the deal"),
    "deal.updated": _("%(actor)s edited the deal"),
    "deal.deleted": _("%(actor)s deleted the deal"),
    "deal.moved": _("%(actor)s moved the deal"),
    "deal.paused": _("%(actor)s paused the deal"),
    "deal.reactivated": _("%(actor)s reactivated the deal"),
    "pool.claimed": _("%(actor)s claimed the account from the pool"),
    "pool.released": _("%(actor)s released the account into the pool"),
    "pool.auto_released": _("%(actor)s returned the account to the pool automatically"),
    "owner.reassigned": _("%(actor)s reassigned the record to another owner"),
    "attachment.added": _("%(actor)s attached a file"),
    "attachment.deleted": _("%(actor)s deleted an attachment"),
}
# A custom object's records ("boat.created"): any other module's create/edit/delete.
GENERIC = {
    "created": _("%(actor)s created the record"),
    "updated": _("%(actor)s edited the record"),
    "deleted": _("%(actor)s deleted the record"),
}
MOVED = _("%(actor)s moved the deal from %(old)s to %(new)s")


def sentence(action: str, actor: Any, payload: Any = None) -> str:
    """`action` done by `actor` (a user, or None: the system) as a sentence."""
    who = str(actor) if actor is not None else gettext("System")
    stages = payload.get("stage_name") if isinstance(payload, dict) else None
    if action == "deal.moved" and isinstance(stages, list) and len(stages) == 2:
        return str(MOVED) % {"actor": who, "old": stages[0], "new": stages[1]}
    text = SENTENCES.get(action) or GENERIC.get(action.rpartition(".")[2])
    if text is None:
        return f"{who}: {action}"
    return str(text) % {"actor": who}
