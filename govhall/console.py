"""The ``govhall`` command: a thin wrapper around Django's manage.py.

``govhall run`` serves the hall, ``govhall demo`` loads the sample hall,
``govhall calendar …`` checks the working-day calendar; any other word is
passed to manage.py unchanged (``govhall migrate``, ``govhall createsuperuser``).
"""

import os
import sys

ALIASES = {
    "run": ["runserver"],
}


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ALIASES:
        args = ALIASES[args[0]] + args[1:]
    execute_from_command_line(["govhall", *args])


if __name__ == "__main__":
    main()
