"""The contacts list at scale: API and UI list pages against the raw SQL they need.

Issue 3. One tenant holds 100,000 contacts, 20,000 accounts (1,000 of them in the
customer pool) and 300,000 activities, owned by ten sales users in two teams
under two managers, plus an admin. We then time, in this process through
Django's test Client (the whole middleware stack: tenant routing by the Host
header, sessions, CSRF, authentication; no HTTP socket):

  API  GET /api/v1/contacts/?page_size=50&<filter>&ordering=last_name
       with a Bearer token
  UI   GET /contacts/?<filter>&sort=name   (the list page, 25 rows)
       signed in with a session

as a sales user and as the admin, and beside each the same work in raw SQL
through psycopg on its own connection: the COUNT(*) and the page of rows (with
the owner and primary account the page shows, and for the API the contacts'
account links), with the same filter, order and scope (for sales: own records
or shared with them). Requests of all kinds alternate one by one, so that other
work on the machine weighs on each alike. Beside them, the API's floor: the
cheapest authenticated list (GET /api/v1/notifications/?page_size=1, the
caller's own and here empty: tenant, token, count, page), which bounds how
close any list can come to its raw SQL.

Filters (--filter, default owner):
  owner    ?owner=<the sales user's id>: 10,000 contacts (a sales user's whole book)
  account  ?account=<one of that user's accounts>: a handful of contacts
  search   ?search=zha / ?q=zha: free text in names, e-mail, phone (API: title, account name too)
  none     no filter: the list as it first opens (sales: own + shared; admin: all 100,000)

The data lives in a database `crm_bench_lists` on the server of $DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/crm), kept between runs and reused
when it holds those counts (`--rebuild` drops and rebuilds it); the dev database
is not touched. Redis: an empty database index, flushed at the end.

    .venv/bin/python bench/lists.py [--requests 200] [--filter owner] [--rebuild]

Targets (issue 3): API p95 < 30 ms and <= 3x raw SQL; UI page p95 < 80 ms; the
number of queries per page does not grow with its rows. `--check` exits 1 when a
target is missed; by default the script only reports.
"""

import argparse
import contextlib
import gc
import os
import random
import signal
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchdb import (
    bench_urls,
    database_exists,
    migrate,
    recreate_database,
    server_version,
    setup_django,
)
from provisioning import OtherWork, log, machine_facts, p95

BENCH_DB = "crm_bench_lists"
SUBDOMAIN = "benchlists"
COUNTS = {"accounts": 20_000, "contacts": 100_000, "activities": 300_000}
POOL_ACCOUNTS = 1_000
TEAMS = 2
SALES_PER_TEAM = 5
SHARED_WITH_SALES = 200
BATCH = 5_000
PASSWORD = "bench-lists-" + "x" * 12
API_PAGE, UI_PAGE = 50, 25
TARGET_API_P95_MS, TARGET_API_RATIO, TARGET_UI_P95_MS = 30.0, 3.0, 80.0

FIRST_NAMES = (
    "Ann Ben Carla Dan Eva Fei Gao Hana Ivan Jun Kai Lei Mia Nils Ola Ping Qing Rui Sara Tao Uma "
    "Vera Wei Xin Yan Zoe Li Ming Hui Jing"
).split()
LAST_NAMES = [
    f"{a}{b}"
    for a in (
        "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Gao Lin "
        "Luo Smith Jones Brown Miller Davis Garcia Wilson Moore Taylor Clark"
    ).split()
    for b in (
        "",
        "son",
        "berg",
        "ford",
        "ley",
        "ton",
        "wood",
        "field",
        "man",
        "er",
        "ski",
        "ova",
        "ez",
        "ini",
        "sen",
        "stein",
        "hart",
        "well",
        "by",
        "mont",
        "ard",
        "ick",
        "o",
        "a",
        "ing",
        "el",
        "oux",
        "ier",
        "ant",
        "is",
        "ow",
        "ue",
        "ham",
    )
]
WORDS = "Acme Global North South East West Smart Green Blue Star Peak Bright Nova Prime Delta Orbit Pixel".split()
SUFFIXES = "Ltd Co Group Trading Tech Foods Logistics Partners Systems Labs".split()


# ------------------------------------------------------------------ the database


def existing_counts(tenant):
    from django.db import connection

    from crm.accounts.models import Account
    from crm.activities.models import Activity
    from crm.contacts.models import Contact

    connection.set_tenant(tenant)
    try:
        return {
            "accounts": Account.objects.count(),
            "contacts": Contact.objects.count(),
            "activities": Activity.objects.count(),
        }
    finally:
        connection.set_schema_to_public()


# ------------------------------------------------------------------ generating the tenant


def build_tenant(bench_db_url):
    """Sign the company up (the product's own path), then bulk-load its records in
    batches with bulk_create, keys computed as the services compute them."""
    import psycopg
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone

    from crm.access.models import RecordShare
    from crm.accounts import matching
    from crm.accounts.models import Account
    from crm.activities.models import Activity, FollowUp
    from crm.contacts.models import Contact, ContactAccount
    from crm.teams.models import Team, TeamMembership
    from crm.users.models import Role, User
    from tenants import services
    from tenants.models import Tenant

    old = Tenant.objects.filter(subdomain=SUBDOMAIN).first()
    if old is not None:
        log(f"deleting the incomplete tenant {SUBDOMAIN}")
        services.delete_tenant(old)
    tenant = services.sign_up(
        company="Bench Lists Co",
        subdomain=SUBDOMAIN,
        email=f"admin@{SUBDOMAIN}.test",
        password=PASSWORD,
        seats=TEAMS * (SALES_PER_TEAM + 1) + 5,
        interval="month",
    )
    rng = random.Random(20261123)
    now = timezone.now()
    connection.set_tenant(tenant)
    try:
        with transaction.atomic():
            sales = []
            for t in range(TEAMS):
                manager = User.objects.create_user(
                    email=f"manager{t + 1}@{SUBDOMAIN}.test",
                    password=PASSWORD,
                    role=Role.MANAGER,
                    name=f"Manager {t + 1}",
                )
                team = Team.objects.create(name=f"Team {t + 1}", manager=manager)
                for s in range(SALES_PER_TEAM):
                    n = t * SALES_PER_TEAM + s + 1
                    user = User.objects.create_user(
                        email=f"sales{n}@{SUBDOMAIN}.test", password=PASSWORD, role=Role.SALES, name=f"Sales {n}"
                    )
                    TeamMembership.objects.create(user=user, team=team)
                    sales.append(user)

            started = time.perf_counter()
            accounts = []
            for start in range(0, COUNTS["accounts"], BATCH):
                batch = []
                for i in range(start, min(start + BATCH, COUNTS["accounts"])):
                    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)} {i}"
                    pooled = i < POOL_ACCOUNTS
                    phone = f"+86 10 {rng.randrange(10**7, 10**8)}"
                    email = f"info{i}@example{i % 997}.test"
                    batch.append(
                        Account(
                            name=name,
                            owner=None if pooled else sales[i % len(sales)],
                            phone=phone,
                            email=email,
                            industry=rng.choice(("Retail", "Energy", "Software", "Food", "Transport")),
                            region=rng.choice(("North", "South", "East", "West")),
                            pooled_at=now if pooled else None,
                            owner_since=None if pooled else now,
                            name_key=matching.company_name_key(name),
                            phone_key=matching.phone_key(phone),
                            email_key=matching.email_key(email),
                        )
                    )
                accounts.extend(Account.objects.bulk_create(batch))
            log(f"accounts: {len(accounts)} in {time.perf_counter() - started:.1f} s")

            started = time.perf_counter()
            contacts = []  # (id, owner_id, account_id): enough to hang activities on
            for start in range(0, COUNTS["contacts"], BATCH):
                batch = []
                for i in range(start, min(start + BATCH, COUNTS["contacts"])):
                    account = accounts[rng.randrange(len(accounts))]
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    email = f"{first.lower()}.{last.lower()}{i}@example{i % 991}.test"
                    phone = f"+86 139 {rng.randrange(10**7, 10**8)}"
                    batch.append(
                        Contact(
                            first_name=first,
                            last_name=last,
                            email=email,
                            phone=phone,
                            account=account,
                            owner_id=account.owner_id or sales[i % len(sales)].pk,
                            title=rng.choice(("", "CEO", "Buyer", "Engineer", "Manager")),
                            name_key=matching.person_name_key(first, last),
                            email_key=matching.email_key(email),
                            phone_key=matching.phone_key(phone),
                        )
                    )
                made = Contact.objects.bulk_create(batch)
                ContactAccount.objects.bulk_create(
                    [ContactAccount(contact_id=c.pk, account_id=c.account_id, is_primary=True) for c in made]
                )
                contacts.extend((c.pk, c.owner_id, c.account_id) for c in made)
            log(f"contacts: {len(contacts)} (+ their account links) in {time.perf_counter() - started:.1f} s")

            started = time.perf_counter()
            kinds = [k for k, _label in Activity.Kind.choices]
            for start in range(0, COUNTS["activities"], BATCH):
                batch = []
                for i in range(start, min(start + BATCH, COUNTS["activities"])):
                    contact_id, owner_id, account_id = contacts[rng.randrange(len(contacts))]
                    batch.append(
                        Activity(
                            kind=rng.choice(kinds),
                            subject=f"Follow-up {i}",
                            owner_id=owner_id,
                            account_id=account_id,
                            contact_id=contact_id,
                            occurred_at=now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
                        )
                    )
                Activity.objects.bulk_create(batch)
            log(f"activities: {COUNTS['activities']} in {time.perf_counter() - started:.1f} s")

            # The follow-up rows the services would have kept, in one statement.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {FollowUp._meta.db_table} (account_id, last_contact_at, updated_at) "
                    f"SELECT account_id, max(occurred_at), now() FROM {Activity._meta.db_table} "
                    "WHERE account_id IS NOT NULL AND kind <> 'note' GROUP BY account_id"
                )

            # Some of other people's contacts shared with the first sales user.
            others = [c for c in contacts if c[1] != sales[0].pk]
            content_type = ContentType.objects.get_for_model(Contact)
            RecordShare.objects.bulk_create(
                [
                    RecordShare(content_type=content_type, object_id=contact_id, user=sales[0])
                    for contact_id, _owner, _account in rng.sample(others, SHARED_WITH_SALES)
                ]
            )
    finally:
        connection.set_schema_to_public()
    # What autovacuum would soon do on its own: statistics for the planner, and the
    # visibility map that lets COUNT(*) read an index alone.
    with psycopg.connect(bench_db_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return tenant


# ------------------------------------------------------------------ the requests


class Scenario:
    """One list as one user: its API and UI addresses and its raw SQL."""

    def __init__(self, tenant, user, filter_name, sample):
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection
        from django.test import Client

        from crm.access import scope
        from crm.contacts.models import Contact
        from crm.users import tokens

        self.label = user.role
        host = f"{tenant.subdomain}.localhost"
        connection.set_tenant(tenant)
        try:
            self.api = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {tokens.issue_token(user=user)}")
            self.ui = Client(HTTP_HOST=host)
            self.ui.force_login(user)
            self.sees_all = scope.sees_everything(user)
            self.owner_ids = sorted(scope.owner_ids_in_scope(user))
            self.content_type = ContentType.objects.get_for_model(Contact).pk
        finally:
            connection.set_schema_to_public()
        self.user_id = user.pk
        self.filter = sample[filter_name]
        self.api_url = "/api/v1/contacts/?" + "&".join(
            part for part in (f"page_size={API_PAGE}", self.filter["api"], "ordering=last_name") if part
        )
        self.ui_url = "/contacts/?" + "&".join(part for part in (self.filter["ui"], "sort=name") if part)
        self.floor_url = "/api/v1/notifications/?page_size=1"

    def scoped(self, where):
        """`where` narrowed to this user's scope, as crm/access/scope.py narrows it."""
        if self.sees_all:
            return where, {}
        return (
            f"({where}) AND (c.owner_id = ANY(%(scope)s) OR c.id IN (SELECT object_id FROM access_recordshare "
            "WHERE user_id = %(me)s AND content_type_id = %(ct)s))",
            {"scope": self.owner_ids, "me": self.user_id, "ct": self.content_type},
        )

    def raw_sql(self, conn, where, page_size, order, names):
        """COUNT(*) and one page. The UI page shows the owner's and the account's
        names (joined); the API shows their ids and each contact's account links."""
        where, scope_params = self.scoped(where)
        params = {**self.filter["params"], **scope_params}
        count = conn.execute(f"SELECT count(*) FROM contacts_contact c WHERE {where}", params).fetchone()[0]
        if names:
            conn.execute(
                "SELECT c.*, u.email, u.name, a.name FROM contacts_contact c "
                "JOIN users_user u ON u.id = c.owner_id LEFT JOIN accounts_account a ON a.id = c.account_id "
                f"WHERE {where} ORDER BY {order} LIMIT {page_size}",
                params,
            ).fetchall()
        else:
            rows = conn.execute(
                f"SELECT c.* FROM contacts_contact c WHERE {where} ORDER BY {order} LIMIT {page_size}", params
            ).fetchall()
            conn.execute(
                "SELECT * FROM contacts_contactaccount WHERE contact_id = ANY(%s) ORDER BY is_primary DESC, id",
                [[row[0] for row in rows]],
            ).fetchall()
        return count

    def raw_api(self, conn):
        return self.raw_sql(conn, self.filter["api_where"], API_PAGE, "c.last_name", names=False)

    def raw_ui(self, conn):
        return self.raw_sql(conn, self.filter["ui_where"], UI_PAGE, "c.last_name, c.first_name, c.id", names=True)


def sample_filters(tenant, sales_user):
    """For each filter: its API and UI query strings, the SQL condition of each, and their parameters."""
    from django.db import connection
    from django.db.models import Count

    from crm.accounts.models import Account

    connection.set_tenant(tenant)
    try:
        # The sales user's account with the most contacts, so the page is not trivially empty.
        account = Account.objects.filter(owner=sales_user).annotate(n=Count("contacts")).order_by("-n", "id").first()
    finally:
        connection.set_schema_to_public()
    word = "zha"
    # The API searches title and the account's name too; the UI's search box names, e-mail and phone.
    person = "c.first_name ILIKE %(w)s OR c.last_name ILIKE %(w)s OR c.email ILIKE %(w)s OR c.phone ILIKE %(w)s"
    return {
        "owner": {
            "api": f"owner={sales_user.pk}",
            "ui": f"owner={sales_user.pk}",
            "api_where": "c.owner_id = %(owner)s",
            "ui_where": "c.owner_id = %(owner)s",
            "params": {"owner": sales_user.pk},
        },
        "account": {
            "api": f"account={account.pk}",
            "ui": f"account={account.pk}",
            "api_where": "c.account_id = %(account)s",
            "ui_where": "c.account_id = %(account)s",
            "params": {"account": account.pk},
        },
        "search": {
            "api": f"search={word}",
            "ui": f"q={word}",
            "api_where": f"({person} OR c.title ILIKE %(w)s OR EXISTS (SELECT 1 FROM accounts_account a "
            "WHERE a.id = c.account_id AND a.name ILIKE %(w)s))",
            "ui_where": f"({person})",
            "params": {"w": f"%{word}%"},
        },
        "none": {"api": "", "ui": "", "api_where": "TRUE", "ui_where": "TRUE", "params": {}},
    }


def count_queries(client, url):
    """Queries of one request, not counting django-tenants' `SET search_path` before
    each, on a warm path (the first may also touch the token's last_used_at)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return sum(1 for query in captured.captured_queries if not query["sql"].startswith("SET search_path"))


def measure(scenarios, raw_conn, requests, warmup):
    """{(label, surface): [seconds, ...]}: each request of each kind in turn."""
    kinds = []
    for s in scenarios:
        kinds += [
            ((s.label, "API"), lambda s=s: s.api.get(s.api_url)),
            # The same request for one row: what the API costs before any row.
            ((s.label, "API 1 row"), lambda s=s: s.api.get(s.api_url.replace(f"page_size={API_PAGE}", "page_size=1"))),
            # The cheapest authenticated API list: the caller's own (empty)
            # notifications (tenant, token, count, page). No list costs less.
            ((s.label, "API floor"), lambda s=s: s.api.get(s.floor_url)),
            ((s.label, "API raw SQL"), lambda s=s: s.raw_api(raw_conn)),
            ((s.label, "UI"), lambda s=s: s.ui.get(s.ui_url)),
            ((s.label, "UI raw SQL"), lambda s=s: s.raw_ui(raw_conn)),
        ]
    for _ in range(warmup):
        for _key, fn in kinds:
            fn()
    # What gunicorn's post_worker_init does for a web worker (ops/observability/gunicorn.py):
    # the long-lived objects loaded so far are left out of garbage collection.
    gc.freeze()
    times = {key: [] for key, _fn in kinds}
    for i in range(requests):
        for key, fn in kinds:
            started = time.perf_counter()
            result = fn()
            times[key].append(time.perf_counter() - started)
            if hasattr(result, "status_code") and result.status_code != 200:
                raise RuntimeError(f"{key}: HTTP {result.status_code}: {result.content[:300]!r}")
        if (i + 1) % 50 == 0:
            log(f"{i + 1}/{requests} rounds")
    return times


# ------------------------------------------------------------------ figures


def ms(values):
    return {"p50": statistics.median(values) * 1000, "p95": p95(values) * 1000}


def report(filter_name, scenarios, times, queries, facts, args):
    print()
    print(f"filter: {filter_name}   API {scenarios[0].api_url}   UI {scenarios[0].ui_url}")
    print(
        f"  {'ms':<16}{'p50':>8}{'p95':>8}{'raw p50':>9}{'raw p95':>9}{'ratio p50':>11}{'ratio p95':>11}"
        f"{'queries':>9}{'q@few':>7}"
    )
    met = True
    for s in scenarios:
        for surface in ("API", "UI"):
            page, raw = ms(times[(s.label, surface)]), ms(times[(s.label, f"{surface} raw SQL")])
            q_full, q_small = queries[(s.label, surface)]
            ratio50, ratio95 = page["p50"] / raw["p50"], page["p95"] / raw["p95"]
            print(
                f"  {surface + ' ' + s.label:<16}{page['p50']:>8.1f}{page['p95']:>8.1f}{raw['p50']:>9.1f}"
                f"{raw['p95']:>9.1f}{ratio50:>10.1f}x{ratio95:>10.1f}x{q_full:>9}{q_small:>7}"
            )
            if surface == "API":
                ok = page["p95"] < TARGET_API_P95_MS and ratio95 <= TARGET_API_RATIO
            else:
                ok = page["p95"] < TARGET_UI_P95_MS
            met = met and ok and q_full == q_small
    one_row = ", ".join(f"{s.label} {ms(times[(s.label, 'API 1 row')])['p50']:.1f}" for s in scenarios)
    print(f"  the same API request for 1 row instead of {API_PAGE}, p50 ms: {one_row}")
    for s in scenarios:
        # A list request does at least the floor's work and the list's own SQL, so
        # its ratio to the raw SQL is about 1 + floor / raw at best.
        floor, raw = ms(times[(s.label, "API floor")]), ms(times[(s.label, "API raw SQL")])
        print(
            f"  API floor {s.label} ({s.floor_url}): p50 {floor['p50']:.1f} ms, p95 {floor['p95']:.1f} ms;"
            f" best possible list ratio ~ 1 + floor/raw: p50 {1 + floor['p50'] / raw['p50']:.1f}x,"
            f" p95 {1 + floor['p95'] / raw['p95']:.1f}x"
        )
    return met


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="uncounted requests per kind first (default 10)")
    parser.add_argument(
        "--filter",
        action="append",
        choices=["owner", "account", "search", "none"],
        help="which list filter to time (repeatable; default owner)",
    )
    parser.add_argument("--rebuild", action="store_true", help="drop the bench database and generate it again")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    args.filter = args.filter or ["owner"]
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be at least 1 and --warmup not negative")
    return args


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    bench_db_url, admin_url = bench_urls(BENCH_DB)

    with contextlib.ExitStack() as cleanup:
        fresh = args.rebuild or not database_exists(admin_url, BENCH_DB)
        if fresh:
            recreate_database(admin_url, BENCH_DB)
            log(f"created database {BENCH_DB}")
        setup_django(cleanup, BENCH_DB, bench_db_url)
        import psycopg

        from crm.users.models import Role, User
        from tenants.models import Tenant

        migrate()
        tenant = Tenant.objects.filter(subdomain=SUBDOMAIN).first()
        counts = existing_counts(tenant) if tenant else None
        if counts != COUNTS:
            log(f"generating tenant {SUBDOMAIN} ({counts or 'none yet'} -> {COUNTS})")
            started = time.perf_counter()
            tenant = build_tenant(bench_db_url)
            log(f"generated in {time.perf_counter() - started:.0f} s")
        else:
            log(f"reusing tenant {SUBDOMAIN} in {BENCH_DB}: {counts}")

        from django.db import connection

        connection.set_tenant(tenant)
        sales_user = User.objects.get(email=f"sales1@{SUBDOMAIN}.test")
        admin = User.objects.filter(role=Role.ADMIN).order_by("id").first()
        connection.set_schema_to_public()

        raw_conn = psycopg.connect(bench_db_url, autocommit=True)
        cleanup.callback(raw_conn.close)
        raw_conn.execute(f'SET search_path TO "{tenant.schema_name}", public')

        met = True
        facts = machine_facts(server_version(admin_url))
        print(
            f"\nmachine: {facts['cpus']} CPUs ({facts['cpu']}), PostgreSQL {facts['postgres']}, "
            f"Python {facts['python']}; Django test Client in-process; {args.requests} requests per kind "
            f"after {args.warmup} warm-up, all kinds alternating"
        )
        print(
            f"data: {COUNTS}; sales user {sales_user.email} owns "
            f"{COUNTS['contacts'] // (TEAMS * SALES_PER_TEAM)} contacts, {SHARED_WITH_SALES} more shared"
        )
        for filter_name in args.filter:
            sample = sample_filters(tenant, sales_user)
            scenarios = [
                Scenario(tenant, sales_user, filter_name, sample),
                Scenario(tenant, admin, filter_name, sample),
            ]
            queries = {}
            for s in scenarios:
                # The raw SQL must find what the API finds, or the comparison means nothing.
                found, raw = s.api.get(s.api_url).json()["count"], s.raw_api(raw_conn)
                if found != raw:
                    raise RuntimeError(f"{s.label}, {filter_name}: the API counts {found}, the raw SQL {raw}")
                small_api = s.api_url.replace(f"page_size={API_PAGE}", "page_size=5")
                queries[(s.label, "API")] = (count_queries(s.api, s.api_url), count_queries(s.api, small_api))
                # The UI page's size is fixed: narrowing the same list to one e-mail domain
                # (about ten contacts) stands in for "fewer rows".
                few = f"{s.ui_url}&q=example7.test"
                queries[(s.label, "UI")] = (count_queries(s.ui, s.ui_url), count_queries(s.ui, few))
            with OtherWork(os.getpid(), BENCH_DB) as other:
                times = measure(scenarios, raw_conn, args.requests, args.warmup)
            facts["other_cpus"] = other.cpus
            print(
                f"other processes used {other.cpus:.2f} of {facts['cpus']} CPUs on average while timing"
                + ("  (shared machine: figures are noisy)" if other.cpus > 0.1 else "")
            )
            met = report(filter_name, scenarios, times, queries, facts, args) and met
        print()
        print(
            f"targets: API p95 < {TARGET_API_P95_MS:g} ms and <= {TARGET_API_RATIO:g}x raw SQL p95; "
            f"UI p95 < {TARGET_UI_P95_MS:g} ms; queries per page the same at 5 rows as at a full page "
            f"-> {'MET' if met else 'NOT MET'}"
        )

    if args.check and not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
