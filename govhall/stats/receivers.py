"""The light cells follow supervision's scan, inside its transaction."""

from django.dispatch import receiver

from govhall.supervision.signals import lights_scanned


@receiver(lights_scanned, dispatch_uid="stats.lights")
def _lights(sender, *, case_ids, **kwargs) -> None:
    from govhall.stats.rollup import lights_sync

    lights_sync(case_ids)
