"""The demo's ratings are made through the services, the same every time."""

from django.db import transaction

from govhall.core.models import AuditEvent
from govhall.demo.cases import demo_ratings_load
from govhall.evaluation.models import FollowUp, Rating
from govhall.evaluation.tests.conftest import at, delivered

NOW = at("2026-04-30 12:00")


class _Undo(Exception):
    pass


def ratings_made() -> list[tuple]:
    """What demo_ratings_load makes, then undone."""
    try:
        with transaction.atomic():
            demo_ratings_load(NOW)
            made = list(Rating.objects.order_by("case_id").values_list("case_id", "level", "channel", "rated_at"))
            raise _Undo
    except _Undo:
        return made


def test_demo_ratings_go_through_the_services_and_repeat(desk):
    cases = [delivered(desk, applicant=False, when=f"2026-03-03 1{n}:00") for n in range(8)]
    assert ratings_made() == ratings_made() != []
    rated = demo_ratings_load(NOW)
    assert rated == Rating.objects.count()
    assert AuditEvent.objects.filter(action="rating_create").count() == rated
    for rating in Rating.objects.select_related("case"):
        assert rating.case in cases and rating.channel in {"window", "sms"} and rating.rated_by is None
        assert at("2026-03-03 10:00") < rating.rated_at <= NOW
    assert FollowUp.objects.count() == Rating.objects.filter(level__lte=2).count()
    # Run again: every delivered case is rated or skipped, none twice.
    demo_ratings_load(NOW)
    assert Rating.objects.count() <= len(cases)
