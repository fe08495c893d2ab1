"""Teams as the org chart: a tree of parent teams, each with a manager (who sees
the records of the team and of every sub-team) and members."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.teams import services
from crm.teams.selectors import team_get, team_tree
from crm.web.forms import add_service_errors
from crm.web.settings.decorators import admin_page
from crm.web.settings.forms import TeamForm
from crm.web.settings.pages import form_response, saved


@admin_page
def team_list(request):
    return render(request, "crm/settings/teams/list.html", {"tree": team_tree()})


@admin_page
def team_create(request):
    return _edit(request, None)


@admin_page
def team_edit(request, pk):
    return _edit(request, team_get(pk))


def _edit(request, team):
    initial = {}
    if team is not None:
        initial = {
            "name": team.name,
            "manager": team.manager,
            "parent": team.parent,
            "members": [membership.user_id for membership in team.memberships.all()],
        }
    form = TeamForm(request.POST or None, initial=initial, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            if team is None:
                team = services.create_team(by=request.user, **form.cleaned_data)
            else:
                team = services.update_team(team=team, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return saved(request, _("Team %(team)s saved.") % {"team": team.name}, reverse("settings-teams"))
    return form_response(
        request,
        {
            "form": form,
            "action": request.get_full_path(),
            "cancel": reverse("settings-teams"),
            "title": _("Edit team") if team else _("New team"),
            "testid": "team-form",
        },
    )


@admin_page
def team_delete(request, pk):
    """POST: delete the team. Its members keep their records and are in no team; its
    sub-teams move to the top of the tree."""
    team = team_get(pk)
    if request.method != "POST":
        return redirect("settings-teams")
    services.delete_team(team=team, by=request.user)
    return saved(request, _("Team %(team)s deleted.") % {"team": team.name}, reverse("settings-teams"))
