from crm.teams.models import Team


def teams_with_members():
    return Team.objects.prefetch_related("memberships").order_by("name")
