"""Which backups a tenant keeps: grandfather-father-son.

Of a tenant's finished backups we keep the newest of each of its last
`daily` days that have one, of its last `weekly` ISO weeks and of its last
`monthly` months; a backup in several of those sets counts once. Everything
else is deleted, object and row. Days, weeks and months are UTC calendar
periods. Periods count only when they hold a backup, so a tenant whose
backups stopped (or a deleted tenant's) keeps its last ones rather than losing
them as the calendar moves on.
"""

from dataclasses import dataclass

DEFAULT = {"daily": 7, "weekly": 4, "monthly": 12}
# What a tenant admin may choose: at least one backup is always kept; the
# upper bounds cap what one tenant can cost us in storage.
LIMITS = {"daily": (1, 31), "weekly": (0, 12), "monthly": (0, 24)}


@dataclass(frozen=True)
class Policy:
    daily: int = DEFAULT["daily"]
    weekly: int = DEFAULT["weekly"]
    monthly: int = DEFAULT["monthly"]


def _newest_per_period(backups, period, count):
    newest = {}
    for backup_id, created_at in backups:
        key = period(created_at)
        if key not in newest or created_at > newest[key][1]:
            newest[key] = (backup_id, created_at)
    periods = sorted(newest, reverse=True)[:count]
    return {newest[key][0] for key in periods}


def to_keep(backups, policy):
    """The ids to keep of `backups`, (id, created_at) pairs of finished backups."""
    backups = list(backups)
    return (
        _newest_per_period(backups, lambda at: at.date(), policy.daily)
        | _newest_per_period(backups, lambda at: at.isocalendar()[:2], policy.weekly)
        | _newest_per_period(backups, lambda at: (at.year, at.month), policy.monthly)
    )


def to_delete(backups, policy):
    backups = list(backups)
    keep = to_keep(backups, policy)
    return sorted(backup_id for backup_id, _ in backups if backup_id not in keep)
