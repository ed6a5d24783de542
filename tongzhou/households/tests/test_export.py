import csv
import io

import pytest
from django.core.management import CommandError, call_command

from tongzhou.core.testing import VILLAGE_A, VILLAGE_B, build_household


@pytest.mark.django_db
def test_cadre_exports_their_village_in_the_import_format_with_full_ids(personas, tmp_path):
    household = build_household(
        village_code=VILLAGE_A, number="0007", members=2, poverty_registered_year=2015
    )
    build_household(village_code=VILLAGE_B, number="0001")
    out = tmp_path / "a.csv"
    call_command("export", "households", "--user", "cadre_a", "--output", str(out), stdout=io.StringIO())
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3
    assert {r["村代码"] for r in rows} == {VILLAGE_A}
    head = next(r for r in rows if r["与户主关系"] == "户主")
    assert head["建档立卡年度"] == "2015"
    assert head["身份证号码"] == household.persons.get(relation="head").id_number


@pytest.mark.django_db
def test_county_officer_export_is_masked_and_says_so(personas, tmp_path, capsys):
    build_household(village_code=VILLAGE_A, number="0007")
    out = tmp_path / "c.xlsx"
    call_command("export", "households", "--user", "county", "--output", str(out))
    from openpyxl import load_workbook

    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert "**********" in rows[1][10]
    assert "cannot be imported back" in capsys.readouterr().err


@pytest.mark.django_db
def test_export_of_another_village_is_refused(personas, tmp_path):
    with pytest.raises(CommandError, match="forbidden"):
        call_command(
            "export",
            "households",
            "--user",
            "cadre_a",
            "--region",
            VILLAGE_B,
            "--output",
            str(tmp_path / "b.csv"),
        )


@pytest.mark.django_db
def test_an_exported_village_imports_back_without_a_single_change(personas, tmp_path):
    from tongzhou.households.register_import import register_import

    build_household(
        village_code=VILLAGE_A, number="0007", members=2, poverty_registered_year=2015, poverty_exit_year=2019
    )
    build_household(village_code=VILLAGE_A, number="0008", members=1)
    out = tmp_path / "a.xlsx"
    call_command("export", "households", "--user", "cadre_a", "--output", str(out), stdout=io.StringIO())
    result = register_import(user=personas.cadre_a, path=out)
    assert result.rows == 5
    assert not result.changed
    assert result.persons_unchanged == 5
