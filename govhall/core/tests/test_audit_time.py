"""The general audit log's time: an act's own moment when the service gives
it (``at``), the clock's otherwise — and the clock can stand at a past
moment while a past act is replayed (the demo's history)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from govhall.core import clock
from govhall.core.actors import SYSTEM
from govhall.core.audit import audit_record, audit_record_many
from govhall.core.models import AuditEvent
from govhall.org.models import User

pytestmark = pytest.mark.django_db

PAST = timezone.make_aware(datetime(2026, 3, 2, 10, 30))


@pytest.fixture
def target():
    return User.objects.create_user(username="audited", password="x")


def test_an_event_is_recorded_at_the_moment_given_or_now(target):
    assert audit_record(actor=SYSTEM, action="x", target=target, at=PAST).at == PAST
    recent = audit_record(actor=SYSTEM, action="x", target=target).at
    assert abs(recent - timezone.now()) < timedelta(minutes=1)
    audit_record_many(actor=SYSTEM, action="y", targets=[(target, {}), (target, {"n": 2})], at=PAST)
    assert list(AuditEvent.objects.filter(action="y").values_list("at", flat=True)) == [PAST, PAST]


def test_while_the_clock_stands_at_a_past_moment_events_carry_it_and_then_it_runs_again(target):
    with clock.standing_at(PAST):
        assert clock.now() == PAST and clock.today() == PAST.date()
        assert audit_record(actor=SYSTEM, action="x", target=target).at == PAST
    assert clock.now() != PAST and abs(clock.now() - timezone.now()) < timedelta(minutes=1)
    with pytest.raises(ValueError), clock.standing_at(datetime(2026, 3, 2, 10, 30)):  # naive: refused
        pass
