from django.db import migrations


def load(apps, schema_editor):
    import json

    from tongzhou.regions.models import parent_code_of
    from tongzhou.regions.services import DATA_DIR

    Region = apps.get_model("regions", "Region")
    data = json.loads((DATA_DIR / "bijie.json").read_text(encoding="utf-8"))
    for row in data["regions"]:
        code = row["code"]
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent_code": parent_code_of(code),
                "county_code": code[:6] if len(code) >= 6 else "",
                "note": row.get("note", ""),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
