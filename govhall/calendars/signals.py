"""Sent after a calendar change is committed: apps whose stored dates depend
on the calendar (case deadlines) recompute them."""

from django.dispatch import Signal

calendar_changed = Signal()
