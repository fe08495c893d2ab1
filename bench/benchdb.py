"""The database, Redis index and Django every bench script (but provisioning.py,
which serves over HTTP) runs on: a database of its own on the server of
$DATABASE_URL, never the developer's, kept between runs; an empty Redis index,
flushed at the end; Django set up in this process on both."""

import io
import os
import secrets
import sys
import urllib.parse
from pathlib import Path

from provisioning import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, claim_redis_db, log, with_db

ROOT = Path(__file__).resolve().parent.parent


def bench_urls(bench_db):
    """(URL of the bench database, URL of the server's `postgres` database)."""
    base_db_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    dev_db = urllib.parse.unquote(urllib.parse.urlsplit(base_db_url).path.lstrip("/"))
    assert bench_db != dev_db, "the bench would overwrite the development database"
    return with_db(base_db_url, bench_db), with_db(base_db_url, "postgres")


def database_exists(admin_url, dbname):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is not None


def run_sql(admin_url, statement):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def recreate_database(admin_url, dbname):
    run_sql(admin_url, f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    run_sql(admin_url, f'CREATE DATABASE "{dbname}"')


def server_version(admin_url):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def setup_django(cleanup, bench_db, bench_db_url, **env):
    """Django in this process on the bench database and a Redis index of its own;
    `env` adds or overrides settings' environment variables. `cleanup` (an
    ExitStack) flushes Redis and closes the connections at the end."""
    redis_url, redis_client = claim_redis_db(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, bench_db)
    cleanup.callback(lambda: (redis_client.flushdb(), redis_client.close(), log(f"flushed Redis {redis_url}")))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": bench_db_url,
            "REDIS_URL": redis_url,
            "CELERY_QUEUE": bench_db,
            "SPARE_SCHEMA_POOL_SIZE": "0",
            "BASE_DOMAIN": "localhost",
            # Our own keys, so settings never write .secrets/ in the checkout.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "BACKUP_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "SENTRY_DSN": "",
            "DJANGO_DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            **env,
        }
    )
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.db import connections

    cleanup.callback(connections.close_all)


def migrate():
    """Every run, so a reused database has this checkout's migrations (indexes among them)."""
    from django.core.management import call_command

    log("migrating the bench database (manage.py upgrade)")
    call_command("upgrade", verbosity=0, stdout=io.StringIO())
