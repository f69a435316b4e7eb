"""What other apps may hook into: ``case_changed`` is sent inside the
transaction of every transition, after its event is written, so a receiver's
writes (a supervision alert, a rating invitation) commit or roll back with
the change itself. Receivers that talk to the outside world (SMS) must defer
that work with ``transaction.on_commit``."""

from django.dispatch import Signal

# Sent with: case, action, from_state, actor (None for the system), at, data,
# and what the case had before the change: due_before, light_before,
# step_before, step_due_before
case_changed = Signal()
