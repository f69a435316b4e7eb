"""What other apps may hook into: ``case_changed`` is sent inside the
transaction of every transition, after its event is written, so a receiver's
writes (a supervision alert, a rating invitation) commit or roll back with
the change itself. Receivers that talk to the outside world (SMS) must defer
that work with ``transaction.on_commit``."""

from django.dispatch import Signal

# Sent with: case, action, from_state, actor (None for the system), at, data,
# due_before and light_before (the case's due date and light before the change)
case_changed = Signal()
