"""A task for test_scale_out.py: each run appends its number and the pid of
the worker that ran it to a file, so the test sees which worker ran what
and that nothing ran twice."""

import os
import time

from django_tasks import task


@task()
def record_run(number: int, path: str, seconds: float) -> None:
    time.sleep(seconds)
    with open(path, "a", encoding="utf-8") as log:
        log.write(f"{number} {os.getpid()}\n")
