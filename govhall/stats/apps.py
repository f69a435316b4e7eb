from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "govhall.stats"
    label = "stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from govhall.stats import receivers  # noqa: F401  (the light cells follow supervision's scan)
