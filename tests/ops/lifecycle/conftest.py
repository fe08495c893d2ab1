"""Committed tenants with records and files, local backups and media per test."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Max

from crm.accounts.services import create_account
from crm.attachments.services import add_attachment
from crm.contacts.services import create_contact
from crm.users.models import User
from ops.models import Backup
from tests.tenancy import in_tenant, sign_up


@pytest.fixture(scope="session", autouse=True)
def _only_on_a_test_database(django_db_setup):
    """Committed fixtures write for real: refuse to start on anything but a test
    database (pytest-django makes one only when a collected test is marked
    django_db, which tests/ops/lifecycle/test_lifecycle.py has)."""
    assert connection.settings_dict["NAME"].startswith("test"), (
        f"not a test database: {connection.settings_dict['NAME']}; run tests/ops/lifecycle/test_lifecycle.py with them"
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def local_backups(settings, tmp_path, media):
    settings.BACKUP_BUCKET = ""
    settings.BACKUP_DIR = str(tmp_path / "backups")
    return tmp_path / "backups"


@pytest.fixture
def committed_tenant(committed_db, media):
    """A committed tenant with two accounts, a contact each and a file on the
    first; deleted afterwards (if the test has not), with the backups it made."""
    last_backup = Backup.objects.aggregate(last=Max("pk"))["last"] or 0
    tenant = sign_up()
    committed_db.append(tenant)
    with in_tenant(tenant):
        admin = User.objects.get(email=tenant.owner_email)
        for index in range(2):
            account = create_account(by=admin, name=f"Company {index}", owner=admin)
            create_contact(by=admin, first_name=f"Ann{index}", last_name="Lee", account=account, owner=admin)
            if index == 0:
                add_attachment(
                    by=admin, record=account, upload=SimpleUploadedFile("offer.txt", b"our offer, page 1\n" * 100)
                )
    yield tenant
    connection.set_schema_to_public()
    Backup.objects.filter(pk__gt=last_backup).delete()
