"""`tongzhou export households --user U [--region CODE] --output FILE.csv|FILE.xlsx`

Writes the register in the import format (one row per person, household cells on the head's row), so an export
can be edited and imported back. Scoped like every read: only what the user may read; ID numbers and phones in
full only for roles that may see them (masked exports cannot be re-imported, and the command says so).
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.utils import translation

from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import InvalidInput
from tongzhou.households.models import Disability, Health, LabourCapacity, Person, Relation
from tongzhou.households.register_import.columns import COLUMNS
from tongzhou.households.selectors import person_list
from tongzhou.regions.scope import access_for

LABELS = {
    "relation": dict(Relation.choices),
    "labour_capacity": dict(LabourCapacity.choices),
    "disability": dict(Disability.choices),
    "health": dict(Health.choices),
}


def person_cells(person: Person, *, full: bool) -> list[str]:
    household = person.household
    is_head = person.relation == Relation.HEAD
    values = {
        "village_code": person.village_code,
        "household_number": household.number,
        "name": person.name,
        "id_number": person.id_number if full else person.masked_id_number,
        "birth_date": person.birth_date.isoformat(),
        "sex": "男" if person.sex == "M" else "女",
        "relation": str(LABELS["relation"][person.relation]),
        "ethnicity": person.ethnicity,
        "labour_capacity": str(LABELS["labour_capacity"][person.labour_capacity]),
        "migrant_worker": "是" if person.migrant_worker else "否",
        "migrant_destination": person.migrant_destination,
        "disability": str(LABELS["disability"][person.disability]),
        "health": str(LABELS["health"][person.health]),
    }
    if is_head:
        values.update(
            {
                "group": household.group_code[-3:] if household.group_code else "",
                "address": household.address,
                "phone": household.phone if full else household.masked_phone,
                "poverty_registered_year": str(household.poverty_registered_year or ""),
                "poverty_exit_year": str(household.poverty_exit_year or ""),
                "contracted_land_mu": str(household.contracted_land_mu)
                if household.contracted_land_mu
                else "",
                "household_notes": household.notes,
            }
        )
    return [values.get(c.key, "") for c in COLUMNS]


class Command(TongzhouCommand):
    help = "按导入格式导出农户档案 / export the household register in the import format"
    requires_user = True

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["households"])
        parser.add_argument("--region", help="region code to export (default: everything the user may read)")
        parser.add_argument("--output", required=True, help="FILE.csv (UTF-8 with BOM) or FILE.xlsx")

    def handle(self, *args, what, user, region, output, **options):
        acting = self.acting_user(user)
        path = Path(output)
        if path.suffix.lower() not in (".csv", ".xlsx"):
            raise InvalidInput("导出文件须为 .csv 或 .xlsx。", "The export file must end in .csv or .xlsx.")
        persons = (
            person_list(user=acting, region_code=region)
            .select_related("household")
            .order_by("village_code", "household__number", "household_id", "id")
        )
        access = access_for(acting)
        masked = 0
        rows = 0

        def cells():
            nonlocal masked, rows
            for person in persons.iterator(chunk_size=5000):
                full = access.sees_full_identifiers(person.village_code)
                masked += 0 if full else 1
                rows += 1
                yield person_cells(person, full=full)

        # The file format's choice cells are the Chinese labels, whatever the CLI language.
        with translation.override("zh-hans"):
            headers = [c.header for c in COLUMNS]
            if path.suffix.lower() == ".csv":
                with path.open("w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.writer(fh)
                    writer.writerow(headers)
                    writer.writerows(cells())
            else:
                from openpyxl import Workbook

                workbook = Workbook(write_only=True)
                sheet = workbook.create_sheet("农户档案")
                sheet.append(headers)
                for row in cells():
                    sheet.append(row)
                workbook.save(path)
        self.stdout.write(self.style.SUCCESS(f"{rows} persons → {path}"))
        if masked:
            self.stderr.write(
                f"{masked} 行的身份证号码与电话已脱敏，不能再导入。 / {masked} rows have masked ID numbers and phones "
                "and cannot be imported back."
            )
