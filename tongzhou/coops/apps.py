from django.apps import AppConfig


class CoopsConfig(AppConfig):
    name = "tongzhou.coops"
    label = "coops"
    verbose_name = "Cooperatives"
