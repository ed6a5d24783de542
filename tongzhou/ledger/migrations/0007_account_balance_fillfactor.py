"""PostgreSQL: room on the kept balances' pages, so the upsert that adds a posting's sums to a kept row can write the
new row version on the same page (a HOT update) instead of also writing both indexes (docs/PERFORMANCE.md, the
books). SQLite updates in place and has no such setting."""

from django.db import migrations


def _fillfactor(percent: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE ledger_accountbalance SET (fillfactor = {percent})")

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_account_balance")]

    operations = [migrations.RunPython(_fillfactor(70), _fillfactor(100))]
