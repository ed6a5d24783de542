"""The `tongzhou template households` and `tongzhou import households` commands, run as a user runs them."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tongzhou.core.testing import VILLAGE_A
from tongzhou.households.models import Household, Person
from tongzhou.households.tests.test_import import head_row, member_row, two_households, write_csv

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_template_command_writes_xlsx_and_csv_templates(tmp_path):
    out, _ = run("template", "households", "--output", str(tmp_path / "t.xlsx"))
    assert "t.xlsx" in out
    assert load_workbook(tmp_path / "t.xlsx").sheetnames == ["农户成员 persons", "说明 columns"]
    run("template", "households", "--format", "csv", "--output", str(tmp_path / "t.csv"))
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith("村代码,村民组,户编号")


def test_importing_a_good_file_prints_a_summary_and_writes_the_register(personas, tmp_path):
    out, err = run(
        "import", "households", str(write_csv(tmp_path / "户籍.csv", two_households())), "--user", "cadre_a"
    )
    assert "4 行 rows" in out and "新增农户 2" in out and "新增人员 4" in out
    assert Household.objects.filter(village_code=VILLAGE_A).count() == 2


def test_a_dry_run_prints_the_counts_and_writes_nothing(personas, tmp_path):
    out, _ = run(
        "import",
        "households",
        str(write_csv(tmp_path / "a.csv", two_households())),
        "--user",
        "cadre_a",
        "--dry-run",
    )
    assert "dry run" in out and "新增人员 4" in out
    assert not Person.objects.exists()


def test_a_rejected_file_exits_1_prints_the_errors_and_writes_the_report(personas, tmp_path):
    rows = [head_row(), member_row(性别="男")]
    report = tmp_path / "errors.xlsx"
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import",
            "households",
            str(write_csv(tmp_path / "a.csv", rows)),
            "--user",
            "cadre_a",
            "--report",
            str(report),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert excinfo.value.returncode == 1
    assert "第3行" in err.getvalue() and "性别与身份证号码不符" in err.getvalue()
    lines = list(load_workbook(report).active.iter_rows(values_only=True))
    assert lines[1][:3] == (3, "性别", "男")
    assert not Household.objects.exists()


def test_a_user_without_write_scope_is_refused(personas, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run("import", "households", str(write_csv(tmp_path / "a.csv", two_households())), "--user", "auditor")
    assert excinfo.value.returncode == 1 and "无权" in str(excinfo.value)


def test_a_cadre_importing_another_village_is_refused_row_by_row(personas, tmp_path):
    report = tmp_path / "errors.csv"
    with pytest.raises(CommandError):
        run(
            "import",
            "households",
            str(write_csv(tmp_path / "a.csv", two_households())),
            "--user",
            "cadre_b",
            "--report",
            str(report),
        )
    assert (
        report.read_text(encoding="utf-8-sig").count("forbidden") == 0
    )  # the report shows reasons, not codes
    assert report.read_text(encoding="utf-8-sig").count("您无权修改村") == 4


def test_an_unknown_user_is_refused(db, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run("import", "households", str(write_csv(tmp_path / "a.csv", two_households())), "--user", "nobody")
    assert excinfo.value.returncode == 2
