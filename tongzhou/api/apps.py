from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "tongzhou.api"
    label = "api"
