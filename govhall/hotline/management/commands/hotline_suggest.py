"""``govhall hotline-suggest``: import a center's past orders (history) and
retrain its dispatch suggestion model, printing the cross-validated accuracy.

    govhall hotline-suggest --center 511602 --import history.xlsx --train
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.core.actors import SYSTEM
from govhall.core.errors import DomainError
from govhall.hotline.suggest_import import HistoryRefused, describe, history_import
from govhall.hotline.suggest_services import suggest_model_train
from govhall.org.models import Center


class Command(BaseCommand):
    help = "Import hotline history (xlsx/csv/json) and/or retrain a center's dispatch suggestions."

    def add_arguments(self, parser):
        parser.add_argument("--center", required=True, help="the hotline center's code")
        parser.add_argument("--import", dest="path", help="a file of past orders: .xlsx, .csv or .json")
        parser.add_argument("--train", action="store_true", help="retrain the model and print its accuracy")

    def handle(self, *args, center: str, path: str | None = None, train: bool = False, **options):
        if not path and not train:
            raise CommandError("say what to do: --import FILE and/or --train")
        hotline = Center.objects.filter(code=center).first()
        if hotline is None:
            raise CommandError(f"--center: no center with the code {center!r}")
        if path:
            try:
                data = Path(path).read_bytes()
            except OSError as error:
                raise CommandError(f"{path}: {error.strerror}") from None
            try:
                done = history_import(actor=SYSTEM, center=hotline, name=Path(path).name, data=data)
            except HistoryRefused as refused:
                lines = "\n".join(describe(error) for error in refused.errors)
                raise CommandError(f"{path}: nothing imported\n{lines}") from None
            self.stdout.write(f"imported {done.count} past orders (batch {done.batch})")
        if train:
            try:
                row = suggest_model_train(actor=SYSTEM, center=hotline)
            except DomainError as error:
                raise CommandError(error.message) from None
            if not row.file:
                self.stdout.write(f"{row.orders} orders: too few to learn from; the keyword rules answer")
                return
            self.stdout.write(
                f"trained on {row.orders} orders ({row.history} from history) in {row.seconds} s, {row.folds}-fold "
                f"cross-validation: unit top-1 {_pct(row.unit_top1)} top-3 {_pct(row.unit_top3)}, "
                f"category top-1 {_pct(row.category_top1)} top-3 {_pct(row.category_top3)}")


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"
