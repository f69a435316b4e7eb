"""Rollups of the indicators (docs/indicators.md, "Rollups"): what every
figure needs, kept by day and group so that a period's figures read a few
thousand rows whatever the history, exact at every refresh
(``govhall.stats.rollup``).

- ``CaseFact``: one row per case, its contributions worked out once (the
  dates that count, on time or late, working days to decision, the end
  events' days); the cells are recomputed from these.
- ``OverdueSpan``: the runs of days on which a case was open and overdue
  at the day's end (the last one open-ended while it still is).
- ``DayRollup`` / ``DayItemRollup``: per day × center × department × window
  × staff (× item) the counts and sums of the cases, ratings and fees whose
  deciding date is that day.
- ``AlertPair``: per case handled and alerted, the signed intervals between
  its handling days and its alert days (handled with an alert).
- ``OverdueCheckpoint``: the overdue spans alive at each month's end, per group.
- ``AlertRollup``: alerts per raised day × group × rule × severity.
- ``LightRollup``: the open cases now per group × light.
- ``RollupMark``: how far the refresh has read each source.

Group keys are those of the contribution: a case's receiving center,
implementing department, receiving window and accepting clerk; a rating's
own department, window and staff with its case's center and item; an
alert's own department, window and staff with its case's center (or its
department's, without a case). Only this app writes these tables; a row
never is the source of anything else.
"""

from django.db import models

# A decision's lag (calendar days from acceptance to decision) is counted in
# its day's cell below this; longer (and inverted) lags are read from the facts.
LAGS = 31


def _key(model: str, *, null: bool = False):
    """A group key: a plain reference (no constraint, no cascade): the
    rollups follow the cases' rows, not the organization's deletions."""
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             null=null, blank=null, related_name="+")


class CaseFact(models.Model):
    case = models.OneToOneField("cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+")
    center = _key("org.Center")
    department = _key("org.Department")
    window = _key("org.Window", null=True)
    staff = _key("org.User", null=True)
    item = _key("catalog.Item")
    received_on = models.DateField(null=True)
    online = models.BooleanField(default=False)
    accepted_on = models.DateField(null=True)
    immediate = models.BooleanField(default=False)
    # (statutory − promised) ÷ statutory of the pinned version; None when left out.
    speed_up = models.FloatField(null=True)
    decided_on = models.DateField(null=True)
    visits = models.PositiveSmallIntegerField(default=0)
    # Decided and its working days known (accepted, inside the calendar).
    timed = models.BooleanField(default=False)
    worked = models.IntegerField(default=0)
    on_time = models.BooleanField(default=False)
    paid_on = models.DateField(null=True)
    fee = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    rejected_on = models.DateField(null=True)
    withdrawn_on = models.DateField(null=True)
    terminated_on = models.DateField(null=True)
    # Calendar days from acceptance to decision (None: not both).
    lag = models.IntegerField(null=True)
    # The light counted while the case is open ("green" without one); "" once it is not.
    light = models.CharField(max_length=8, blank=True)

    class Meta:
        indexes = [
            # recomputing a day's cells: the facts whose date is that day
            models.Index(fields=["received_on"], name="fact_received_idx"),
            # handled in a period (accepted and decided in it): a range on accepted_on,
            # answered from the index alone (the group keys included; PostgreSQL)
            models.Index(fields=["accepted_on", "decided_on"], name="fact_accepted_idx",
                         include=["center", "department", "window", "staff", "item"]),
            models.Index(fields=["decided_on"], name="fact_decided_idx"),
            models.Index(fields=["paid_on"], name="fact_paid_idx", condition=models.Q(paid_on__isnull=False)),
            models.Index(fields=["rejected_on"], name="fact_rejected_idx",
                         condition=models.Q(rejected_on__isnull=False)),
            models.Index(fields=["withdrawn_on"], name="fact_withdrawn_idx",
                         condition=models.Q(withdrawn_on__isnull=False)),
            models.Index(fields=["terminated_on"], name="fact_terminated_idx",
                         condition=models.Q(terminated_on__isnull=False)),
            # accepted and decided in a period, beyond what the cells' lags count: the few
            # decisions LAGS days or more after their acceptance, or before it
            models.Index(fields=["decided_on", "accepted_on"], name="fact_long_lag_idx",
                         condition=models.Q(lag__gte=LAGS) | models.Q(lag__lt=0),
                         include=["center", "department", "window", "staff", "item"]),
        ]


class OverdueSpan(models.Model):
    """Days ``first``..``last`` (None: still, today) on which the case was open
    and overdue at the day's end; a case has one per run (a pause ends a run)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    center = _key("org.Center")
    department = _key("org.Department")
    window = _key("org.Window", null=True)
    staff = _key("org.User", null=True)
    item = _key("catalog.Item")
    first = models.DateField()
    last = models.DateField(null=True)

    class Meta:
        indexes = [
            # overdue at day E: first <= E and (last >= E or last is null); a checkpoint; the cells' overdue_out
            models.Index(fields=["last", "first"], name="overdue_last_first_idx"),
            # the cells' overdue_in
            models.Index(fields=["first"], name="overdue_first_idx"),
        ]


class AlertPair(models.Model):
    """Of a case both handled (accepted or decided) and alerted: the interval
    between a day it was handled and a day an alert about it was raised,
    signed so that the intervals inside a period sum to 1 for every case
    handled in it with an alert raised in it, and to 0 otherwise (the
    minimal intervals count +1, the hull of two consecutive ones −1;
    docs/indicators.md, "Handled with an alert")."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    center = _key("org.Center")
    department = _key("org.Department")
    window = _key("org.Window", null=True)
    staff = _key("org.User", null=True)
    item = _key("catalog.Item")
    first = models.DateField()
    last = models.DateField()
    lag = models.IntegerField()  # last − first, in days
    sign = models.SmallIntegerField()

    class Meta:
        indexes = [
            # recomputing a day's cells: the intervals ending that day
            models.Index(fields=["last"], name="pair_last_idx"),
            # inside a period of LAGS days or more, beyond what the cells' lags count
            models.Index(fields=["last", "first"], name="pair_long_idx", condition=models.Q(lag__gte=LAGS),
                         include=["sign", "center", "department", "window", "staff", "item"]),
        ]


class OverdueCheckpoint(models.Model):
    """The overdue spans alive at the end of a month's last day, per group:
    "open and overdue at E" is the checkpoint of the last month end before E
    plus the spans begun and ended on the days between (the cells'
    ``overdue_in`` and ``overdue_out``)."""

    day = models.DateField()
    center = _key("org.Center")
    department = _key("org.Department")
    window = _key("org.Window", null=True)
    staff = _key("org.User", null=True)
    item = _key("catalog.Item")
    n = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="overdue_checkpoint_day_idx")]


class Cell(models.Model):
    """The sums of one day and group; each measure counts on its own date
    (received, accepted, decided, paid, rated, the end event's day)."""

    day = models.DateField()
    center = _key("org.Center")
    department = _key("org.Department")
    window = _key("org.Window", null=True)
    staff = _key("org.User", null=True)
    received = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    immediate = models.IntegerField(default=0)
    speed_up_cases = models.IntegerField(default=0)
    speed_up_sum = models.FloatField(default=0.0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    days_cases = models.IntegerField(default=0)
    days_total = models.IntegerField(default=0)
    same_day = models.IntegerField(default=0)
    visits_total = models.IntegerField(default=0)
    visits_0 = models.IntegerField(default=0)
    visits_1 = models.IntegerField(default=0)
    visits_2 = models.IntegerField(default=0)
    visits_3 = models.IntegerField(default=0)  # three or more
    rejected = models.IntegerField(default=0)
    withdrawn = models.IntegerField(default=0)
    terminated = models.IntegerField(default=0)
    fees = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    fees_paid = models.IntegerField(default=0)
    rated_1 = models.IntegerField(default=0)
    rated_2 = models.IntegerField(default=0)
    rated_3 = models.IntegerField(default=0)
    rated_4 = models.IntegerField(default=0)
    rated_5 = models.IntegerField(default=0)
    # Decided this day, accepted ``n`` days before (0: ``same_day``), n < LAGS:
    # "accepted and decided in a period" is a sum of these over its days.
    for _n in range(1, LAGS):
        vars()[f"lag_{_n}"] = models.IntegerField(default=0)
    # The alert pairs (signed) ending this day that began ``n`` days before:
    # "handled with an alert in a period" is a sum of these over its days.
    for _n in range(LAGS):
        vars()[f"alerted_{_n}"] = models.IntegerField(default=0)
    del _n
    # Overdue spans that begin this day (overdue at its end, not the day before),
    # and that ended the day before (overdue at its end, not at this day's).
    overdue_in = models.IntegerField(default=0)
    overdue_out = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DayRollup(Cell):
    class Meta:
        indexes = [models.Index(fields=["day"], name="rollup_day_idx")]


class DayItemRollup(Cell):
    """The same cells split by item: read when the figures are about an item
    or a base code (an item's rows are few)."""

    item = _key("catalog.Item", null=True)

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="item_rollup_day_idx"),
            models.Index(fields=["item", "day"], name="item_rollup_item_day_idx"),
        ]


class AlertRollup(models.Model):
    day = models.DateField()
    center = _key("org.Center")
    department = _key("org.Department")
    window = _key("org.Window", null=True)
    staff = _key("org.User", null=True)
    item = _key("catalog.Item", null=True)
    rule = models.CharField(max_length=40)
    severity = models.CharField(max_length=8)
    n = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="alert_rollup_day_idx")]


class LightRollup(models.Model):
    """Open cases now per group and light (no light: green), kept with the
    facts' ``light`` by the refresh and by supervision's scan."""

    center = _key("org.Center")
    department = _key("org.Department")
    window = _key("org.Window", null=True)
    staff = _key("org.User", null=True)
    item = _key("catalog.Item")
    light = models.CharField(max_length=8)
    n = models.IntegerField(default=0)


class RollupMark(models.Model):
    """How far the refresh has read one source: the last id, the ids below
    it not seen yet (``holes``, as in supervision's event tail) and what else
    the source needs (the calendar's revision and odd days; the yellow alerts
    that may still turn red)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)
    holes = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
