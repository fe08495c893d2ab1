"""What other areas add to an account's or a contact's page (deals, activities,
files, sharing), each shown only when the user may use that module or action."""

from django.utils.translation import gettext as _

from crm.access.permissions import may_use_module
from crm.accounts import sharing
from crm.accounts.selectors import accounts_visible_to, with_watched
from crm.activities.selectors import timeline_for
from crm.attachments.selectors import attachments_of
from crm.contacts.selectors import contacts_visible_to
from crm.deals.selectors import deals_visible_to
from crm.users.selectors import users_with_teams


def for_account(user, account, activity_form=None):
    context = {
        **_files_and_sharing(user, account),
        "watched": with_watched(accounts_visible_to(user).filter(pk=account.pk), user)
        .values_list("watched", flat=True).first(),
        # Release asks the same as sharing: the owner, their managers, directors, admins.
        "may_release": account.owner_id is not None and sharing.owner_or_above(user, account),
    }
    if may_use_module(user, "deals"):
        context["deals"] = deals_visible_to(user).filter(account=account).order_by("-updated_at", "-id")[:50]
    if may_use_module(user, "activities"):
        from crm.web.forms import ActivityForm

        context["timeline"] = timeline_for(user, account)[:50]
        context["activity_form"] = activity_form or ActivityForm()
    return context


def for_contact(user, contact):
    return _files_and_sharing(user, contact)


def for_dashboard(user):
    return {}


def _files_and_sharing(user, record):
    context = {"attachments": attachments_of(record).select_related("uploaded_by"),
               "may_share": sharing.owner_or_above(user, record)}
    if context["may_share"]:
        shared = sharing.shared_with(record)
        active = users_with_teams().filter(is_active=True)
        context["shared_users"] = active.filter(pk__in=shared)
        context["share_candidates"] = active.exclude(pk__in=shared).exclude(pk=record.owner_id)
    return context


def merge_preview(user, other):
    """What merging `other` (an account or a contact) into another record moves,
    as [(label, count)] of what `user` can see; the merge itself moves it all."""
    moves = []
    if other._meta.model_name == "account":
        moves.append((_("Contacts"), contacts_visible_to(user).filter(account_links__account=other).distinct().count()))
        if may_use_module(user, "deals"):
            moves.append((_("Deals"), deals_visible_to(user).filter(account=other).count()))
    elif may_use_module(user, "deals"):
        moves.append((_("Deals"), deals_visible_to(user).filter(contacts=other).distinct().count()))
    if may_use_module(user, "activities"):
        moves.append((_("Activities"), timeline_for(user, other).count()))
    moves.append((_("Files"), attachments_of(other).count()))
    return moves
