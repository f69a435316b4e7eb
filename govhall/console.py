"""The ``govhall`` command: a thin wrapper around Django's manage.py.

``govhall run`` serves the hall, ``govhall worker`` runs background tasks
(and first enqueues its periodic tasks: ``govhall schedule``),
``govhall demo`` loads the sample hall,
``govhall calendar …`` checks the working-day calendar; any other word is
passed to manage.py unchanged (``govhall migrate``, ``govhall createsuperuser``).
"""

import os
import sys

ALIASES = {
    "run": ["runserver"],
    # The task worker: imports, notices, scans. --no-reload: a worker must
    # finish its task, not restart in the middle of it.
    "worker": ["db_worker", "--no-reload"],
    "verify-audit": ["verify_audit"],
    "stats-rollup": ["stats_rollup"],
}


def manage_args(args: list[str]) -> list[str]:
    """The manage.py arguments for a ``govhall`` command line."""
    if args and args[0] in ALIASES:
        return ALIASES[args[0]] + args[1:]
    return args


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["worker"]:
        # The worker's periodic tasks (supervision scan, audit verification,
        # statistics' rollups, event partitions), each once.
        execute_from_command_line(["govhall", "schedule"])
    execute_from_command_line(["govhall", *manage_args(args)])


if __name__ == "__main__":
    main()
