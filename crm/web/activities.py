"""Worklists (who to contact) and logging an activity from an account's page."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from crm.accounts.selectors import account_get_for_user
from crm.activities import services
from crm.activities.selectors import WORKLISTS, worklist
from crm.web import related
from crm.web.decorators import module_page
from crm.web.forms import ActivityForm, add_service_errors

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
        lists.append({"name": name, "title": WORKLIST_TITLES[name], "count": accounts.count(),
                      "accounts": accounts[:WORKLIST_ROWS]})
    return render(request, "crm/activities/worklists.html", {"lists": lists})


@module_page("activities")
def log_activity(request, pk):
    """POST: log an activity on the account; the timeline card comes back (htmx)
    or the account page is reloaded."""
    account = account_get_for_user(request.user, pk)
    if request.method != "POST":
        return redirect("account", pk=account.pk)
    form = ActivityForm(request.POST)
    if form.is_valid():
        values = {"kind": form.cleaned_data["kind"], "subject": form.cleaned_data["subject"]}
        if form.cleaned_data["next_contact_at"] is not None:
            values["next_contact_at"] = form.cleaned_data["next_contact_at"]
        try:
            services.log_activity(by=request.user, account=account, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            form = None
    if not request.htmx:
        return redirect("account", pk=account.pk)
    context = {"account": account, **related.for_account(request.user, account, activity_form=form)}
    # htmx swaps only 2xx answers by default, so the form with its errors comes back as 200.
    return render(request, "crm/_timeline.html", context)
