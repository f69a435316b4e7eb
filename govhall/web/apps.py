from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "govhall.web"
    label = "web"
    verbose_name = "网页"
