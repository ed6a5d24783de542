from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "tongzhou.rollups"
    label = "rollups"
