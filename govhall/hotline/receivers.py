"""The hotline's hooks into supervision (docs/hotline.md, "Supervision"):
supervision's scheduled scan reaches the hotline's time rules through
``supervision.signals.time_scan``, so supervision imports nothing of it."""


def hotline_time_scan(*, today, at, **kwargs) -> int:
    """The main units late to sign, and the orders whose reply limit is
    near or past (hotline.alerts); the late parts escalated to their unit's
    superior (hotline.escalation). Returns the rows looked at."""
    from govhall.hotline.alerts import replies_late_scan, signs_late_scan
    from govhall.hotline.escalation import escalations_scan

    return signs_late_scan(at=at) + replies_late_scan(at=at) + escalations_scan(at=at)
