"""Backup fixtures: moto's S3 server in a subprocess on 127.0.0.1 (real HTTP, real
boto3, as tests/billing/conftest.py runs localstripe), a bucket per test, media
and local backup folders per test, and committed tenants whose schemas (and the
staging / undo schemas restores leave) are dropped afterwards."""

import socket
import subprocess
import sys
import time
import uuid

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Max

from crm.accounts.services import create_account
from crm.attachments.services import add_attachment
from crm.contacts.services import create_contact
from crm.users.models import User
from ops.backups import storage
from ops.models import Backup, Restore
from tests.tenancy import in_tenant, sign_up


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_url(tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-p", str(port), "-H", "127.0.0.1"], stdout=log, stderr=log
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start, see {log_path}") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(10)
    log.close()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def s3(settings, moto_url, media):
    """Backups go to a fresh bucket on the moto server; returns the S3Storage."""
    settings.AWS_S3_ENDPOINT_URL = moto_url
    settings.AWS_ACCESS_KEY_ID = "testing"
    settings.AWS_SECRET_ACCESS_KEY = "testing"
    settings.AWS_DEFAULT_REGION = "us-east-1"
    settings.BACKUP_BUCKET = f"backups-{uuid.uuid4().hex[:12]}"
    settings.BACKUP_PART_SIZE = storage.MIN_PART_SIZE
    boto3.client(
        "s3",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ).create_bucket(Bucket=settings.BACKUP_BUCKET)
    return storage.S3Storage(settings.BACKUP_BUCKET)


@pytest.fixture
def local_backups(settings, tmp_path, media):
    settings.BACKUP_BUCKET = ""
    settings.BACKUP_DIR = str(tmp_path / "backups")
    return storage.LocalStorage(settings.BACKUP_DIR)


@pytest.fixture
def committed_tenant(committed_db):
    """A committed tenant of the test's own; it, and any schema a restore left
    beside it, are dropped afterwards."""
    before = _schemas()
    last_backup = Backup.objects.aggregate(last=Max("pk"))["last"] or 0
    last_restore = Restore.objects.aggregate(last=Max("pk"))["last"] or 0
    tenants = []

    def make(**kwargs):
        tenant = sign_up(**kwargs)
        committed_db.append(tenant)
        tenants.append(tenant)
        return tenant

    yield make
    connection.set_schema_to_public()
    # Committed ops rows would be seen by later tests' sweeps and retention.
    Restore.objects.filter(pk__gt=last_restore).delete()
    Backup.objects.filter(pk__gt=last_backup).delete()
    with connection.cursor() as cursor:
        for schema in _schemas() - before:
            if schema.startswith(("restore_", "undo_", "verify_")):
                cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _schemas():
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace")
        return {row[0] for row in cursor.fetchall()}


def add_records(tenant, *, contacts=3, files=1, prefix="c"):
    """Accounts with a contact each, and files attached to the first accounts."""
    with in_tenant(tenant):
        admin = User.objects.get(email=tenant.owner_email)
        for index in range(contacts):
            account = create_account(by=admin, name=f"{prefix} company {index}", owner=admin)
            create_contact(
                by=admin,
                first_name=f"{prefix}{index}",
                last_name="Lee",
                account=account,
                owner=admin,
                email=f"{prefix}{index}@example.test",
            )
            if index < files:
                add_attachment(
                    by=admin,
                    record=account,
                    upload=SimpleUploadedFile(
                        f"{prefix}{index}.txt", f"file {prefix}{index} of {tenant.subdomain}".encode() * 50
                    ),
                )


def table_rows(schema):
    """Every row of every table in `schema` (but the migration records), in key order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname <> 'django_migrations' "
            "ORDER BY c.relname",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1')
            rows[table] = cursor.fetchall()
    return rows


def sequence_values(schema):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'S' ORDER BY 1",
            [schema],
        )
        names = [row[0] for row in cursor.fetchall()]
        values = {}
        for name in names:
            cursor.execute(f'SELECT last_value, is_called FROM "{schema}"."{name}"')
            values[name] = cursor.fetchone()
    return values


def files_of(folder):
    """{relative path: bytes} of every file under `folder`."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
