"""`tongzhou distribute --from plan` and `tongzhou template distribution-plan`, run as a user runs them.

No test here has the database fixture: the file mode must never touch the database (any query would fail).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tongzhou.distribution.plan import COOPERATIVE_EXAMPLE, compute_plan, result_json

from .test_plan import example, write_json_plan, write_xlsx_plan


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setenv("TONGZHOU_LANG", "zh-hans")


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("distribute", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_plan_is_computed_and_shown_as_a_table(tmp_path):
    out, _ = run("--from", str(write_xlsx_plan(tmp_path / "plan.xlsx")))
    assert "白马村蚕桑专业合作社 2025 年度收益分配试算（未写入任何数据）" in out
    assert "可分配盈余" in out and "85,500.00" in out and "农民专业合作社法 Art. 44" in out
    m001 = next(line for line in out.splitlines() if line.strip().startswith("M001"))
    assert m001.split()[-5:] == ["62,350.17", "21,323.76", "9,323.94", "6,129.54", "24,518.16"]
    total = next(line for line in out.splitlines() if line.strip().startswith("合计"))
    assert total.split()[-5:] == ["150,000.00", "51,300.00", "34,200.00", "17,100.00", "68,400.00"]


def test_the_table_is_in_english_when_the_cli_speaks_english(tmp_path, monkeypatch):
    monkeypatch.setenv("TONGZHOU_LANG", "en")
    out, _ = run("--from", str(write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE)))
    assert "Dry run of the 2025 distribution" in out and "distributable surplus" in out
    assert "patronage return" in out


def test_the_result_is_written_as_json_and_reads_back(tmp_path):
    plan = write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE)
    out, _ = run("--from", str(plan), "--out", str(tmp_path / "result.json"))
    assert "result.json" in out
    written = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert written == result_json(compute_plan(plan))
    assert written["members"][0]["patronage_return_fen"] == 2_132_376


def test_the_result_is_written_as_xlsx_with_steps_members_and_totals(tmp_path):
    run("--from", str(write_xlsx_plan(tmp_path / "plan.xlsx")), "--out", str(tmp_path / "result.xlsx"))
    wb = load_workbook(tmp_path / "result.xlsx")
    assert wb.sheetnames == ["参数 parameters", "分配步骤 steps", "成员分配 members", "合计 totals"]
    steps = {row[0]: row for row in wb["分配步骤 steps"].iter_rows(min_row=2, values_only=True)}
    assert steps["可分配盈余"][2:5] == (85500, 8_550_000, "农民专业合作社法 Art. 44")
    members = list(wb["成员分配 members"].iter_rows(values_only=True))
    patronage = members[0].index("按交易量返还（元） patronage return")
    assert [r[0] for r in members[1:]] == ["M001", "M002", "M003", "M004", "M005", "M006"]
    assert Decimal(str(members[1][patronage])) == Decimal("21323.76")
    totals = {row[1]: row for row in wb["合计 totals"].iter_rows(min_row=2, values_only=True)}
    assert totals["members"][2] == 6 and totals["payable"][3] == 6_840_000


def test_a_dash_writes_the_json_to_stdout_without_the_table(tmp_path):
    out, _ = run("--from", str(write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE)), "--out", "-")
    assert json.loads(out)["steps"][0] == {
        "key": "surplus",
        "label_zh": "本年盈余",
        "label_en": "the year's surplus",
        "article": "农民专业合作社法 Art. 44",
        "fen": 10_000_000,
        "yuan": "100000.00",
    }


def test_a_bad_plan_lists_every_error_by_place_and_writes_nothing(tmp_path):
    plan = example(patronage_share="50%")
    plan["members"][1]["capital"] = "abc"
    path = write_json_plan(tmp_path / "plan.json", plan)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="plan_rejected: 分配方案有 2 处错误，未作计算"):
        call_command(
            "distribute", "--from", str(path), "--out", str(tmp_path / "r.json"), stdout=out, stderr=err
        )
    lines = err.getvalue().splitlines()
    assert "  “members[1].capital”：不是有效的金额（元）。" in lines
    assert any(
        line.startswith("  “patronage_share”：") and "（农民专业合作社法 Art. 44）" in line for line in lines
    )
    assert out.getvalue() == "" and not (tmp_path / "r.json").exists()


def test_without_a_plan_file_or_with_an_unknown_output_type_the_command_explains(tmp_path):
    with pytest.raises(CommandError, match="mode_required"):
        run()
    with pytest.raises(CommandError, match="no_such_file"):
        run("--from", str(tmp_path / "nothing.json"))
    path = write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE)
    with pytest.raises(CommandError, match="output_type"):
        run("--from", str(path), "--out", str(tmp_path / "r.csv"))


def test_the_command_runs_on_an_empty_installation_without_a_user(tmp_path):
    """The `tongzhou` entry point, a fresh var directory, no database file, no --user: the plan is still computed,
    and no database is created."""
    env = {**os.environ, "TONGZHOU_VAR_DIR": str(tmp_path / "var"), "TONGZHOU_LANG": "zh-hans"}
    env.pop("DATABASE_URL", None)
    plan = write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE)
    done = subprocess.run(
        [sys.executable, "-m", "tongzhou.cli", "distribute", "--from", str(plan), "--out", "-"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["payable_fen"] == 6_840_000
    assert not list((tmp_path / "var").glob("*.sqlite3*"))


def test_the_template_command_writes_the_example_plan(tmp_path):
    out = io.StringIO()
    call_command("template", "distribution-plan", "--output", str(tmp_path / "t.xlsx"), stdout=out)
    assert load_workbook(tmp_path / "t.xlsx").sheetnames == ["参数", "成员", "说明"]
    call_command(
        "template", "distribution-plan", "--format", "json", "--output", str(tmp_path / "t.json"), stdout=out
    )
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8")) == COOPERATIVE_EXAMPLE
    assert compute_plan(tmp_path / "t.xlsx").distribution == compute_plan(tmp_path / "t.json").distribution
    with pytest.raises(CommandError):
        call_command("template", "distribution-plan", "--format", "csv", "--output", str(tmp_path / "t.csv"))
    with pytest.raises(CommandError):
        call_command("template", "households", "--format", "json", "--output", str(Path(tmp_path) / "h.json"))
