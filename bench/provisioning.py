"""Time to a usable tenant: spare-schema pool vs. django-tenants' migrate-on-create.

Issue 2. "Usable" means: the first authenticated API call on the new tenant's
host answers 200. For each tenant we time, one after the other:

  pool (ours)        POST /api/v1/signup/ on Host localhost (over HTTP, the real
                     gunicorn server) -> POST /api/v1/auth/token/ on
                     <sub>.localhost -> GET /api/v1/accounts/ with the Bearer token.
  migrate-on-create  Tenant(...).save() with auto_create_schema=True (django-tenants
                     runs migrate_schemas for the new schema inside save()), its
                     Domain and owner (create_superuser in tenant_context), in
                     this process -> the same token request and GET over HTTP to
                     the same server.

Both paths use the same database, server, tenant apps and migrations. The
baseline's creation step skips the HTTP round trip, validation and Celery
enqueue that the sign-up request pays, so the ratio is if anything conservative.

Everything runs in a throwaway database `crm_bench_<pid>` created on the server
of $DATABASE_URL (default postgres://postgres@127.0.0.1:5432/crm) and dropped at
the end, and in an empty Redis database index (cache, sign-up throttle, Celery
queue) that is flushed at the end; the dev database and Redis db 0 are not
touched. No Celery worker runs: the pool is prefilled with one spare per sign-up
(the time that takes is printed as the background cost per spare), and the
refill tasks that sign-up queues are discarded with the Redis database.

    .venv/bin/python bench/provisioning.py [--runs 50] [--baseline-runs 50]

Targets (issue 2): pool median < 1 s, and baseline median / pool median >= 10.
`--check` exits 1 when a target is missed; by default the script only reports.
"""

import argparse
import contextlib
import http.client
import io
import json
import math
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
TARGET_MEDIAN_S = 1.0
TARGET_RATIO = 10.0
PASSWORD_PREFIX = "bench-passphrase-"


def log(message):
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ resources


def with_db(url, dbname):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(dbname)))


def create_database(admin_url, dbname):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
        version = conn.execute("SHOW server_version").fetchone()[0]
    return version


def drop_database(admin_url, dbname):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    log(f"dropped database {dbname}")


def claim_redis_db(base_url, owner):
    """An empty Redis database index, marked as ours; returns (url, client)."""
    import redis

    parts = urllib.parse.urlsplit(base_url)
    for index in range(15, 0, -1):
        url = urllib.parse.urlunsplit(parts._replace(path=f"/{index}"))
        client = redis.Redis.from_url(url)
        try:
            if client.dbsize() == 0 and client.set("crm-bench-owner", owner, nx=True) and client.dbsize() == 1:
                return url, client
        except redis.exceptions.ResponseError:
            continue  # fewer databases configured
        client.close()
    raise SystemExit("no empty Redis database index in 1..15 for the benchmark")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env, port, workers, threads, log_path):
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    cmd = [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    log_file = open(log_path, "wb")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            status, _ = request(port, "localhost", "GET", "/healthz")
            if status == 200:
                return proc, log_file
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def stop_server(proc, log_file):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    log_file.close()
    log("stopped gunicorn")


# ------------------------------------------------------------------ HTTP


def request(port, host, method, path, payload=None, token=None):
    """One request on a fresh connection to 127.0.0.1:port with this Host header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        headers = {"Host": f"{host}:{port}", "Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, data
    finally:
        conn.close()


def expect(status, data, wanted, what):
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status}, expected {wanted}: {data[:500]!r}")
    return json.loads(data) if data else None


def first_authenticated_call(port, subdomain, email, password):
    """Token request and authenticated GET on the tenant's host; returns the two durations."""
    host = f"{subdomain}.localhost"
    t0 = time.perf_counter()
    status, data = request(port, host, "POST", "/api/v1/auth/token/", {"email": email, "password": password})
    token = expect(status, data, 200, f"token on {host}")["token"]
    t1 = time.perf_counter()
    status, data = request(port, host, "GET", "/api/v1/accounts/", token=token)
    expect(status, data, 200, f"GET accounts on {host}")
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def new_identity(kind, i):
    subdomain = f"bench-{kind}-{i}-{secrets.token_hex(3)}"
    return subdomain, f"owner@{subdomain}.test", PASSWORD_PREFIX + secrets.token_hex(8)


# ------------------------------------------------------------------ the two paths


def pool_run(port, i):
    subdomain, email, password = new_identity("pool", i)
    t0 = time.perf_counter()
    status, data = request(
        port,
        "localhost",
        "POST",
        "/api/v1/signup/",
        {
            "company": f"Bench Pool {i}",
            "subdomain": subdomain,
            "email": email,
            "password": password,
            "seats": 3,
            "interval": "month",
        },
    )
    expect(status, data, 201, f"sign-up {subdomain}")
    create = time.perf_counter() - t0
    token, get = first_authenticated_call(port, subdomain, email, password)
    return {"total": time.perf_counter() - t0, "create": create, "token": token, "get": get}


def migrate_on_create_run(port, i):
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from tenants import subdomains
    from tenants.models import Domain, Tenant

    subdomain, email, password = new_identity("moc", i)
    t0 = time.perf_counter()
    tenant = Tenant(
        schema_name=subdomains.schema_name_for(subdomain),
        subdomain=subdomain,
        company=f"Bench Migrate {i}",
        owner_email=email,
        seats=3,
        billing_interval="month",
        trial_ends_at=timezone.now() + timedelta(days=settings.TRIAL_DAYS),
    )
    # django-tenants' default: save() creates the schema and runs migrate_schemas on it.
    tenant.auto_create_schema = True
    tenant.save(verbosity=0)
    Domain.objects.create(domain=f"{subdomain}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True)
    with tenant_context(tenant):
        get_user_model().objects.create_superuser(email=email, password=password)
    create = time.perf_counter() - t0
    token, get = first_authenticated_call(port, subdomain, email, password)
    return {"total": time.perf_counter() - t0, "create": create, "token": token, "get": get}


def measure(port, runs, baseline_runs, warmup):
    """Both paths, alternating run by run, so that anything else slowing the
    machine down meanwhile weighs on both alike."""
    paths = [("pool", pool_run, runs), ("migrate-on-create", migrate_on_create_run, baseline_runs)]
    results = {name: [] for name, _, _ in paths}
    for i in range(warmup):
        for name, fn, count in paths:
            if count:
                log(f"{name}: warm-up {i + 1}/{warmup}: {fn(port, -1 - i)['total']:.3f} s (not counted)")
    for i in range(max(runs, baseline_runs)):
        for name, fn, count in paths:
            if i < count:
                results[name].append(fn(port, i))
                if (i + 1) % 10 == 0 or i + 1 == count:
                    log(f"{name}: {i + 1}/{count} done, last {results[name][-1]['total']:.3f} s")
    return results["pool"], results["migrate-on-create"]


# ------------------------------------------------------------------ other work on the machine

_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid):
    """CPU seconds used so far by process `pid` (all its threads), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK, int(fields[1])  # utime+stime, ppid


def _our_processes(server_pid, bench_db):
    """This process, gunicorn and its workers, and the PostgreSQL backends of the bench database."""
    from django.db import connection

    pids = {os.getpid(), server_pid}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [bench_db])
        pids.update(pid for (pid,) in cursor.fetchall())
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _proc_cpu(entry.name)
            if found and found[1] == server_pid:
                pids.add(int(entry.name))
    return {pid: cpu for pid in pids if (cpu := (_proc_cpu(pid) or (None,))[0]) is not None}


def _machine_busy():
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / _TICK


class OtherWork:
    """How many CPUs other processes kept busy while we timed (Linux /proc), to
    tell a quiet run from one that shared the machine."""

    def __init__(self, server_pid, bench_db):
        self.server_pid, self.bench_db = server_pid, bench_db

    def __enter__(self):
        self.wall, self.busy = time.monotonic(), _machine_busy()
        self.ours = _our_processes(self.server_pid, self.bench_db)
        return self

    def __exit__(self, *exc):
        wall, busy = time.monotonic() - self.wall, _machine_busy() - self.busy
        ours_now = _our_processes(self.server_pid, self.bench_db)
        ours = sum(cpu - self.ours.get(pid, 0.0) for pid, cpu in ours_now.items())
        self.cpus = max(0.0, busy - ours) / wall if wall else 0.0
        return False


# ------------------------------------------------------------------ figures


def p95(values):
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(results, key):
    values = [r[key] for r in results]
    return {"median": statistics.median(values), "p95": p95(values), "min": min(values), "max": max(values)}


def machine_facts(pg_version):
    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "postgres": pg_version,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def report(pool, baseline, prefill, facts, args):
    def line(label, s):
        return f"  {label:<26}{s['median']:>9.3f}{s['p95']:>9.3f}{s['min']:>9.3f}{s['max']:>9.3f}"

    header = f"  {'seconds':<26}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}"
    print()
    print(
        f"machine: {facts['cpus']} CPUs ({facts['cpu']}), PostgreSQL {facts['postgres']}, "
        f"Python {facts['python']}, gunicorn {args.workers} workers x {args.threads} threads"
    )
    print(
        f"other processes used {facts['other_cpus']:.2f} of {facts['cpus']} CPUs on average during the timed runs"
        + ("  (shared machine: figures are noisy)" if facts["other_cpus"] > 0.1 else "")
    )
    print(
        f"pool prefill: {prefill['count']} spares in {prefill['seconds']:.1f} s "
        f"= {prefill['seconds'] / max(1, prefill['count']):.3f} s per spare (background cost)"
    )
    print()
    print(f"pool (sign-up over HTTP), {len(pool)} runs after {args.warmup} warm-up, alternating with the baseline:")
    print(header)
    print(line("usable tenant (total)", summary(pool, "total")))
    print(line("  POST signup", summary(pool, "create")))
    print(line("  POST auth/token", summary(pool, "token")))
    print(line("  GET accounts", summary(pool, "get")))
    print()
    if baseline:
        print(f"migrate-on-create (django-tenants default), {len(baseline)} runs after {args.warmup} warm-up:")
        print(header)
        print(line("usable tenant (total)", summary(baseline, "total")))
        print(line("  save+domain+owner", summary(baseline, "create")))
        print(line("  POST auth/token", summary(baseline, "token")))
        print(line("  GET accounts", summary(baseline, "get")))
        print()
    pool_median = summary(pool, "total")["median"]
    median_met = pool_median < TARGET_MEDIAN_S
    print(f"target median < {TARGET_MEDIAN_S:g} s: {pool_median:.3f} s -> {'MET' if median_met else 'NOT MET'}")
    ratio_met = True
    if baseline:
        ratio = summary(baseline, "total")["median"] / pool_median
        ratio_p95 = summary(baseline, "total")["p95"] / summary(pool, "total")["p95"]
        ratio_met = ratio >= TARGET_RATIO
        print(
            f"target ratio >= {TARGET_RATIO:g}x (baseline median / pool median): {ratio:.1f}x -> "
            f"{'MET' if ratio_met else 'NOT MET'}   (p95 ratio {ratio_p95:.1f}x)"
        )
        create_ratio = summary(baseline, "create")["median"] / summary(pool, "create")["median"]
        print(f"creation step alone (save+domain+owner / POST signup), medians: {create_ratio:.1f}x")
    return median_met and ratio_met


# ------------------------------------------------------------------ main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="sign-ups through the pool (default 50)")
    parser.add_argument(
        "--baseline-runs", type=int, default=50, help="tenants created the migrate-on-create way (default 50; 0 skips)"
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="uncounted runs per path first, to warm the server workers (default 2)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2, as the Procfile)")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker (default 4)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if args.runs < 1 or args.baseline_runs < 0 or args.warmup < 0:
        parser.error("--runs must be at least 1; --baseline-runs and --warmup not negative")
    return args


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    base_db_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    dev_db = urllib.parse.unquote(urllib.parse.urlsplit(base_db_url).path.lstrip("/"))
    bench_db = f"crm_bench_{os.getpid()}"
    assert bench_db != dev_db
    bench_db_url = with_db(base_db_url, bench_db)
    admin_url = with_db(base_db_url, "postgres")
    spares_needed = args.runs + args.warmup

    with contextlib.ExitStack() as cleanup:
        pg_version = create_database(admin_url, bench_db)
        cleanup.callback(drop_database, admin_url, bench_db)
        log(f"created database {bench_db}")

        redis_url, redis_client = claim_redis_db(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL, bench_db)
        cleanup.callback(lambda: (redis_client.flushdb(), redis_client.close(), log(f"flushed Redis {redis_url}")))
        log(f"using Redis {redis_url}")

        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": bench_db_url,
                "REDIS_URL": redis_url,
                "CELERY_QUEUE": bench_db,
                "SIGNUP_RATE_LIMIT": "100000/hour",
                "SPARE_SCHEMA_POOL_SIZE": str(spares_needed),
                "BASE_DOMAIN": "localhost",
                # Our own keys, so settings never write .secrets/ in the checkout.
                "SECRET_KEY": secrets.token_urlsafe(50),
                "BACKUP_ENCRYPTION_KEY": secrets.token_urlsafe(32),
                "SENTRY_DSN": "",
                "DJANGO_DEBUG": "0",
                "LOG_LEVEL": "WARNING",
            }
        )
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))

        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections
        from django.test.utils import override_settings

        from tenants import provisioning
        from tenants.models import SpareSchema

        cleanup.callback(connections.close_all)  # before the drop (callbacks run last-in first-out)

        log("migrating the bench database (manage.py upgrade, pool left empty)")
        started = time.perf_counter()
        with override_settings(SPARE_SCHEMA_POOL_SIZE=0):
            call_command("upgrade", verbosity=0, stdout=io.StringIO())
        log(f"upgrade: {time.perf_counter() - started:.1f} s")

        log(f"prefilling the spare pool with {spares_needed} spares")
        started = time.perf_counter()
        prepared = provisioning.fill_pool(size=spares_needed)
        prefill = {"count": prepared, "seconds": time.perf_counter() - started}
        log(f"prefill: {prefill['seconds']:.1f} s")

        port = free_port()
        log_path = Path(f"/tmp/{bench_db}-gunicorn.log")
        proc, log_file = start_server(env, port, args.workers, args.threads, log_path)
        cleanup.callback(stop_server, proc, log_file)
        log(f"gunicorn on 127.0.0.1:{port} (log {log_path})")

        with OtherWork(proc.pid, bench_db) as other:
            pool, baseline = measure(port, args.runs, args.baseline_runs, args.warmup)
        left = SpareSchema.objects.count()
        if left != spares_needed - args.warmup - args.runs:
            log(
                f"warning: {left} spares left, expected {spares_needed - args.warmup - args.runs}: "
                "some sign-ups found the pool empty and migrated inline"
            )

        facts = machine_facts(pg_version)
        facts["other_cpus"] = other.cpus
        met = report(pool, baseline, prefill, facts, args)
        log_path.unlink(missing_ok=True)  # kept only when the run failed

    if args.check and not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
