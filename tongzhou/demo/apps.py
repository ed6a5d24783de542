from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tongzhou.demo"
    label = "demo"
