"""The deal form at 2,000 and 20,000 contacts: its page size and time, and the
picker's answer beside it.

Before the pickers, the deal form listed every contact (and account) the user
may see as an <option>: 0.7-0.8 s and 95 KB a page at 2,000 contacts. With the
pickers the form names only what is chosen, and /pick/contacts/?q= answers at
most 20 matches as the user types. One tenant is signed up (the product's own
path); its contacts and accounts are bulk-loaded (one account per ten
contacts), first 2,000 contacts, then topped up to 20,000. We time, in this
process through Django's test Client (the whole middleware stack, no socket),
signed in as the tenant's admin (who sees every contact: the largest form):

  GET /deals/new/                   the new-deal form
  GET /pick/contacts/?q=<a name>    what the contacts picker asks as one types

and print each one's median and p95 time, its size and its number of <option>s.
The script only reports (no target). Run it on a checkout without pickers too
(copy this file into it) for the "before" figures: /pick/ then answers 404.

The data lives in a database `crm_bench_pickers` on the server of $DATABASE_URL,
rebuilt on every run; the dev database is not touched. Redis: an empty index,
flushed at the end.

    .venv/bin/python bench/pickers.py [--requests 10] [--sizes 2000 20000]
"""

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import bench_urls, migrate, recreate_database, server_version, setup_django
from provisioning import log, machine_facts, p95

BENCH_DB = "crm_bench_pickers"
SUBDOMAIN = "benchpickers"
PASSWORD = "bench-pickers-" + "x" * 12
BATCH = 5_000
FIRST_NAMES = "Ann Ben Carla Dan Eva Fei Gao Hana Ivan Jun Kai Lei Mia Nils Ola Ping Qing Rui Sara Tao".split()
LAST_NAMES = "Li Wang Zhang Liu Chen Yang Huang Zhao Wu Zhou Smith Jones Brown Garcia Muller".split()


def sign_up():
    from tenants import services

    return services.sign_up(
        company="Bench Pickers Co",
        subdomain=SUBDOMAIN,
        email=f"admin@{SUBDOMAIN}.test",
        password=PASSWORD,
        seats=5,
        interval="month",
    )


def top_up(tenant, contacts):
    """Bulk-load contacts (and one account per ten) until the tenant holds `contacts`."""
    from django.db import connection, transaction

    from crm.accounts import matching
    from crm.accounts.models import Account
    from crm.contacts.models import Contact
    from crm.users.models import User

    connection.set_tenant(tenant)
    try:
        with transaction.atomic():
            admin = User.objects.get(email=f"admin@{SUBDOMAIN}.test")
            have = Contact.objects.count()
            accounts = list(
                Account.objects.bulk_create(
                    Account(name=f"Bench Account {i}", owner=admin, region="East", phone_key="")
                    for i in range(have // 10, contacts // 10)
                )
            )
            for start in range(have, contacts, BATCH):
                batch = []
                for i in range(start, min(start + BATCH, contacts)):
                    first, last = FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[i % len(LAST_NAMES)]
                    phone = f"+86 139 {10_000_000 + i}"
                    batch.append(
                        Contact(
                            first_name=f"{first}{i}",
                            last_name=last,
                            email=f"{first.lower()}{i}@example.test",
                            phone=phone,
                            phone_key=matching.phone_key(phone),
                            account=accounts[(i - have) // 10] if accounts else None,
                            owner=admin,
                        )
                    )
                Contact.objects.bulk_create(batch)
        return Contact.objects.count(), Account.objects.count()
    finally:
        connection.set_schema_to_public()


def measure(client, url, requests):
    """(median ms, p95 ms, bytes, <option>s, status) of `requests` GETs after two warm-ups."""
    for _ in range(2):
        response = client.get(url)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    body = response.content
    return statistics.median(times), p95(times), len(body), body.count(b"<option"), response.status_code


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000, 20_000])
    args = parser.parse_args()
    bench_db_url, admin_url = bench_urls(BENCH_DB)
    with contextlib.ExitStack() as cleanup:
        recreate_database(admin_url, BENCH_DB)
        setup_django(cleanup, BENCH_DB, bench_db_url)
        migrate()
        from django.db import connection
        from django.test import Client

        from crm.users.models import User

        tenant = sign_up()
        client = Client(HTTP_HOST=f"{SUBDOMAIN}.localhost")
        connection.set_tenant(tenant)
        client.force_login(User.objects.get(email=f"admin@{SUBDOMAIN}.test"))
        connection.set_schema_to_public()
        facts = machine_facts(server_version(admin_url))
        print(
            f"\nmachine: {facts['cpus']} CPUs ({facts['cpu']}), PostgreSQL {facts['postgres']}, "
            f"Python {facts['python']}; Django test Client in-process, signed in as the admin; "
            f"{args.requests} requests each after 2 warm-ups"
        )
        print(f"{'contacts':>9} {'accounts':>9}  {'page':<28} {'median ms':>9} {'p95 ms':>8} {'KB':>8} {'<option>':>8}")
        for size in sorted(args.sizes):
            contacts, accounts = top_up(tenant, size)
            log(f"tenant holds {contacts} contacts, {accounts} accounts")
            for url in ("/deals/new/", "/pick/contacts/?q=Hana1", "/pick/contacts/?q=13910000123"):
                median, slowest, size_bytes, options, status = measure(client, url, args.requests)
                shown = url if status == 200 else f"{url} ({status})"
                print(
                    f"{contacts:>9} {accounts:>9}  {shown:<28} {median:>9.0f} {slowest:>8.0f} "
                    f"{size_bytes / 1024:>8.1f} {options:>8}"
                )


if __name__ == "__main__":
    main()
