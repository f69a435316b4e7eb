"""A load run killed with SIGKILL in the middle, then restarted to finish
(issue 13, item 5): every chain verifies, every case is consistent, no
number is lost or given twice, and no uploaded file is left without its row
once the sweep has run (docs/operations.md, "Faults and recovery").

The run (``workers.load_main``) is a process of its own on the test's
database: applications online with scans uploaded, at the window, with a
correction and new scans, refused; each brought to its end through the
services, found again by its Idempotency-Key when the run restarts.
"""

import io
import os
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.management import call_command

from govhall.cases.models import Case, CaseMaterial, IdempotencyKey
from govhall.cases.tests.consistency import hall_problems
from govhall.cases.tests.workers import ROOT_FOLDER, child_environment, load_plan
from govhall.core.media import media_orphans

APPLICATIONS = int(os.environ.get("GOVHALL_CRASH_APPLICATIONS", "12"))
END_STATES = {"online": "closed", "window": "closed", "correction": "closed", "reject": "rejected"}


@pytest.fixture
def load_hall(hall):
    """The hall with the desk's item and authorizations, at the real time
    (the run is another process: a frozen clock would not reach it)."""
    from govhall.catalog.services import item_create
    from govhall.catalog.tests.factories import complete_spec
    from govhall.core.actors import SYSTEM
    from govhall.org import services as org
    from govhall.org.models import Action

    org.authorization_grant(actor=SYSTEM, staff=hall.reviewer, department=hall.dept_a, action=Action.REVIEW)
    org.authorization_grant(actor=SYSTEM, staff=hall.approver, department=hall.dept_a, action=Action.APPROVE)
    for action in (Action.DELIVER, Action.CERTIFY):
        org.authorization_grant(actor=SYSTEM, staff=hall.clerk, department=hall.dept_a, action=action)
    item_create(actor=SYSTEM, spec=complete_spec("A", status="published"))
    return hall


def start_run(**env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "govhall.cases.tests.workers", str(APPLICATIONS)], cwd=ROOT_FOLDER,
                            env=child_environment(**env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def sweep() -> None:
    """What the operator's daily ``govhall sweep_media`` does, with no grace period."""
    call_command("sweep_media", "--min-age", "0", stdout=io.StringIO())


def finish_run() -> None:
    run = start_run()
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0 and out.splitlines()[-1] == "done", f"the restarted run failed:\n{out[-2000:]}\n{err[-3000:]}"


@pytest.mark.django_db(transaction=True)
def test_a_load_run_killed_at_a_random_moment_then_restarted_leaves_every_case_consistent(load_hall):
    seed = int.from_bytes(os.urandom(4), "big")
    acts_before_kill = random.Random(seed).randint(3, APPLICATIONS * 4)
    run = start_run()
    acts = 0
    for _line in run.stdout:
        acts += 1
        if acts >= acts_before_kill:
            time.sleep(random.Random(seed).random() * 0.05)  # in the middle of the act just announced
            break
    run.send_signal(signal.SIGKILL)
    _, err = run.communicate(timeout=60)
    assert run.returncode == -signal.SIGKILL, f"the run ended before it was killed (seed {seed}):\n{err[-3000:]}"

    finish_run()
    sweep()
    assert hall_problems() == [], f"seed {seed}, killed after {acts} acts"
    plan = load_plan(APPLICATIONS)
    keys = IdempotencyKey.objects.select_related("case").order_by("pk")
    assert sorted(int(k.key.split("-")[1]) for k in keys) == list(range(APPLICATIONS))
    for key in keys:
        assert key.case.state == END_STATES[plan[int(key.key.split("-")[1])]], (key.key, key.case.state, seed)
    assert Case.objects.count() == APPLICATIONS


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_between_writing_a_scan_and_committing_it_leaves_an_orphan_that_the_sweep_removes(load_hall):
    run = start_run(GOVHALL_CHILD_DIE_AFTER_FILE="1")
    run.communicate(timeout=300)
    assert run.returncode == -signal.SIGKILL
    # The file is on disk, its row never committed: an orphan, which nothing reads.
    orphans = media_orphans(min_age=timedelta(0))
    assert len(orphans) == 1 and CaseMaterial.objects.count() == 0
    assert media_orphans() == []  # younger than the grace period: the sweep leaves it for now
    sweep()
    assert media_orphans(min_age=timedelta(0)) == []
    finish_run()  # the restarted run uploads the scan again, and finishes
    assert hall_problems() == []
