"""``govhall report --month YYYY-MM --out FILE``: the monthly report
(``--quarter YYYY-Qn`` for a quarter) as Excel (.xlsx) or PDF (.pdf),
chosen by the file's suffix, for the whole installation or one center
(``--center CODE``, with the centers below it)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.core import clock
from govhall.org.models import Center
from govhall.stats.periods import Period, PeriodError
from govhall.stats.report import report_build
from govhall.stats.report_pdf import report_pdf
from govhall.stats.report_xlsx import report_xlsx
from govhall.timing import CalendarRangeError

WRITERS = {".xlsx": report_xlsx, ".pdf": report_pdf}


class Command(BaseCommand):
    help = "Write the monthly (or quarterly) report of indicators, department figures, the red-flag window " \
           "ranking and alerts by rule, as .xlsx or .pdf."

    def add_arguments(self, parser):
        when = parser.add_mutually_exclusive_group(required=True)
        when.add_argument("--month", help="the month, YYYY-MM (e.g. 2026-03)")
        when.add_argument("--quarter", help="the quarter, YYYY-Qn (e.g. 2026-Q1)")
        parser.add_argument("--out", required=True, help="the file to write: *.xlsx or *.pdf")
        parser.add_argument("--center", default="", help="a center's code: only it and the centers below it")

    def handle(self, *args, month=None, quarter=None, out, center, **options):
        try:
            period = Period.parse_month(month) if month else Period.parse_quarter(quarter)
        except PeriodError as error:
            raise CommandError(f"--{'month' if month else 'quarter'}: {error}") from None
        path = Path(out)
        writer = WRITERS.get(path.suffix.lower())
        if writer is None:
            raise CommandError(f"--out: unknown suffix {path.suffix!r}; use .xlsx or .pdf")
        if not path.parent.is_dir():
            raise CommandError(f"--out: the folder {str(path.parent)!r} does not exist")
        where = None
        if center:
            where = Center.objects.filter(code=center).first()
            if where is None:
                raise CommandError(f"--center: no center with code {center!r}")
        try:
            report = report_build(user=None, period=period, today=clock.today(), center=where)
        except CalendarRangeError as error:
            raise CommandError(f"--{'month' if month else 'quarter'}: {error}") from None
        path.write_bytes(writer(report))
        self.stdout.write(f"{report.title} → {path}")
