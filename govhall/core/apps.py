from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "govhall.core"
    label = "core"
    verbose_name = "核心"

    def ready(self):
        from govhall.core.health import connect_heartbeat

        connect_heartbeat()
