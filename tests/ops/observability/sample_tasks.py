"""Tasks the observability tests run (eagerly, on the tenant-aware task class)."""

import logging

from django.db import connection

from config.celery import app

log = logging.getLogger(__name__)


@app.task(name="tests.observability.note_schema")
def note_schema():
    log.info("working in the tenant's schema")
    return connection.schema_name


@app.task(name="tests.observability.fail")
def fail():
    raise RuntimeError("this task fails on purpose")


@app.task(name="tests.observability.count_accounts")
def count_accounts():
    from crm.accounts.models import Account

    return Account.objects.count()
