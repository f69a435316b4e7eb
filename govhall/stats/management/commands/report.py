"""``govhall report --month YYYY-MM --out FILE``: the monthly report
(``--quarter YYYY-Qn`` for a quarter) as Excel (.xlsx) or PDF (.pdf),
chosen by the file's suffix, for the whole installation or one center
(``--center CODE``, with the centers below it). ``--hotline``: the 12345
hotline's monthly operation bulletin instead (docs/hotline.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from govhall.core import clock
from govhall.hotline.bulletin import (
    BulletinError,
    bulletin_build,
    hotline_centers,
    parse_month,
)
from govhall.hotline.bulletin_report import bulletin_pdf, bulletin_xlsx
from govhall.org.models import Center
from govhall.stats.periods import Period, PeriodError
from govhall.stats.report import report_build
from govhall.stats.report_pdf import report_pdf
from govhall.stats.report_xlsx import report_xlsx
from govhall.timing import CalendarRangeError

WRITERS = {".xlsx": report_xlsx, ".pdf": report_pdf}
BULLETIN_WRITERS = {".xlsx": bulletin_xlsx, ".pdf": bulletin_pdf}


def _output(out: str, writers: dict):
    """The file to write and its writer, by the file's suffix."""
    path = Path(out)
    writer = writers.get(path.suffix.lower())
    if writer is None:
        raise CommandError(f"--out: unknown suffix {path.suffix!r}; use .xlsx or .pdf")
    if not path.parent.is_dir():
        raise CommandError(f"--out: the folder {str(path.parent)!r} does not exist")
    return path, writer


class Command(BaseCommand):
    help = "Write the monthly (or quarterly) report of indicators, department figures, the red-flag window " \
           "ranking and alerts by rule, as .xlsx or .pdf."

    def add_arguments(self, parser):
        when = parser.add_mutually_exclusive_group(required=True)
        when.add_argument("--month", help="the month, YYYY-MM (e.g. 2026-03)")
        when.add_argument("--quarter", help="the quarter, YYYY-Qn (e.g. 2026-Q1)")
        parser.add_argument("--out", required=True, help="the file to write: *.xlsx or *.pdf")
        parser.add_argument("--center", default="", help="a center's code: only it and the centers below it")
        parser.add_argument("--hotline", action="store_true",
                            help="the 12345 hotline's monthly operation bulletin instead (--month; --center: the "
                                 "hotline center, needed when there are several)")

    def handle(self, *args, month=None, quarter=None, out, center, hotline=False, **options):
        if hotline:
            return self.hotline_bulletin(month=month, quarter=quarter, out=out, center=center)
        try:
            period = Period.parse_month(month) if month else Period.parse_quarter(quarter)
        except PeriodError as error:
            raise CommandError(f"--{'month' if month else 'quarter'}: {error}") from None
        path, writer = _output(out, WRITERS)
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

    def hotline_bulletin(self, *, month, quarter, out, center):
        """``--hotline``: the hotline's operation bulletin (docs/hotline.md, "Operation bulletin")."""
        if quarter:
            raise CommandError("--quarter: the hotline bulletin is monthly; use --month YYYY-MM")
        try:
            period = parse_month(month)
        except BulletinError as error:
            raise CommandError(f"--month: {error.message}") from None
        path, writer = _output(out, BULLETIN_WRITERS)
        centers = hotline_centers()
        if center:
            where = centers.filter(code=center).first()
            if where is None:
                raise CommandError(f"--center: no hotline center (a center with member units) with code {center!r}")
        else:
            found = list(centers[:2])
            if len(found) != 1:
                codes = ", ".join(centers.values_list("code", flat=True)) or "none"
                raise CommandError(f"--center: name the hotline center (hotline centers: {codes})")
            where = found[0]
        try:
            bulletin = bulletin_build(center=where, period=period, at=clock.now())
        except CalendarRangeError as error:
            raise CommandError(f"--month: {error}") from None
        path.write_bytes(writer(bulletin))
        self.stdout.write(f"{bulletin.title} → {path}")
