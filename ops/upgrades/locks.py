"""The advisory lock that keeps two upgrade runs (or an upgrade and a restore)
from migrating one schema at the same time.

Keyed by the schema's *name*, not its oid, so a restore that swaps a new schema
in under the same name can take the same lock.
"""

from django.db import connection

# First key of the two-int4 advisory locks; the second is hashtext(schema name).
# PostgreSQL keeps two-key and one-key (bigint) locks apart, so this never meets
# the spare pool's lock (tenants/provisioning.py). Two names hashing alike only
# make two schemas wait for each other, never migrate one twice.
NAMESPACE = 0x5C4E5C


def lock_schema_for_transaction(schema_name):
    """Wait until no one else holds `schema_name`, then hold it until the current
    transaction ends (commit or rollback)."""
    if not connection.in_atomic_block:
        raise RuntimeError("lock_schema_for_transaction must run inside a transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [NAMESPACE, schema_name])


def lock_schema_for_session(db_connection, schema_name):
    """Hold `schema_name` on `db_connection` until it is unlocked or the connection closes.

    For the public schema, whose migration (django-tenants' migrate_schemas)
    commits and closes the default connection itself: the lock then lives on a
    connection of its own.
    """
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [NAMESPACE, schema_name])


def unlock_schema_for_session(db_connection, schema_name):
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [NAMESPACE, schema_name])
