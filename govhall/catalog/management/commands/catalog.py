"""``govhall catalog``: export and import the service catalog.

    govhall catalog export catalog.xlsx      # or .json, by suffix
    govhall catalog import catalog.xlsx      # all or nothing; every error listed
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.catalog.exchange import ImportRefused, catalog_export_json, catalog_export_xlsx, catalog_import_file
from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError


class Command(BaseCommand):
    help = "Export or import the service catalog (.xlsx or .json by suffix)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser("export", help="write the catalog to PATH").add_argument("path")
        sub.add_parser("import", help="read the catalog from PATH (all or nothing)").add_argument("path")

    def handle(self, *args, action, path, **options):
        target = Path(path)
        if target.suffix.lower() not in {".xlsx", ".json"}:
            raise CommandError(f"{path}: the file name must end in .xlsx or .json")
        if action == "export":
            data = catalog_export_xlsx() if target.suffix.lower() == ".xlsx" else catalog_export_json()
            target.write_bytes(data)
            self.stdout.write(f"{path}: {len(data)} bytes written")
            return
        try:
            data = target.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            counts = catalog_import_file(actor=SYSTEM, name=target.name, data=data)
        except ImportRefused as refused:
            for where, reason in refused.errors:
                self.stderr.write(f"{where}: {reason}")
            raise CommandError(f"{path}: refused, {len(refused.errors)} error(s); nothing was written") from None
        except DomainError as error:
            raise CommandError(f"{path}: {error.message}") from None
        self.stdout.write(f"{path}: {counts['created']} created, {counts['updated']} updated, "
                          f"{counts['unchanged']} unchanged, {counts['published']} published")
        joint = counts.get("joint_themes")
        if joint:
            self.stdout.write(f"{path}: joint-approval themes: {joint['created']} created, {joint['updated']} updated, "
                              f"{joint['unchanged']} unchanged, {joint['published']} published")
