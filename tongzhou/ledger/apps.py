from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "tongzhou.ledger"
    label = "ledger"
    verbose_name = "Ledger"
