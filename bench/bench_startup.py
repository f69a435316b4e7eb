"""How long a newcomer waits: `make run` on a fresh clone until the first page
answers, and the demo load alone.

Run: python bench/bench_startup.py   (part of `make bench`)

Figures are reported next to a floor measured in the same run:
- demo load vs. `manage.py migrate` on the same empty database: the sample
  hall with six months of history (2,000 cases through the services) must
  stay under a minute on a 2-core machine (issue 12), and the load of the
  hall alone (`demo --cases 0`) about what creating the schema costs;
- fresh-clone `make run` to first page vs. its own dependency install.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(args: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def demo_load(python: str) -> None:
    with tempfile.TemporaryDirectory() as var:
        env = {k: v for k, v in os.environ.items() if k != "GOVHALL_DATABASE_URL"} | {"GOVHALL_VAR_DIR": var}
        migrate = timed([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env)
        demo = timed([python, "manage.py", "demo"], cwd=ROOT, env=env)
    with tempfile.TemporaryDirectory() as var:
        env = {k: v for k, v in os.environ.items() if k != "GOVHALL_DATABASE_URL"} | {"GOVHALL_VAR_DIR": var}
        timed([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env)
        hall = timed([python, "manage.py", "demo", "--cases", "0"], cwd=ROOT, env=env)
    print(f"demo load: {demo:.2f} s with its history (budget 60 s); the hall alone {hall:.2f} s; "
          f"migrate (floor) {migrate:.2f} s; ratios {demo / migrate:.2f}× and {hall / migrate:.2f}×")


def fresh_clone_make_run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "govhall"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in {"GOVHALL_DATABASE_URL", "VIRTUAL_ENV"}}
        start = time.perf_counter()
        server = subprocess.Popen(
            ["make", "run", f"PORT={port}"], cwd=clone, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, text=True,
        )
        installed_at = None
        try:
            deadline = start + 600
            while time.perf_counter() < deadline:
                if installed_at is None and (clone / ".venv" / ".installed").exists():
                    installed_at = time.perf_counter() - start
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    time.sleep(0.2)
                if server.poll() is not None:
                    raise SystemExit("make run stopped before serving:\n" + server.stdout.read())
            else:
                raise SystemExit("make run did not serve a page within 600 s")
            total = time.perf_counter() - start
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    install = installed_at or total
    print(f"make run (fresh clone) to first page: {total:.1f} s; of which install {install:.1f} s; "
          f"after install {total - install:.1f} s ({(total - install) / total:.0%} of the wait)")


def main() -> None:
    python = sys.executable
    demo_load(python)
    if shutil.which("make") and (ROOT / ".git").exists():
        fresh_clone_make_run()


if __name__ == "__main__":
    main()
