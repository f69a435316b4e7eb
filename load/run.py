"""``make load``: the hall's load test against a production-like server on
127.0.0.1, on PostgreSQL and on SQLite, each next to its floor.

Per database, on a throwaway database (PostgreSQL: ``govhall_load_<pid>``
on the local server, created and dropped here; SQLite: a WAL file in a
temporary folder):

1. ``migrate``, ``collectstatic`` (WhiteNoise serves the hashed files),
   ``demo`` (the sample hall of docs/demo.md), its queued SMS sent, its
   events checked by supervision, its statistics rolled up, the worker's
   periodic tasks scheduled (``schedule``); load/fixture.py;
2. the task worker (``db_worker --no-reload``) and gunicorn (gthread
   workers by default: measured against sync ones, docs/performance.md)
   with ``GOVHALL_DEBUG=0``;
3. locust, headless: the floor (/bench-floor/, one trivial query), then the
   hall's mix (load/locustfile.py), each a closed loop of the same number
   of users without think time, measured once a warm-up has passed and
   every simulated person has logged in;
4. everything it started stopped, the database dropped, the table printed
   (throughput, p50, p99 per request type, failures, server errors).

The load environment changes no security setting: the load generator plays
the hall's reverse proxy (``GOVHALL_TRUSTED_PROXIES=127.0.0.1``) and gives
every simulated person an address of his own, so the login lockout and the
progress queries' rate limit count per person as in production. The one
load-only setting is ``GOVHALL_BENCH_FLOOR=1``, which routes the floor.

Settings (environment): LOAD_SECONDS (60, measured per database),
LOAD_FLOOR_SECONDS (20), LOAD_WARMUP_SECONDS (15, left out), LOAD_USERS (16),
LOAD_WORKERS (4), LOAD_WORKER_CLASS (gthread), LOAD_THREADS (4), LOAD_DATABASES
("postgresql sqlite"), LOAD_CASES (demo cases, 2000), LOAD_PG_URL (the
server, default: GOVHALL_TEST_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres),
LOAD_KEEP (a folder to keep each run's logs and CSV files in).
See docs/performance.md, "Load".
"""

import csv
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _int(name: str, default: int, low: int = 1) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < low:
        raise SystemExit(f"{name} must be a whole number ≥ {low}, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class Config:
    seconds: int = 60
    floor_seconds: int = 20
    warmup_seconds: int = 15
    users: int = 16
    workers: int = 4
    worker_class: str = "gthread"
    threads: int = 4
    databases: tuple = ("postgresql", "sqlite")
    cases: int = 2000
    pg_url: str = "postgres://postgres@127.0.0.1:5432/postgres"
    keep: str = ""

    @classmethod
    def from_env(cls) -> "Config":
        worker_class = os.environ.get("LOAD_WORKER_CLASS", "gthread")
        if worker_class not in {"sync", "gthread"}:
            raise SystemExit(f"LOAD_WORKER_CLASS must be 'sync' or 'gthread', got {worker_class!r}")
        databases = tuple(os.environ.get("LOAD_DATABASES", "postgresql sqlite").split())
        unknown = set(databases) - {"postgresql", "sqlite"}
        if not databases or unknown:
            raise SystemExit(f"LOAD_DATABASES: 'postgresql' and/or 'sqlite', got {' '.join(databases)!r}")
        pg_url = os.environ.get("LOAD_PG_URL") or os.environ.get("GOVHALL_TEST_POSTGRES_URL") \
            or cls.pg_url
        if not pg_url.startswith(("postgres://", "postgresql://")):
            raise SystemExit(f"LOAD_PG_URL must be a postgres:// URL, got {pg_url!r}")
        return cls(seconds=_int("LOAD_SECONDS", 60), floor_seconds=_int("LOAD_FLOOR_SECONDS", 20),
                   warmup_seconds=_int("LOAD_WARMUP_SECONDS", 15, low=0), users=_int("LOAD_USERS", 16),
                   workers=_int("LOAD_WORKERS", 4), worker_class=worker_class, threads=_int("LOAD_THREADS", 4),
                   databases=databases, cases=_int("LOAD_CASES", 2000), pg_url=pg_url,
                   keep=os.environ.get("LOAD_KEEP", ""))

    def server(self) -> str:
        threads = f" × {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.workers} {self.worker_class} workers{threads}"


@dataclass
class Row:
    name: str
    count: int
    failures: int
    rps: float
    p50: float
    p99: float


@dataclass
class Result:
    database: str
    floor: Row | None = None
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None
    failures: list[tuple[str, str, int]] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)


def _number(text: str) -> float:
    """A percentile of locust's CSV: "N/A" for a request type with no request after the warm-up."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def read_stats(path: Path) -> tuple[list[Row], Row | None]:
    """locust's ``*_stats.csv``: one row per request type, then the aggregate."""
    rows, total = [], None
    with path.open(encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            row = Row(name=line["Name"], count=int(line["Request Count"]), failures=int(line["Failure Count"]),
                      rps=float(line["Requests/s"]), p50=_number(line["50%"]), p99=_number(line["99%"]))
            if line["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    return rows, total


def read_failures(path: Path) -> list[tuple[str, str, int]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [(line["Name"], line["Error"], int(line["Occurrences"])) for line in csv.DictReader(handle)]


# Lines of the server's and the worker's logs that mean something broke.
TROUBLE = ("Traceback", "database is locked", "too many clients", "OperationalError", "WORKER TIMEOUT",
           "Internal Server Error")


def server_errors(*logs: Path) -> list[str]:
    found: dict[str, int] = {}
    for log in logs:
        if not log.exists():
            continue
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if any(word in line for word in TROUBLE):
                key = line.strip()[:160]
                found[key] = found.get(key, 0) + 1
    return [f"{count}× {line}" for line, count in sorted(found.items(), key=lambda pair: -pair[1])]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Run:
    """One database: set up, serve, load, tear down (also when interrupted)."""

    def __init__(self, config: Config, database: str):
        self.config, self.database = config, database
        self.folder = Path(tempfile.mkdtemp(prefix=f"govhall-load-{database}-"))
        self.port = free_port()
        self.processes: list[subprocess.Popen] = []
        self.db_name = f"govhall_load_{os.getpid()}"
        self.created = False
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("GOVHALL_", "LOAD_"))}
        self.env.update(
            DJANGO_SETTINGS_MODULE="govhall.settings",
            GOVHALL_DEBUG="0",
            GOVHALL_SECRET_KEY=secrets.token_urlsafe(50),
            GOVHALL_VAR_DIR=str(self.folder),
            GOVHALL_PUBLIC_URL=f"http://127.0.0.1:{self.port}",
            GOVHALL_ALLOWED_HOSTS="127.0.0.1,localhost",
            GOVHALL_SECURE_COOKIES="0",  # plain HTTP on the loopback; TLS ends at the hall's proxy
            GOVHALL_TRUSTED_PROXIES="127.0.0.1",  # the load generator is the proxy: one address per person
            GOVHALL_BENCH_FLOOR="1",
            PYTHONUNBUFFERED="1",
        )
        if database == "postgresql":
            self.env["GOVHALL_DATABASE_URL"] = self.config.pg_url.rsplit("/", 1)[0] + "/" + self.db_name

    def log(self, message: str) -> None:
        print(f"[load {self.database}] {message}", flush=True)

    def manage(self, *args: str, out: str) -> None:
        with (self.folder / out).open("ab") as log:
            done = subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=self.env,
                                  stdout=log, stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed: see {self.folder / out}")

    def _pg(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.config.pg_url, autocommit=True) as connection:
            connection.execute(sql)

    def setup(self) -> None:
        if self.database == "postgresql":
            self._pg(f'CREATE DATABASE "{self.db_name}"')
            self.created = True
        started = time.monotonic()
        self.manage("migrate", "--noinput", "-v", "0", out="setup.log")
        self.manage("collectstatic", "--noinput", "-v", "0", out="setup.log")
        self.manage("demo", "--cases", str(self.config.cases), out="setup.log")
        # The demo queues an SMS invitation per delivered case: sent before the
        # load, so that the worker's figures are the load's own work.
        self.manage("db_worker", "--batch", "--no-reload", "--no-startup-delay", out="setup.log")
        # Supervision checks the history's events 2,000 a scan: caught up
        # before the load, then scheduled for the worker as in production.
        for _scan in range(20):
            before = (self.folder / "setup.log").stat().st_size
            self.manage("supervise", out="setup.log")
            with (self.folder / "setup.log").open(encoding="utf-8") as log:
                log.seek(before)
                if " 0 new event(s)" in log.read():
                    break
        # The statistics' rollups caught up too: the first statistics page
        # would otherwise catch up the whole history inside its request.
        self.manage("stats_rollup", out="setup.log")
        self.manage("schedule", out="setup.log")  # every periodic task of the worker, as in production
        self.fixture = self.folder / "fixture.json"
        done = subprocess.run([str(BIN / "python"), str(ROOT / "load" / "fixture.py"), str(self.fixture)],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"load/fixture.py failed:\n{done.stderr[-2000:]}")
        self.log(f"hall loaded in {time.monotonic() - started:.0f} s; {done.stdout.strip()}")

    def start(self, name: str, args: list[str]) -> None:
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        log.close()
        self.processes.append(process)

    def serve(self) -> None:
        self.start("worker", [str(BIN / "python"), "manage.py", "db_worker", "--no-reload", "--no-startup-delay"])
        config = self.config
        gunicorn = [str(BIN / "gunicorn"), "govhall.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                    "--workers", str(config.workers), "--worker-class", config.worker_class,
                    "--timeout", "60", "--graceful-timeout", "10", "--no-control-socket"]
        if config.worker_class == "gthread":
            gunicorn += ["--threads", str(config.threads)]
        self.start("gunicorn", gunicorn)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/bench-floor/", timeout=5) as answer:
                    if answer.status == 200:
                        self.log(f"{config.server()} on 127.0.0.1:{self.port}")
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError(f"the server did not answer on port {self.port}: see {self.folder / 'gunicorn.log'}")

    def locust(self, mix: str, seconds: int, warmup: int, prefix: str) -> None:
        """One closed-loop run: ``seconds`` measured once ``warmup`` has
        passed and every person has logged in (load/locustfile.py)."""
        env = dict(self.env, LOAD_MIX=mix, LOAD_FIXTURE=str(self.fixture), LOAD_WARMUP_SECONDS=str(warmup),
                   LOAD_MEASURE_SECONDS=str(seconds))
        args = [str(BIN / "locust"), "-f", str(ROOT / "load" / "locustfile.py"), "--headless", "--only-summary",
                "--users", str(self.config.users), "--spawn-rate", str(self.config.users), "--stop-timeout", "10",
                "--host", f"http://127.0.0.1:{self.port}", "--csv", str(self.folder / prefix), "--loglevel", "WARNING"]
        # Bounded: the logins may lengthen the warm-up, never past 10 minutes.
        with (self.folder / f"locust-{prefix}.log").open("wb") as log:
            # locust exits 1 when any request failed: the failures are in the table
            subprocess.run(args, cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                           timeout=warmup + seconds + 600, check=False)

    def measure(self) -> Result:
        config, result = self.config, Result(self.database)
        self.log(f"floor {config.floor_seconds} s after {min(config.warmup_seconds, 5)} s of warm-up, {config.users} users")
        self.locust("floor", config.floor_seconds, min(config.warmup_seconds, 5), "floor")
        _rows, result.floor = read_stats(self.folder / "floor_stats.csv")
        self.log(f"hall {config.seconds} s after {config.warmup_seconds} s of warm-up, {config.users} users")
        self.locust("hall", config.seconds, config.warmup_seconds, "hall")
        result.rows, result.total = read_stats(self.folder / "hall_stats.csv")
        result.failures = read_failures(self.folder / "floor_failures.csv") + read_failures(
            self.folder / "hall_failures.csv")
        return result

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def cleanup(self) -> None:
        self.stop()
        if self.created:
            self._pg(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self.created = False
        if self.config.keep:
            target = Path(self.config.keep) / self.database
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(self.folder, target, ignore=shutil.ignore_patterns("static", "media", "*.sqlite3*"))
        shutil.rmtree(self.folder, ignore_errors=True)

    def __call__(self) -> Result:
        try:
            self.setup()
            self.serve()
            result = self.measure()
            self.stop()  # the logs are complete once the processes are gone
            result.server_errors = server_errors(self.folder / "gunicorn.log", self.folder / "worker.log")
            return result
        finally:
            self.cleanup()


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def table(config: Config, results: list[Result]) -> str:
    """The figures as a Markdown table (docs/performance.md takes it as it is)."""
    lines = [(f"{config.server()}, {config.users} users without think time, {config.seconds} s per database "
              f"(floor {config.floor_seconds} s), sample hall of {config.cases} cases."), "",
             "| database | request | requests | req/s | p50 ms | p99 ms | failures |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for result in results:
        named = [("**floor** (/bench-floor/)", result.floor), *((row.name, row) for row in result.rows),
                 ("**hall mix, all requests**", result.total)]
        for name, row in named:
            if row is None or not row.count:
                continue
            lines.append(f"| {result.database} | {name} | {row.count:,} | {row.rps:.1f} | {_ms(row.p50)} | "
                         f"{_ms(row.p99)} | {row.failures or ''} |")
    for result in results:
        if result.floor and result.total and result.total.rps:
            lines.append("")
            lines.append(f"{result.database}: the hall mix sustains {result.total.rps:.1f} req/s, "
                         f"{result.total.rps / result.floor.rps:.1%} of the floor's {result.floor.rps:.1f} req/s; "
                         f"median {result.total.p50 / max(result.floor.p50, 1):.1f}× the floor's.")
        for name, error, count in result.failures:
            lines.append(f"{result.database}: failure {count}× {name}: {error[:160]}")
        for line in result.server_errors[:10]:
            lines.append(f"{result.database}: server log {line}")
    return "\n".join(lines)


def _terminated(*_args):
    raise KeyboardInterrupt  # the runs' cleanup stops the servers and drops the database


def main() -> int:
    config = Config.from_env()
    results = []
    signal.signal(signal.SIGTERM, _terminated)
    for database in config.databases:
        results.append(Run(config, database)())
    print()
    print(table(config, results))
    broken = [r.database for r in results if r.failures or r.server_errors]
    if broken:
        print(f"\nload: requests failed or the server logged errors on {', '.join(broken)} (above)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
