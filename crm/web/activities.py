"""Worklists (who to contact), logging an activity from an account's, a
contact's, a deal's or a lead's page, and comments on the activities of a timeline."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.access.permissions import custom_object_module, may_use_module
from crm.accounts.selectors import account_get_for_user, accounts_visible_to
from crm.activities import services
from crm.activities.selectors import WORKLISTS, activity_get_for_user, worklist
from crm.builder import selectors as builder
from crm.contacts.selectors import contact_get_for_user, contacts_visible_to
from crm.deals.selectors import deal_get_for_user, deals_visible_to
from crm.leads.selectors import lead_get_for_user, leads_visible_to
from crm.web import related
from crm.web.decorators import module_page
from crm.web.forms import ActivityForm, CommentForm, add_service_errors
from crm.web.masking import masks_for

WORKLIST_TITLES = {
    "today": _("Today"),
    "this_week": _("This week"),
    "overdue": _("Overdue"),
    "not_contacted_recently": _("Not contacted recently"),
    "never_contacted": _("Never contacted"),
}
WORKLIST_ROWS = 50


@module_page("activities")
def worklists(request):
    lists = []
    for name in WORKLISTS:
        accounts = worklist(request.user, name)
        lists.append(
            {
                "name": name,
                "title": WORKLIST_TITLES[name],
                "count": accounts.count(),
                "accounts": accounts[:WORKLIST_ROWS],
            }
        )
    return render(request, "crm/activities/worklists.html", {"lists": lists})


def deal_timeline(user, deal, activity_form=None, *, start=0):
    """What a deal's page shows of its activities: the timeline (a page of it from
    `start`), each activity with its comments, and the form to log one (nothing
    without the module)."""
    if not may_use_module(user, "activities"):
        return {}
    return {
        **related.timeline_page(user, deal, start),
        "activity_form": activity_form or ActivityForm(),
        "log_activity_url": reverse("deal-log-activity", args=[deal.pk]),
    }


@module_page("activities")
def log_activity(request, pk):
    """POST: log an activity on the account; the timeline card comes back (htmx)
    or the account page is reloaded."""
    account = account_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("account", pk=account.pk)
    form = log_from_form(request, account=account)
    if not request.htmx:
        return redirect("account", pk=account.pk)
    # Fetched again: logging moved its last contact and the next one planned.
    account = account_get_for_user(request.user, pk)
    context = {
        "account": masks_for(request).record("accounts", account),
        **related.for_account(request, account, activity_form=form),
    }
    # htmx swaps only 2xx answers by default, so the form with its errors comes back as 200.
    return _timeline(request, context, form, "crm/accounts/_follow_up.html", "crm/_record_tasks.html")


@module_page("contacts")
@module_page("activities")
def log_contact_activity(request, pk):
    """POST: log an activity on the contact (and so on its primary account); as for an account."""
    contact = contact_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("contact", pk=contact.pk)
    form = log_from_form(request, contact=contact)
    if not request.htmx:
        return redirect("contact", pk=contact.pk)
    context = {"contact": contact, **related.for_contact(request, contact, activity_form=form)}
    return _timeline(request, context, form, "crm/_record_tasks.html")


@module_page("deals")
@module_page("activities")
def log_deal_activity(request, pk):
    """POST: log an activity on the deal (and so on its account); as for an account."""
    deal = deal_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("deal", pk=deal.pk)
    form = log_from_form(request, deal=deal)
    if not request.htmx:
        return redirect("deal", pk=deal.pk)
    return _timeline(request, {"deal": deal, **deal_timeline(request.user, deal, form)}, form)


def lead_timeline(user, lead, activity_form=None):
    """What a lead's page shows of its activities: the timeline and the form to
    log one (nothing without the module)."""
    if not may_use_module(user, "activities"):
        return {}
    return {
        "timeline": related.timeline(user, lead),
        "activity_form": activity_form or ActivityForm(next_contact=False),
        "log_activity_url": reverse("lead-log-activity", args=[lead.pk]),
    }


@module_page("leads")
@module_page("activities")
def log_lead_activity(request, pk):
    """POST: log an activity (a call, a meeting, ...) on the lead; as for an account."""
    lead = lead_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("lead", pk=lead.pk)
    form = log_from_form(request, lead=lead)
    if not request.htmx:
        return redirect("lead", pk=lead.pk)
    return _timeline(request, {"lead": lead, **lead_timeline(request.user, lead, form)}, form)


def _timeline(request, context, form, *cards):
    """The timeline card (its form with errors, when `form` is one) and, swapped
    out of band (htmx), the record page's other `cards` that an activity changes:
    the follow-up dates, the open tasks. A logged activity also fires the
    `activity-logged` event for whatever else on the page listens."""
    html = render_to_string("crm/_timeline.html", context, request=request)
    html += "".join(render_to_string(card, {**context, "oob": True}, request=request) for card in cards)
    response = HttpResponse(html)
    if form is None:
        response["HX-Trigger"] = "activity-logged"
    return response


def log_from_form(request, **record):
    """Log the POSTed activity on `record` (account=, contact=, deal= or a custom
    object's record=); None when done, else the form with its errors."""
    form = ActivityForm(request.POST, next_contact="record" not in record and "lead" not in record)
    if form.is_valid():
        values = {
            "kind": form.cleaned_data["kind"],
            "subject": form.cleaned_data["subject"],
            "body": form.cleaned_data["body"],
            "occurred_at": form.cleaned_data["occurred_at"],
            "duration_minutes": form.cleaned_data["duration_minutes"],
        }
        if form.cleaned_data.get("next_contact_at") is not None:
            values["next_contact_at"] = form.cleaned_data["next_contact_at"]
        try:
            services.log_activity(by=request.user, **record, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return None
    return form


@module_page("activities")
def comment(request, pk):
    """POST body: comment on an activity the user can see (its owner is notified
    by the service). With htmx the activity comes back with its comments."""
    activity = activity_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect(activity_page(request.user, activity))
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_on_activity(activity=activity, by=request.user, body=form.cleaned_data["body"])
        form = None
    if not request.htmx:
        if form is not None:
            messages.error(request, " ".join(form.errors["body"]))
        return redirect(activity_page(request.user, activity))
    # Fetched again for the new comment count.
    activity = activity_get_for_user(request.user, pk)
    return render(request, "crm/activities/_activity.html", {"a": activity, "comment_form": form})


def activity_page(user, activity):
    """The page that shows `activity` in its timeline for `user`: its custom
    record's, else its deal's, else its account's, else its contact's (each only
    if `user` may open it), anchored at the activity; the worklists when none is."""
    anchor = f"#activity-{activity.pk}"
    if activity.record_object and may_use_module(user, custom_object_module(activity.record_object)):
        try:
            builder.record_get_for_user(user, activity.record_object, activity.record_id, fields=[])
        except Http404:
            pass
        else:
            return reverse("custom-record", args=[activity.record_object, activity.record_id]) + anchor
    for module, field, visible, url_name in (
        ("deals", "deal", deals_visible_to, "deal"),
        ("accounts", "account", accounts_visible_to, "account"),
        ("contacts", "contact", contacts_visible_to, "contact"),
        ("leads", "lead", leads_visible_to, "lead"),
    ):
        record_id = getattr(activity, f"{field}_id")
        if record_id and may_use_module(user, module) and visible(user).filter(pk=record_id).exists():
            return reverse(url_name, args=[record_id]) + anchor
    return reverse("worklists")
