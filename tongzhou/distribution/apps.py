from django.apps import AppConfig


class DistributionConfig(AppConfig):
    name = "tongzhou.distribution"
    label = "distribution"
    verbose_name = "Distribution"
