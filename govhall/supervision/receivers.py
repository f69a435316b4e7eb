"""Event rules run inside every case transition."""

from django.dispatch import receiver

from govhall.cases.signals import case_changed


@receiver(case_changed, dispatch_uid="supervision.event_rules")
def _event_rules(sender, **kwargs) -> None:
    from govhall.supervision.engine import on_case_changed

    on_case_changed(**kwargs)
