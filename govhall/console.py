"""The ``govhall`` command: a thin wrapper around Django's manage.py.

``govhall run`` serves the hall, ``govhall worker`` runs background tasks
(and first enqueues its periodic tasks: ``govhall schedule``),
``govhall demo`` loads the sample hall,
``govhall calendar …`` checks the working-day calendar; any other word is
passed to manage.py unchanged (``govhall migrate``, ``govhall createsuperuser``).
"""

import os
import sys
import time

ALIASES = {
    "run": ["runserver"],
    # The task worker: imports, notices, scans. --no-reload: a worker must
    # finish its task, not restart in the middle of it.
    "worker": ["db_worker", "--no-reload"],
    "verify-audit": ["verify_audit"],
    "stats-rollup": ["stats_rollup"],
    "hotline-suggest": ["hotline_suggest"],
}


def manage_args(args: list[str]) -> list[str]:
    """The manage.py arguments for a ``govhall`` command line."""
    if args and args[0] in ALIASES:
        return ALIASES[args[0]] + args[1:]
    return args


# Seconds the worker waits before it starts again after losing the database.
WORKER_RETRY_SECONDS = 5


def worker(args: list[str]) -> None:
    """The task worker, started again whenever the database goes away (a
    restart, a failover): django-tasks-db's worker exits on a database error,
    and a hall must not depend on someone noticing. Its periodic tasks are
    enqueued first, each once."""
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError, connections

    while True:
        try:
            execute_from_command_line(["govhall", "schedule"])
            execute_from_command_line(["govhall", *manage_args(args)])
            return
        except DatabaseError as error:
            print(f"govhall worker: the database is unavailable ({error}); starting again in "
                  f"{WORKER_RETRY_SECONDS} s", file=sys.stderr, flush=True)
            connections.close_all()
            time.sleep(WORKER_RETRY_SECONDS)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["worker"]:
        worker(args)
        return
    execute_from_command_line(["govhall", *manage_args(args)])


if __name__ == "__main__":
    main()
