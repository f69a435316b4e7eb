"""``govhall hotline-categories``: import the work order category tree from
an xlsx or json file (code, name, parent code; all rows or none).

    govhall hotline-categories --import categories.xlsx
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.core.actors import SYSTEM
from govhall.hotline.category_import import categories_import, category_error_text
from govhall.hotline.suggest_import import HistoryRefused


class Command(BaseCommand):
    help = "Import the hotline's category tree (xlsx/json: code, name, parent code); all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("--import", dest="path", required=True, help="a file of categories: .xlsx or .json")

    def handle(self, *args, path: str, **options):
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror}") from None
        try:
            done = categories_import(actor=SYSTEM, name=Path(path).name, data=data)
        except HistoryRefused as refused:
            lines = "\n".join(category_error_text(error) for error in refused.errors)
            raise CommandError(f"{path}: nothing imported\n{lines}") from None
        self.stdout.write(f"categories: {done.created} created, {done.renamed} renamed, {done.unchanged} unchanged")
