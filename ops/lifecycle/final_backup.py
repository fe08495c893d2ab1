"""The last backup of a tenant before it is deleted, taken through the backups
service (docs/decisions/006-backups.md) so that lifecycle code depends on one
function of it, not on how backups work."""

from ops.backups import services as backups
from ops.models import Backup


def take(tenant):
    """Back `tenant` up now, in this process, as its `final` backup. Returns the
    Backup, done and verified; raises (with the Backup marked failed) otherwise."""
    return backups.take_backup(tenant=tenant, by="ops", kind=Backup.Kind.FINAL)
