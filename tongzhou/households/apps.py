from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "tongzhou.households"
    label = "households"
