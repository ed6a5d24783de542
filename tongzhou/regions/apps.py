from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "tongzhou.regions"
    label = "regions"
