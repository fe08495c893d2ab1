#!/usr/bin/env python3
"""Find or start the PostgreSQL and Redis that `make run` / `make test` need.

    python3 bin/services.py env [--for run|test]   # ensure up, print `export ...` lines
    python3 bin/services.py stop                   # stop servers this script started

Stdlib only: it runs with the machine's python3, before .venv exists.
stdout carries nothing but the export lines (the Makefile evals them);
every diagnostic goes to stderr.

Order of preference, for each service:
  PostgreSQL: $DATABASE_URL; else a server on 127.0.0.1:5432 (user postgres,
    trust auth); else our own cluster in .run/pgdata, built with the machine's
    /usr/lib/postgresql/*/bin or, failing those, the binaries of the `pgserver`
    wheel from PyPI.
  Redis: $REDIS_URL; else 127.0.0.1:6379 if it answers PING; else our own
    redis-server with data in .run/redis; else (run only) REDIS_URL='' which
    the settings read as "no Redis: file-based broker and cache". Tests need
    a real Redis, so --for test installs redis-server from apt when root.

CRM_PG_PROBE_PORT / CRM_REDIS_PROBE_PORT move the probes (testing the
start-it-ourselves paths on a machine that already has both running).
"""

from __future__ import annotations

import argparse
import fcntl
import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"
PGDATA = RUN_DIR / "pgdata"
PG_LOG = RUN_DIR / "postgres.log"
PGSERVER_VENV = RUN_DIR / "pgserver-venv"
REDIS_DIR = RUN_DIR / "redis"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

APP_DB = "crm"
PG_USER = "postgres"  # database role on every server we find or start
PG_SYSTEM_USER = "postgres"  # OS user that owns our own cluster when we are root
DEBIAN_PG_GLOB = "/usr/lib/postgresql/*/bin"
# First ports tried for servers we start, clear of the standard ones so a
# system service installed later does not collide with ours.
OWN_PG_PORT = 5433
OWN_REDIS_PORT = 6390


def log(msg: str) -> None:
    print(f"services: {msg}", file=sys.stderr, flush=True)


def fail(msg: str) -> NoReturn:
    log(f"error: {msg}")
    sys.exit(1)


def is_root() -> bool:
    return os.geteuid() == 0


# ---------------------------------------------------------------- probes


def pg_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when a PostgreSQL server (not just any listener) is on host:port.

    An SSLRequest packet gets a one-byte 'S' or 'N' from PostgreSQL and from
    nothing else, so no client library or pg_isready binary is needed.
    """
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack("!II", 8, 80877103))
            return sock.recv(1) in (b"S", b"N")
    except OSError:
        return False


def redis_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(start: int) -> int:
    for port in range(start, start + 100):
        if port_is_free(port):
            return port
    fail(f"no free TCP port in {start}..{start + 99}")


def wait_for(check, what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    fail(f"{what} did not come up within {seconds:.0f}s")


def probe_port(var: str, default: int) -> int:
    return int(os.environ.get(var) or default)


# ---------------------------------------------------------------- PostgreSQL


def pg_url(port: int, db: str = APP_DB) -> str:
    return f"postgres://{PG_USER}@127.0.0.1:{port}/{db}"


def debian_bindirs() -> list[Path]:
    """Installed major versions, newest first."""
    dirs = [Path(d) for d in glob.glob(DEBIAN_PG_GLOB) if Path(d, "pg_ctl").exists()]
    return sorted(dirs, key=lambda d: [int(x) for x in re.findall(r"\d+", d.parent.name)] or [0], reverse=True)


def pgserver_bindir(install: bool) -> Path | None:
    found = glob.glob(str(PGSERVER_VENV / "lib" / "python*" / "site-packages" / "pgserver" / "pginstall" / "bin"))
    if found or not install:
        return Path(found[0]) if found else None
    # A venv of its own keeps these ~100 MB of binaries out of the app's
    # dependency set; pyproject.toml has no reason to know about them.
    log("no PostgreSQL binaries on this machine; installing the pgserver wheel into .run/pgserver-venv")
    RUN_DIR.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(PGSERVER_VENV)], check=True, stdout=sys.stderr)
    subprocess.run(
        [str(PGSERVER_VENV / "bin" / "pip"), "install", "--quiet", "pgserver"], check=True, stdout=sys.stderr
    )
    return pgserver_bindir(install=False)


def pg_bindir(install: bool = True) -> Path | None:
    """Binaries for our own cluster, matching its on-disk version when it has one."""
    candidates = debian_bindirs()
    version_file = PGDATA / "PG_VERSION"
    if version_file.exists():
        major = version_file.read_text().strip()
        for d in candidates:
            if d.parent.name == major:
                return d
        own = pgserver_bindir(install=False)
        if own and (own / "postgres").exists():
            return own
    if candidates:
        return candidates[0]
    return pgserver_bindir(install=install)


def cluster_owner() -> pwd.struct_passwd | None:
    """OS user that must run initdb/pg_ctl; None means 'whoever we are'."""
    if not is_root():
        return None
    try:
        return pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        # Only happens where PostgreSQL was never installed (pgserver path).
        log(f"creating system user {PG_SYSTEM_USER} (initdb refuses to run as root)")
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_SYSTEM_USER], check=True
        )
        return pwd.getpwnam(PG_SYSTEM_USER)


def run_as_owner(cmd: list[str], check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess:
    owner = cluster_owner()
    # cwd "/": the caller's may be unreadable to the postgres user.
    kwargs: dict = {"stdout": subprocess.DEVNULL if quiet else sys.stderr, "cwd": "/"}
    if owner is not None:
        # Same effect as `runuser -u postgres --`, without needing util-linux.
        kwargs.update(user=owner.pw_uid, group=owner.pw_gid, extra_groups=[])
    return subprocess.run(cmd, check=check, **kwargs)


def make_traversable(path: Path) -> None:
    """Let the postgres user reach `path` through our (root-owned) ancestors.

    Only the execute bit is added, and only where it is missing: listing
    stays private, and a repo under /work is usually fine already.
    """
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            log(f"adding o+x to {parent} so user {PG_SYSTEM_USER} can reach {path}")
            parent.chmod(mode | 0o001)


def configured_port() -> int | None:
    conf = PGDATA / "postgresql.conf"
    if not conf.exists():
        return None
    ports = re.findall(r"^port\s*=\s*(\d+)", conf.read_text(), re.M)
    return int(ports[-1]) if ports else None


def set_port(port: int) -> None:
    """Append our settings; the last occurrence of a setting wins in postgresql.conf."""
    with open(PGDATA / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# set by bin/services.py\n"
            f"port = {port}\n"
            "listen_addresses = '127.0.0.1'\n"
            # Unix sockets off: the repo path can exceed the socket path limit,
            # and everything connects over TCP anyway.
            "unix_socket_directories = ''\n"
        )


def init_cluster(bindir: Path) -> None:
    owner = cluster_owner()
    RUN_DIR.mkdir(exist_ok=True)
    PGDATA.mkdir(mode=0o700, exist_ok=True)
    PG_LOG.touch()
    if owner is not None:
        make_traversable(PGDATA)
        for path in (PGDATA, PG_LOG):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    log(f"initializing PostgreSQL cluster in {PGDATA.relative_to(ROOT)} with {bindir}")
    run_as_owner(
        [
            str(bindir / "initdb"),
            "-D",
            str(PGDATA),
            "-U",
            PG_USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-instructions",
        ]
    )


def ensure_own_postgres() -> str:
    bindir = pg_bindir()
    if bindir is None:
        fail("no PostgreSQL binaries found and pgserver could not be installed")
    if not (PGDATA / "PG_VERSION").exists():
        init_cluster(bindir)

    port = configured_port()
    running = (PGDATA / "postmaster.pid").exists() and run_as_owner(
        [str(bindir / "pg_ctl"), "-D", str(PGDATA), "status"], check=False, quiet=True
    ).returncode == 0
    if port and running:
        # It may still be starting (another run just launched it): wait, don't relaunch.
        wait_for(lambda: pg_answers("127.0.0.1", port), "PostgreSQL")
        log(f"reusing our PostgreSQL on 127.0.0.1:{port} ({PGDATA.relative_to(ROOT)})")
        return pg_url(port)

    if port is None or not port_is_free(port):
        port = free_port(OWN_PG_PORT)
        set_port(port)
    owner = cluster_owner()
    if owner is not None:
        make_traversable(PGDATA)
        PG_LOG.touch()
        os.chown(PG_LOG, owner.pw_uid, owner.pw_gid)
    log(f"starting PostgreSQL on 127.0.0.1:{port} (log: {PG_LOG.relative_to(ROOT)})")
    result = run_as_owner(
        [str(bindir / "pg_ctl"), "-D", str(PGDATA), "-l", str(PG_LOG), "-w", "-t", "60", "start"], check=False
    )
    if result.returncode != 0:
        tail = PG_LOG.read_text(errors="replace").splitlines()[-15:] if PG_LOG.exists() else []
        fail(
            "pg_ctl start failed; last log lines:\n  "
            + "\n  ".join(tail)
            + f"\nIf the data folder is from another PostgreSQL version, remove {PGDATA} and retry."
        )
    wait_for(lambda: pg_answers("127.0.0.1", port), "PostgreSQL")
    return pg_url(port)


def ensure_postgres() -> str:
    if os.environ.get("DATABASE_URL"):
        log("PostgreSQL: using DATABASE_URL from the environment")
        return os.environ["DATABASE_URL"]
    port = probe_port("CRM_PG_PROBE_PORT", 5432)
    if pg_answers("127.0.0.1", port):
        log(f"PostgreSQL: using the server on 127.0.0.1:{port}")
        return pg_url(port)
    log(f"PostgreSQL: nothing on 127.0.0.1:{port}; using our own under .run/")
    return ensure_own_postgres()


def psql_binary() -> str | None:
    on_path = shutil.which("psql")
    if on_path:
        return on_path
    bindir = pg_bindir(install=False)
    if bindir and (bindir / "psql").exists():
        return str(bindir / "psql")
    return None


def ensure_database(url: str) -> None:
    """CREATE DATABASE for the URL's database name unless it exists."""
    parts = urllib.parse.urlsplit(url)
    dbname = urllib.parse.unquote(parts.path.lstrip("/"))
    if not dbname:
        return
    # Connect to the maintenance database on the same server to create ours.
    admin_url = urllib.parse.urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    exists_sql = "SELECT 1 FROM pg_database WHERE datname = '" + dbname.replace("'", "''") + "'"
    create_sql = 'CREATE DATABASE "' + dbname.replace('"', '""') + '"'

    psql = psql_binary()
    if psql:
        base = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin_url, "-tA", "-c"]
        found = subprocess.run([*base, exists_sql], capture_output=True, text=True)
        if found.returncode != 0:
            log(f"warning: could not check database {dbname!r}: {found.stderr.strip()}")
            return
        if found.stdout.strip() != "1":
            log(f"creating database {dbname!r}")
            made = subprocess.run([*base, create_sql], capture_output=True, text=True)
            # Another run may have created it in between; that is fine.
            if made.returncode != 0 and "already exists" not in made.stderr:
                fail(f"could not create database {dbname!r}: {made.stderr.strip()}")
        return

    if VENV_PYTHON.exists():
        code = (
            "import sys, psycopg\n"
            "url, exists_sql, create_sql = sys.argv[1:4]\n"
            "with psycopg.connect(url, autocommit=True) as conn:\n"
            "    if conn.execute(exists_sql).fetchone() is None:\n"
            "        print('services: creating database', file=sys.stderr)\n"
            "        conn.execute(create_sql)\n"
        )
        made = subprocess.run([str(VENV_PYTHON), "-c", code, admin_url, exists_sql, create_sql], stdout=sys.stderr)
        if made.returncode == 0:
            return
    log(f"warning: neither psql nor psycopg available; database {dbname!r} not checked")


# ---------------------------------------------------------------- Redis


def redis_binary() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if os.path.exists(p)), None
    )


def apt_install_redis() -> str | None:
    if not is_root() or not shutil.which("apt-get"):
        return None
    log("installing redis-server with apt-get (tests need a real Redis)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update"], check=True, stdout=sys.stderr, env=env)
    subprocess.run(["apt-get", "install", "-y", "redis-server"], check=True, stdout=sys.stderr, env=env)
    return redis_binary()


def ensure_own_redis(binary: str) -> str:
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port_file = REDIS_DIR / "port"
    if port_file.exists():
        port = int(port_file.read_text().strip())
        if redis_answers("127.0.0.1", port):
            log(f"reusing our Redis on 127.0.0.1:{port}")
            return f"redis://127.0.0.1:{port}/0"
    port = free_port(OWN_REDIS_PORT)
    log(f"starting {binary} on 127.0.0.1:{port} (data: {REDIS_DIR.relative_to(ROOT)})")
    # No persistence: broker and cache contents are disposable in development.
    subprocess.run(
        [
            binary,
            "--daemonize",
            "yes",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(REDIS_DIR),
            "--save",
            "",
            "--appendonly",
            "no",
            "--pidfile",
            str(REDIS_DIR / "redis.pid"),
            "--logfile",
            str(REDIS_DIR / "redis.log"),
        ],
        check=True,
        stdout=sys.stderr,
    )
    wait_for(lambda: redis_answers("127.0.0.1", port), "redis-server")
    port_file.write_text(f"{port}\n")
    return f"redis://127.0.0.1:{port}/0"


def ensure_redis(purpose: str) -> str:
    if "REDIS_URL" in os.environ:
        if os.environ["REDIS_URL"] or purpose == "run":
            log(
                "Redis: using REDIS_URL from the environment"
                + ("" if os.environ["REDIS_URL"] else " (empty: file-based fallback)")
            )
            return os.environ["REDIS_URL"]
        log("Redis: ignoring empty REDIS_URL, tests need a real Redis")
    port = probe_port("CRM_REDIS_PROBE_PORT", 6379)
    if redis_answers("127.0.0.1", port):
        log(f"Redis: using the server on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"
    binary = redis_binary()
    if binary is None and purpose == "test":
        binary = apt_install_redis()
        if binary is None:
            fail(
                "tests need Redis: none answers, no redis-server binary, and cannot apt-get install "
                "(not root). Install redis-server or set REDIS_URL."
            )
    if binary is None:
        log("Redis: none found; REDIS_URL='' selects the file-based broker and cache under .run/")
        return ""
    return ensure_own_redis(binary)


# ---------------------------------------------------------------- commands


def locked():
    """Serialize concurrent `make run` / `make test` so they share one server."""
    RUN_DIR.mkdir(exist_ok=True)
    handle = open(RUN_DIR / "services.lock", "w")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def cmd_env(purpose: str) -> None:
    with locked():
        database_url = ensure_postgres()
        ensure_database(database_url)
        redis_url = ensure_redis(purpose)
    print(f"export DATABASE_URL={shlex.quote(database_url)}")
    print(f"export REDIS_URL={shlex.quote(redis_url)}")
    if purpose == "run" and not os.environ.get("METRICS_TOKEN"):
        # /metrics always needs a token (ops/observability/checks.py); make run's is made once.
        print(f"export METRICS_TOKEN={shlex.quote(metrics_token())}")


def metrics_token() -> str:
    path = ROOT / ".secrets" / "metrics_token"
    if not path.exists():
        path.parent.mkdir(mode=0o700, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def cmd_stop() -> None:
    if (PGDATA / "postmaster.pid").exists():
        bindir = pg_bindir(install=False)
        if bindir:
            log("stopping our PostgreSQL")
            run_as_owner([str(bindir / "pg_ctl"), "-D", str(PGDATA), "-m", "fast", "-w", "stop"], check=False)
    pidfile = REDIS_DIR / "redis.pid"
    pid_text = pidfile.read_text().strip() if pidfile.exists() else ""
    if pid_text.isdigit() and int(pid_text) > 1:
        pid = int(pid_text)
        try:
            os.kill(pid, signal.SIGTERM)
            log(f"stopping our Redis (pid {pid})")
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
        except ProcessLookupError:
            pass
    pidfile.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    env = sub.add_parser("env", help="ensure services are up; print export lines")
    env.add_argument("--for", dest="purpose", choices=("run", "test"), default="run")
    sub.add_parser("stop", help="stop the servers this script started under .run/")
    args = parser.parse_args()
    if args.command == "env":
        cmd_env(args.purpose)
    else:
        cmd_stop()


if __name__ == "__main__":
    main()
