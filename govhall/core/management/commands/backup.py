"""``govhall backup PATH``: back up the database and the attachments into a
new directory, with a manifest to check a restore against
(govhall/core/backup.py, docs/operations.md). Safe while the hall runs."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from govhall.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the attachments into the directory PATH (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup directory to create (must not exist or be empty)")
        parser.add_argument("--force", action="store_true",
                            help="replace an existing backup at PATH, once the new one is complete")
        parser.add_argument("--link-dest", metavar="PREVIOUS",
                            help="an earlier backup: files unchanged since are hard links to its copies")

    def handle(self, *args, path, force, link_dest, **options):
        started = time.monotonic()
        try:
            manifest = backup_create(path, force=force, link_dest=link_dest)
        except (BackupError, OSError, DatabaseError) as error:
            raise CommandError(f"backup failed, nothing was written at {path}: {error}") from None
        files = manifest["files"]
        self.stdout.write(
            f"backup written to {path}: {manifest['database']['vendor']}, {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows, {manifest['chains']['cases']} case chains "
            f"({manifest['chains']['events']} events), {len(files)} files "
            f"({sum(f['size'] for f in files) / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s")
