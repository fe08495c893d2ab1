"""Connections of our own beside Django's, and the advisory locks held on them.

The snapshot of a backup is one long REPEATABLE READ transaction, and a
restore reports its progress while its own long transaction is still open on
Django's connection; both need a second connection. Advisory locks taken on
such a connection are session locks: they go when it closes, also when the
worker holding them is killed, which is what lets a sweep tell a running
backup from an abandoned one.
"""

from contextlib import contextmanager

import psycopg
from django.db import connection

# Two-key advisory locks (class, id); the spare-pool lock uses the one-key form,
# which PostgreSQL keeps apart.
LOCK_BACKUP = 0x0B4C
# A tenant's backups take this shared, a restore of it takes it exclusively.
LOCK_TENANT = 0x0B4D
LOCK_RESTORE = 0x0B4E


def connect(*, autocommit=True):
    """A new psycopg connection to Django's database (the test database in tests)."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    return psycopg.connect(**params, autocommit=autocommit)


@contextmanager
def side_connection(*, autocommit=True):
    conn = connect(autocommit=autocommit)
    try:
        yield conn
    finally:
        conn.close()


def try_lock(conn, kind, key, *, shared=False):
    function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
    return conn.execute(f"SELECT {function}(%s, %s)", [kind, key]).fetchone()[0]


def lock(conn, kind, key, *, timeout_s, shared=False):
    """Wait up to `timeout_s` for the lock; False when it did not come."""
    function = "pg_advisory_lock_shared" if shared else "pg_advisory_lock"
    conn.execute("SELECT set_config('lock_timeout', %s, false)", [f"{int(timeout_s * 1000)}ms"])
    try:
        conn.execute(f"SELECT {function}(%s, %s)", [kind, key])
        return True
    except psycopg.errors.LockNotAvailable:
        return False
    finally:
        conn.execute("SELECT set_config('lock_timeout', '0', false)")


def is_locked(kind, key):
    """Whether some session holds the lock (a backup still running somewhere)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND objsubid = 2 AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            [kind, key],
        )
        return cursor.fetchone()[0]
