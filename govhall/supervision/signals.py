"""What other apps may hook into.

- ``lights_scanned`` is sent inside the transaction of the time scan with
  the ids of the cases whose light, step deadline and watch day it has just
  written. The scan writes no event (the light of a case moves with the
  calendar, not with an act), so a reader of the events (the statistics'
  light cells) learns of the change here.
- ``time_scan`` is sent by each time scan (``supervise_scan``), in a
  transaction of its own after the cases, with ``today`` and ``at``: an app
  with deadlines of its own (joint approval: the whole's and the stages'
  lights, late pre-review opinions) runs its time rules there and returns
  how many rows it looked at. Supervision imports none of those apps.
- ``wall_sections`` is sent by the supervisor's wall with ``user``: each
  receiver returns a section to show below the lights — ``{"template":
  <name>, ...its context}`` within that user's scope — or None.
"""

from django.dispatch import Signal

# Sent with: case_ids (the cases the scan wrote, whether their light moved or not)
lights_scanned = Signal()

# Sent with: today, at. Receivers return the number of rows they looked at.
time_scan = Signal()

# Sent with: user. Receivers return {"template": ..., **context} or None.
wall_sections = Signal()
