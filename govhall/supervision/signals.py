"""What other apps may hook into: ``lights_scanned`` is sent inside the
transaction of the time scan with the ids of the cases whose light, step
deadline and watch day it has just written. The scan writes no event (the
light of a case moves with the calendar, not with an act), so a reader of
the events (the statistics' light cells) learns of the change here."""

from django.dispatch import Signal

# Sent with: case_ids (the cases the scan wrote, whether their light moved or not)
lights_scanned = Signal()
