from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "tongzhou.web"
    label = "web"
