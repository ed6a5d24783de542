from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tongzhou.core"
    label = "core"
    verbose_name = "Tongzhou core"
