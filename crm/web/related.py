"""What other areas add to an account's or a contact's page (deals, activities,
tasks, files, sharing), each shown only when the user may use that module or
action, with the fields hidden from the user's role masked (crm.web.masking)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.access.ownership import owner_or_above
from crm.access.permissions import may_use_module
from crm.accounts import sharing
from crm.accounts.selectors import accounts_visible_to, with_watched
from crm.activities.selectors import follow_ups_due, next_contact_of, tasks_visible_to, timeline_for
from crm.attachments.selectors import attachments_of
from crm.contacts.selectors import contacts_visible_to
from crm.deals.selectors import deals_visible_to, open_deals_by_stage
from crm.users.selectors import users_with_teams
from crm.web.masking import masks_for

TIMELINE_ROWS = 50
RECORD_ROWS = 50
# How many rows a related list on a record's page shows before "View all (N)".
RELATED_ROWS = 5


def first_rows(rows, *, every=False):
    """The first RELATED_ROWS of `rows` (a queryset or a list; all of them, up
    to RECORD_ROWS, with `every`) and how many there are in all."""
    total = len(rows) if isinstance(rows, list) else rows.count()
    return list(rows[: RECORD_ROWS if every else RELATED_ROWS]), total


def _list_url(name, **params):
    return reverse(name) + "?" + "&".join(f"{key}={value}" for key, value in params.items())


def timeline(user, record, start=0):
    """The newest activities on `record` `user` may see (TIMELINE_ROWS of them
    from `start`), each with its comments and their authors loaded in two
    queries, not two per commented activity."""
    return timeline_for(user, record).prefetch_related("comments__author")[start : start + TIMELINE_ROWS]


def timeline_start(request):
    """Where the page of a timeline asked for starts: ?timeline_from=, which its
    "Show older" link sets (capped, so a huge number is no database error)."""
    value = request.GET.get("timeline_from", "")
    return min(int(value), 1_000_000) if value.isdigit() else 0


def timeline_page(user, record, start=0):
    """A page of `record`'s timeline from `start`, where the next one starts (None
    at the end) and how many older activities are left after this page."""
    following = start + TIMELINE_ROWS
    left = max(timeline_for(user, record).count() - following, 0)
    return {
        "timeline": timeline(user, record, start),
        "timeline_next": following if left else None,
        "timeline_left": left,
    }


def for_account(request, account, activity_form=None):
    user = request.user
    masks = masks_for(request)
    context = {
        **_files_and_sharing(user, account),
        "watched": with_watched(accounts_visible_to(user).filter(pk=account.pk), user)
        .values_list("watched", flat=True)
        .first(),
        # Release asks the same as sharing: the owner, their managers, directors, admins.
        "may_release": account.owner_id is not None and owner_or_above(user, account),
    }
    if may_use_module(user, "deals"):
        deals, context["deals_total"] = first_rows(
            deals_visible_to(user).filter(account=account).order_by("-updated_at", "-id")
        )
        context["deals"] = masks.rows("deals", deals)
        context["deals_all_url"] = _list_url("deal-page-list", account=account.pk)
    if may_use_module(user, "activities"):
        follow_up_days = None if "follow_up_days" in masks["accounts"] else account.follow_up_days
        context.update(
            _activities(
                request,
                account,
                activity_form,
                follow_up_days=follow_up_days,
                log_url=reverse("account-log-activity", args=[account.pk]),
            )
        )
        context["tasks"], context["tasks_total"] = _open_tasks(request, account=account)
        context["new_task_url"] = reverse("task-create") + f"?account={account.pk}"
    return context


def for_contact(request, contact, activity_form=None):
    user = request.user
    masks = masks_for(request)
    context = _files_and_sharing(user, contact)
    if may_use_module(user, "deals"):
        deals, context["deals_total"] = first_rows(
            deals_visible_to(user).filter(contacts=contact).order_by("-updated_at", "-id")
        )
        context["deals"] = masks.rows("deals", deals)
        context["deals_all_url"] = _list_url("deal-page-list", contact=contact.pk)
    if may_use_module(user, "activities"):
        # An activity on the contact goes on its (visible) primary account too,
        # whose follow-up frequency then plans the next contact.
        account = accounts_visible_to(user).filter(pk=contact.account_id).first() if contact.account_id else None
        follow_up_days = account.follow_up_days if account is not None else None
        if "follow_up_days" in masks["accounts"]:
            follow_up_days = None
        context.update(
            _activities(
                request,
                contact,
                activity_form,
                follow_up_days=follow_up_days,
                log_url=reverse("contact-log-activity", args=[contact.pk]),
            )
        )
        context["tasks"], context["tasks_total"] = _open_tasks(request, contact=contact)
        new_task = f"?contact={contact.pk}" + (f"&account={contact.account_id}" if account is not None else "")
        context["new_task_url"] = reverse("task-create") + new_task
    return context


def _activities(request, record, activity_form, *, follow_up_days, log_url):
    from crm.web.forms import ActivityForm

    activity_form = activity_form or ActivityForm()
    activity_form.suggest(follow_up_days)
    return {
        **timeline_page(request.user, record, timeline_start(request)),
        "activity_form": activity_form,
        "log_activity_url": log_url,
        "next_contact_at": next_contact_of(record),
    }


def _open_tasks(request, **record):
    """The open tasks about the record that the user sees, soonest due first: the
    first few, or (?tasks=all, the card's "View all") up to RECORD_ROWS; and their count."""
    tasks = tasks_visible_to(request.user).filter(done=False, **record).distinct().order_by("due_date", "id")
    return first_rows(tasks, every=request.GET.get("tasks") == "all")


def for_dashboard(request):
    """The home page's cards about the user's own work: the follow-ups (accounts
    and contacts of theirs) due today, in the time zone active for the request,
    and their open deals by stage; amounts only for a role that may read them."""
    user = request.user
    context = {}
    if may_use_module(user, "activities"):
        # Only those whose page the user may open (an admin may hide accounts or contacts from a role).
        shown = {"account": may_use_module(user, "accounts"), "contact": may_use_module(user, "contacts")}
        follow_ups = [
            f for f in follow_ups_due(user, on=timezone.localdate()) if shown["account" if f.account_id else "contact"]
        ]
        masks = masks_for(request)
        context["followups"] = [
            {"record": masks.record("accounts", f.account), "url": reverse("account", args=[f.account_id])}
            if f.account_id
            else {"record": masks.record("contacts", f.contact), "url": reverse("contact", args=[f.contact_id])}
            for f in follow_ups
        ]
        context["followups_today"] = len(follow_ups)
    if may_use_module(user, "deals"):
        amounts_shown = "amount" not in masks_for(request)["deals"]
        columns = open_deals_by_stage(user, owner=user, with_totals=amounts_shown)
        totals: dict = {}
        for column in columns:
            for currency, total in column["totals"].items():
                totals[currency] = totals.get(currency, 0) + total
        context["deals_by_stage"] = columns
        context["deal_summary"] = {
            "open_count": sum(column["count"] for column in columns),
            "totals": dict(sorted(totals.items())),
        }
    return context


def _files_and_sharing(user, record):
    context = {
        "attachments": attachments_of(record).select_related("uploaded_by"),
        "may_share": owner_or_above(user, record),
    }
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
