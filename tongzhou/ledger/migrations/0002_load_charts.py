from django.db import migrations


def load(apps, schema_editor):
    from tongzhou.ledger.services.charts import chart_files, load_chart_file

    Chart = apps.get_model("ledger", "Chart")
    ChartAccount = apps.get_model("ledger", "ChartAccount")
    for path in chart_files():
        load_chart_file(path, chart_model=Chart, account_model=ChartAccount)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
