"""Document numbers are unique and gapless per kind and year, also when 20
quotes are created at once, and follow the tenant's format."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from crm.sales import numbering
from crm.sales.services.quotes import create_quote
from crm.users.models import User
from tests.factories import make_account
from tests.tenancy import in_tenant, sign_up, user_of


def test_twenty_concurrent_quotes_get_twenty_consecutive_numbers(committed_db):
    # Committed data and one connection per thread: the threads race for real.
    tenant = sign_up()
    committed_db.append(tenant)
    with in_tenant(tenant):
        admin = User.objects.get(email=tenant.owner_email)
        account = make_account(by=admin, name="Concurrent Co")
        year = numbering.company_today().year
    numbers, errors = [], []
    start = threading.Barrier(20)

    def create():
        try:
            with in_tenant(tenant):
                start.wait(timeout=30)
                line = {"description": "Work", "quantity": "1", "unit_price": "10"}
                numbers.append(create_quote(by=admin, account=account, lines=[line]).number)
        except Exception as exc:  # the assertion below reports it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(numbers) == [f"QT-{year}-{n:04}" for n in range(1, 21)]


@pytest.mark.django_db
def test_a_failed_creation_gives_its_number_back(tenant_a):
    with in_tenant(tenant_a):
        sales = user_of(tenant_a, "sales")
        account = make_account(by=sales, name="Gapless Co")
        first = create_quote(
            by=sales, account=account, lines=[{"description": "A", "quantity": "1", "unit_price": "1"}]
        )
        with pytest.raises(ValidationError):
            create_quote(by=sales, account=account, lines=[{"description": "B", "quantity": "-1", "unit_price": "1"}])
        second = create_quote(
            by=sales, account=account, lines=[{"description": "C", "quantity": "1", "unit_price": "1"}]
        )
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1


@pytest.mark.django_db
def test_each_kind_and_year_counts_on_its_own(tenant_a):
    with in_tenant(tenant_a), transaction.atomic():
        assert numbering.next_number("quote", on=datetime.date(2031, 5, 1)) == "QT-2031-0001"
        assert numbering.next_number("quote", on=datetime.date(2031, 12, 31)) == "QT-2031-0002"
        assert numbering.next_number("order", on=datetime.date(2031, 5, 1)) == "SO-2031-0001"
        assert numbering.next_number("quote", on=datetime.date(2032, 1, 1)) == "QT-2032-0001"


@pytest.mark.django_db
def test_the_tenant_chooses_the_format(tenant_a):
    with in_tenant(tenant_a), transaction.atomic():
        numbering.set_pattern(kind="quote", pattern="BJ{year}{seq:05}")
        assert numbering.next_number("quote", on=datetime.date(2033, 1, 1)) == "BJ203300001"


@pytest.mark.parametrize("pattern", ["QT-{year}", "QT-{seq:04}-{month}", "QT-{seq", "{seq:04}" + "X" * 40])
@pytest.mark.django_db
def test_a_format_that_cannot_number_is_refused(tenant_a, pattern):
    with in_tenant(tenant_a), pytest.raises(ValidationError) as error:
        numbering.set_pattern(kind="quote", pattern=pattern)
    assert "pattern" in error.value.message_dict


def test_numbering_needs_the_documents_transaction(committed_db, tenant_a):
    with in_tenant(tenant_a), pytest.raises(RuntimeError):
        numbering.next_number("quote")


@pytest.mark.django_db
def test_the_year_is_the_companys(tenant_a, monkeypatch):
    # 2026-12-31 16:30 UTC is 00:30 on 1 January 2027 in Shanghai: the quote is of 2027.
    moment = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(numbering.timezone, "now", lambda: moment)
    with in_tenant(tenant_a):
        monkeypatch.setattr(connection.tenant, "time_zone", "Asia/Shanghai")
        assert numbering.company_today() == datetime.date(2027, 1, 1)
        monkeypatch.setattr(connection.tenant, "time_zone", "Europe/London")
        assert numbering.company_today() == datetime.date(2026, 12, 31)
