"""Upgrading 1,000 tenants: `manage.py upgrade` beside django-tenants' `migrate_schemas`.

Issue 5 ("Benchmark"): a no-op upgrade and an upgrade with one additive
migration over 1,000 tenant schemas, timed for

  ours          manage.py upgrade --no-pool --workers W (canary 1, the default):
                public, then every tenant from one UNION plan, pending ones on W
                forked workers reusing one migration graph and rendered state
  standard      manage.py migrate_schemas --executor standard (public + every tenant,
                Django's migrate command once per schema, one after the other)
  multiproc     manage.py migrate_schemas --executor multiprocessing with
                TENANT_MULTIPROCESSING_MAX_PROCESSES = W

all at verbosity 0 (at 1, migrate_schemas also runs the autodetector per
schema, which would only flatter us). The no-op upgrade of ours is timed twice:
"cold", with no TenantUpgrade rows, so every schema's django_migrations is read;
and "re-run", when every row is done at this target and no schema is read.

The additive migration is `contacts.9999_bench_additive`: AddField
Contact.bench_note (a nullable text column, so ALTER TABLE ADD COLUMN without a
rewrite), added at run time through MIGRATION_MODULES as the tests do. Before
each additive run the column and its django_migrations rows are removed again
from every schema, so the three paths start from the same state.

1,000 tenants are made cheaply: one schema is migrated for real (the template),
`pg_dump -n <template> --inserts` of it (tables, identity sequences, indexes,
foreign keys and the rows post_migrate wrote: django_migrations, content types,
permissions) is replayed with the schema name replaced, one round trip per
clone, and the Tenant and Domain rows are bulk-inserted. Everything happens in a
throwaway database `crm_bench_upg_<pid>` on the server of $DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/crm), dropped at the end, also on failure or
Ctrl-C.

    .venv/bin/python bench/upgrades.py [--tenants 1000] [--workers 4] [--skip-baselines]

Targets (issue 5): ours >= 5x faster than migrate_schemas (either executor),
and the additive upgrade < 2 min. `--check` exits 1 when one is missed.
"""

import argparse
import contextlib
import io
import os
import platform
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm"
TEMPLATE = "bench_template_schema"
ADDITIVE = "9999_bench_additive"
COLUMN = "bench_note"
TARGET_RATIO = 5.0
TARGET_ADDITIVE_S = 120.0


def log(message):
    print(message, file=sys.stderr, flush=True)


def with_db(url, dbname):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(dbname)))


def admin(url, statement):
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


# ------------------------------------------------------------------ machine load

_TICK = os.sysconf("SC_CLK_TCK")


def _machine_busy_s():
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / _TICK


def _python_cpu_s():
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Timed:
    """Wall time of a block, and how busy the machine's CPUs were meanwhile."""

    def __enter__(self):
        self.start, self.busy, self.python = time.perf_counter(), _machine_busy_s(), _python_cpu_s()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        self.busy_cpus = (_machine_busy_s() - self.busy) / self.seconds
        self.python_cpus = (_python_cpu_s() - self.python) / self.seconds
        return False


# ------------------------------------------------------------------ tenants


def make_tenants(count, bench_db_url):
    """A migrated template schema, cloned `count` times by replaying its pg_dump."""
    import psycopg
    from django.conf import settings
    from django.db import connection

    from tenants import provisioning
    from tenants.models import Domain, Tenant

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {TEMPLATE}")
    provisioning.migrate_schema(TEMPLATE)
    dump = subprocess.run(
        ["pg_dump", "--dbname", bench_db_url, "-n", TEMPLATE, "--no-owner", "--no-privileges", "--inserts"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # pg_dump 15.14+ brackets its output in psql meta-commands (\restrict); SQL only here.
    script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
    names = [f"t_bench{i:05d}_{secrets.token_hex(4)}" for i in range(count)]
    started = time.perf_counter()
    with psycopg.connect(bench_db_url, autocommit=True) as conn:
        for index, name in enumerate(names, 1):
            conn.execute(script.replace(TEMPLATE, name))
            if index % 100 == 0:
                log(f"  cloned {index}/{count} ({time.perf_counter() - started:.0f} s)")
        conn.execute(f"DROP SCHEMA {TEMPLATE} CASCADE")
    tenants = Tenant.objects.bulk_create(
        [
            Tenant(
                schema_name=name,
                subdomain=name[2:].replace("_", "-"),
                company=f"Bench {i}",
                owner_email=f"owner{i}@bench.test",
            )
            for i, name in enumerate(names)
        ]
    )
    Domain.objects.bulk_create(
        [Domain(domain=f"{t.subdomain}.{settings.BASE_DOMAIN}", tenant=t, is_primary=True) for t in tenants]
    )
    return names


def additive_migrations_package(folder):
    """crm.contacts' migrations plus one AddField, as an importable package in `folder`."""
    package = folder / "bench_contacts_migrations"
    shutil.copytree(ROOT / "crm" / "contacts" / "migrations", package, ignore=shutil.ignore_patterns("__pycache__"))
    last = sorted(p.stem for p in package.glob("0*.py"))[-1]
    (package / f"{ADDITIVE}.py").write_text(
        textwrap.dedent(f"""
        from django.db import migrations, models

        class Migration(migrations.Migration):
            dependencies = [("contacts", "{last}")]
            operations = [migrations.AddField("contact", "{COLUMN}", models.TextField(null=True, blank=True))]
    """)
    )
    sys.path.insert(0, str(folder))
    return package.name


def reset_additive(bench_db_url, names):
    """Every schema back to before the additive migration; no upgrade status rows."""
    import psycopg

    with psycopg.connect(bench_db_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'ALTER TABLE "{name}".contacts_contact DROP COLUMN IF EXISTS {COLUMN}')
            conn.execute(f"DELETE FROM \"{name}\".django_migrations WHERE app = 'contacts' AND name = %s", [ADDITIVE])
        conn.execute("DELETE FROM public.django_migrations WHERE app = 'contacts' AND name = %s", [ADDITIVE])
        conn.execute("DELETE FROM public.ops_tenantupgrade")


def schemas_with_column(bench_db_url):
    import psycopg

    with psycopg.connect(bench_db_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'contacts_contact' AND column_name = %s",
            [COLUMN],
        ).fetchone()[0]


# ------------------------------------------------------------------ the three paths


def ours(workers):
    from django.core.management import call_command

    call_command("upgrade", "--no-pool", "--workers", str(workers), verbosity=0, stdout=io.StringIO())


def migrate_schemas(executor, workers):
    from django.core.management import call_command
    from django.test.utils import override_settings

    with override_settings(TENANT_MULTIPROCESSING_MAX_PROCESSES=workers):
        call_command("migrate_schemas", executor=executor, interactive=False, verbosity=0)


def run(label, fn, *args):
    from django.db import connections

    connections.close_all()
    log(f"{label}: running")
    with Timed() as timed:
        fn(*args)
    connections.close_all()
    log(
        f"{label}: {timed.seconds:.1f} s (machine busy {timed.busy_cpus:.2f} CPUs, "
        f"of which our Python {timed.python_cpus:.2f})"
    )
    return timed


# ------------------------------------------------------------------ main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=1000, help="tenant schemas (default 1000)")
    parser.add_argument(
        "--workers", type=int, default=4, help="upgrade --workers and TENANT_MULTIPROCESSING_MAX_PROCESSES (default 4)"
    )
    parser.add_argument("--skip-baselines", action="store_true", help="time ours only")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args()


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    base_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    bench_db = f"crm_bench_upg_{os.getpid()}"
    bench_url = with_db(base_url, bench_db)
    admin_url = with_db(base_url, "postgres")

    with contextlib.ExitStack() as cleanup:
        admin(admin_url, f'CREATE DATABASE "{bench_db}"')
        cleanup.callback(
            lambda: (
                admin(admin_url, f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)'),
                log(f"dropped database {bench_db}"),
            )
        )
        folder = Path(tempfile.mkdtemp(prefix="bench-upgrades-"))
        cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": bench_url,
                "SPARE_SCHEMA_POOL_SIZE": "0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "BACKUP_ENCRYPTION_KEY": secrets.token_urlsafe(32),
                "SENTRY_DSN": "",
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "text",
            }
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connections
        from django.test.utils import override_settings

        from ops.models import TenantUpgrade
        from tenants import provisioning

        cleanup.callback(connections.close_all)  # before the drop (callbacks run last-in first-out)

        log(f"database {bench_db}: migrating public")
        run("public", ours, 1)
        log(f"making {args.tenants} tenants")
        with Timed() as made:
            names = make_tenants(args.tenants, bench_url)
        log(f"made {len(names)} tenants in {made.seconds:.0f} s")

        results = {}
        baselines = [] if args.skip_baselines else [("standard", "standard"), ("multiproc", "multiprocessing")]

        # No-op: every schema is current.
        results[("no-op", "ours")] = run("no-op ours (cold)", ours, args.workers)
        assert TenantUpgrade.objects.filter(status=TenantUpgrade.Status.SKIPPED).count() == len(names)
        results[("no-op", "ours re-run")] = run("no-op ours (re-run)", ours, args.workers)
        for label, executor in baselines:
            results[("no-op", label)] = run(f"no-op {label}", migrate_schemas, executor, args.workers)

        # One additive migration.
        package = additive_migrations_package(folder)
        with override_settings(MIGRATION_MODULES={"contacts": package}):
            provisioning.migration_fingerprint.cache_clear()
            for label, fn, fn_args in [("ours", ours, (args.workers,))] + [
                (label, migrate_schemas, (executor, args.workers)) for label, executor in baselines
            ]:
                reset_additive(bench_url, names)
                connections.close_all()
                assert schemas_with_column(bench_url) == 0
                results[("additive", label)] = run(f"additive {label}", fn, *fn_args)
                found = schemas_with_column(bench_url)
                assert found == len(names), f"{label}: {found} of {len(names)} schemas have the column"
        provisioning.migration_fingerprint.cache_clear()

        met = report(results, args, made, names)
    if args.check and not met:
        sys.exit(1)


def report(results, args, made, names):
    import django

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print()
    print(f"machine: {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, Django {django.get_version()}")
    print(f"{len(names)} tenants cloned in {made.seconds:.0f} s; workers {args.workers}")
    print()
    print(f"  {'':<24}{'seconds':>9}{'per tenant':>12}{'busy CPUs':>11}")
    for (scenario, label), timed in results.items():
        print(
            f"  {scenario + ' ' + label:<24}{timed.seconds:>9.1f}{timed.seconds / len(names) * 1000:>10.1f}ms"
            f"{timed.busy_cpus:>11.2f}"
        )
    print()
    met = True
    for scenario in ("no-op", "additive"):
        ours = results[(scenario, "ours")].seconds
        for label in ("standard", "multiproc"):
            if (scenario, label) in results:
                ratio = results[(scenario, label)].seconds / ours
                met &= ratio >= TARGET_RATIO
                print(
                    f"{scenario}: {label} / ours = {ratio:.1f}x (target >= {TARGET_RATIO:g}x) -> "
                    f"{'MET' if ratio >= TARGET_RATIO else 'NOT MET'}"
                )
    additive = results[("additive", "ours")].seconds
    met &= additive < TARGET_ADDITIVE_S
    print(
        f"additive upgrade, ours: {additive:.1f} s (target < {TARGET_ADDITIVE_S:g} s) -> "
        f"{'MET' if additive < TARGET_ADDITIVE_S else 'NOT MET'}"
    )
    return met


if __name__ == "__main__":
    main()
