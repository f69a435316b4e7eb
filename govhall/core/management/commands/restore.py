"""``govhall restore PATH``: restore a backup made by ``govhall backup`` into
the configured database and file storage, then check the result against the
backup's manifest: row counts, every hash chain, the chain heads, the files
(govhall/core/backup.py, docs/operations.md). ``--check`` only checks the
backup's own files against its manifest."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from govhall.core.backup import BackupError, backup_check, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `govhall backup` and verify it (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup directory (with its manifest.json)")
        parser.add_argument("--force", action="store_true",
                            help="replace the data of a database or file storage that is not empty")
        parser.add_argument("--check", action="store_true",
                            help="only check the backup's files against its manifest; change nothing")

    def handle(self, *args, path, force, check, **options):
        started = time.monotonic()
        try:
            if check:
                manifest = backup_check(path)
            else:
                manifest = backup_restore(path, force=force)
        except (BackupError, OSError, DatabaseError) as error:
            raise CommandError(f"{'check' if check else 'restore'} failed: {error}") from None
        what = "checked" if check else "restored and verified"
        self.stdout.write(
            f"backup {path} of {manifest['created_at']} {what}: {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows, {manifest['chains']['cases']} case chains, "
            f"{len(manifest['files'])} files in {time.monotonic() - started:.1f} s")
