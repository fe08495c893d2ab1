"""What other areas add to an account's or a contact's page (deals, activities),
each shown only when the user may use that module."""

from crm.access.permissions import may_use_module
from crm.activities.selectors import timeline_for
from crm.deals.selectors import deals_visible_to


def for_account(user, account, activity_form=None):
    context = {}
    if may_use_module(user, "deals"):
        context["deals"] = deals_visible_to(user).filter(account=account).order_by("-updated_at", "-id")[:50]
    if may_use_module(user, "activities"):
        from crm.web.forms import ActivityForm

        context["timeline"] = timeline_for(user, account)[:50]
        context["activity_form"] = activity_form or ActivityForm()
    return context


def for_contact(user, contact):
    return {}


def for_dashboard(user):
    return {}
