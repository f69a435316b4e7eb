"""A private PostgreSQL server and a production-like app server (gunicorn,
DEBUG off) for the fault tests: a database the test may stop and restart,
never the machine's server on 5432, which other people use."""

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PG_BIN = Path(os.environ.get("GOVHALL_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivatePostgres:
    """A PostgreSQL cluster of its own in a temporary folder, on a free port
    (trust authentication, listening on 127.0.0.1 and a socket in the folder).
    Run as the ``postgres`` account when the test runs as root (initdb
    refuses root)."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (set GOVHALL_PG_BIN): "
                        "the database restart test needs a private server")
        self.owner = None
        if os.geteuid() == 0:
            try:
                self.owner = pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("running as root without a 'postgres' account: initdb cannot run")
            if shutil.which("runuser") is None:
                pytest.skip("running as root without runuser: initdb cannot run as 'postgres'")
        self.folder = Path(tempfile.mkdtemp(prefix="govhall-pg-"))
        if self.owner:
            os.chown(self.folder, self.owner.pw_uid, self.owner.pw_gid)
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def initdb(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def _ctl(self, action: str) -> None:
        # The server's output goes to its log (-l): a pipe it kept open would never close.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-m", "fast", "-w",
                  "-t", "60", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off",
                  action)

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop")

    def restart(self) -> None:
        self._ctl("restart")

    def close(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_postgres():
    server = PrivatePostgres()
    try:
        server.initdb()
        server.start()
        yield server
    finally:
        server.close()


def manage(env: dict, *args: str, timeout: float = 180) -> str:
    """Run manage.py in ``env``; its output, or the test fails with it."""
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def app_environment(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like govhall (DEBUG off) in ``var_dir``."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("GOVHALL_") and key != "DJANGO_SETTINGS_MODULE"}
    env.update(GOVHALL_DEBUG="0", GOVHALL_SECRET_KEY="fault-test-secret-key-" + "x" * 40,
               GOVHALL_PUBLIC_URL="http://127.0.0.1", GOVHALL_ALLOWED_HOSTS="127.0.0.1",
               GOVHALL_SECURE_COOKIES="0", GOVHALL_VAR_DIR=str(var_dir), GOVHALL_LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE="govhall.core.tests.fault_settings", **extra)
    return env


SEED = """
from rest_framework.authtoken.models import Token
from govhall.catalog.services import item_create
from govhall.catalog.tests.factories import complete_spec
from govhall.core.actors import SYSTEM
from govhall.test import build_hall
hall = build_hall()
item = item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
print(Token.objects.create(user=hall.clerk).key, item.code)
"""


def prepare_app(env: dict) -> tuple[str, str]:
    """Migrate and seed a hall with a published item: the clerk's API token
    and the item's code."""
    manage(env, "migrate", "--noinput", "-v", "0")
    token, item = manage(env, "shell", "-c", SEED).split()[-2:]
    return token, item


@contextmanager
def gunicorn(env: dict, *, workers: int = 2):
    """govhall served by gunicorn (sync workers, as in production) on a free port: its base address."""
    port = free_port()
    with open(Path(env["GOVHALL_VAR_DIR"]) / "gunicorn.log", "w") as log:
        yield from _serve(env, port, workers, log)


def _serve(env: dict, port: int, workers: int, log):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "govhall.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while True:
            try:
                urllib.request.urlopen(f"{base}/static/govhall/site.css", timeout=10).read()
                break
            except OSError:  # refused, reset, timed out: not up yet
                assert process.poll() is None, f"gunicorn exited: {_tail(log.name)}"
                assert time.monotonic() < deadline, f"gunicorn did not answer: {_tail(log.name)}"
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tail(path: str) -> str:
    return Path(path).read_text(errors="replace")[-3000:]


@dataclass
class Answer:
    kind: str
    status: int  # 0: no HTTP answer at all
    content_type: str
    body: str

    @property
    def ok(self) -> bool:
        return self.status in {200, 201}


class Client:
    """The requests of the fault tests: an API read, an API write (a window
    receipt with a fresh Idempotency-Key), a site page, each over a new HTTP
    connection, as a browser or a department system sends them."""

    def __init__(self, base: str, token: str, item: str):
        self.base, self.token, self.item, self.sent = base, token, item, 0

    def send(self, kind: str) -> Answer:
        self.sent += 1
        headers = {"Authorization": f"Token {self.token}", "Accept-Language": "zh-hans"}
        data = None
        if kind == "api_read":
            url = f"{self.base}/api/cases/?limit=5"
        elif kind == "api_write":
            url = f"{self.base}/api/cases/"
            data = json.dumps({"item": self.item, "center": "D1", "channel": "window", "applicant_name": "张三",
                               "applicant_id_number": "110101199003070011",
                               "applicant_phone": "13912345678"}).encode()
            headers.update({"Content-Type": "application/json", "Idempotency-Key": f"fault-{os.getpid()}-{self.sent}"})
        else:
            url, headers = f"{self.base}/", {"Accept-Language": "zh-hans"}
        request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(kind, response.status, response.headers.get("Content-Type", ""),
                              response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return Answer(kind, error.code, error.headers.get("Content-Type", ""),
                          error.read().decode(errors="replace"))
        except OSError as error:  # no HTTP answer at all (URLError, reset, timeout)
            return Answer(kind, 0, "", repr(error))
