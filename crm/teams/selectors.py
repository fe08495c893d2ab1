from django.db.models import QuerySet
from django.http import Http404

from crm.teams.models import Team


def teams_with_members() -> QuerySet[Team]:
    return Team.objects.prefetch_related("memberships").order_by("name")


def team_get(pk: int | str) -> Team:
    """One team with its members (admin pages); Http404 when there is none."""
    try:
        return teams_with_members().select_related("manager", "parent").get(pk=pk)
    except (Team.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def team_name_taken(name: str, exclude: int | None = None) -> bool:
    """Whether another team already has this name, ignoring case (names are unique)."""
    # exclude(pk=None) excludes nothing (the plugin wants no None for pk).
    return Team.objects.filter(name__iexact=name).exclude(pk=exclude).exists()  # type: ignore[misc]


def team_tree() -> list[tuple[Team, int]]:
    """[(team, depth)] depth first, each team after its parent, siblings by name, with
    manager and members' users loaded. A team whose parent chain loops (only possible
    by editing the database by hand) is shown at the top rather than lost."""
    teams = list(Team.objects.select_related("manager").prefetch_related("memberships__user").order_by("name"))
    children: dict[int | None, list[Team]] = {}
    for team in teams:
        children.setdefault(team.parent_id, []).append(team)
    ordered: list[tuple[Team, int]]
    seen: set[int]
    ordered, seen = [], set()

    def walk(team: Team, depth: int) -> None:
        if team.pk in seen:
            return
        seen.add(team.pk)
        ordered.append((team, depth))
        for child in children.get(team.pk, []):
            walk(child, depth + 1)

    for team in children.get(None, []):
        walk(team, 0)
    for team in teams:
        walk(team, 0)
    return ordered
