from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "govhall.stats"
    label = "stats"
    verbose_name = "统计分析"
