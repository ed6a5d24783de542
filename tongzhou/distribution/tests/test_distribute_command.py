"""`tongzhou distribute` against the database, through call_command: a cooperative's year from draft to paid, the
refusals (each a CommandError with the code and the Chinese and English message, nothing changed), the county's
cascade, and the --from mode that still needs neither the database nor --user.

The figures are those of test_runs_worked_example (农民专业合作社法 Art. 42–44): 本年盈余 ¥100,000.00, reserve 10%,
distributable ¥90,000.00, patronage return 60% → Wang ¥40,500.00, Li ¥13,500.00; remainder → Wang ¥11,000.00,
Li ¥25,000.00; with 10% converted into capital, Wang's cash is ¥46,350.00 and Li's ¥34,650.00.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tongzhou.core.testing import COUNTY, VILLAGE_A
from tongzhou.distribution.models import (
    CascadeHouseholdLine,
    CascadeRun,
    DistributionLine,
    DistributionRun,
    HouseholdIncome,
    RunStatus,
)
from tongzhou.distribution.plan import COOPERATIVE_EXAMPLE

from .runs_builders import YEAR, build_coop_year, counts, post_cost, run_state
from .test_cascade_db import build_county
from .test_plan import write_json_plan


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.setenv("TONGZHOU_LANG", "zh-hans")


def distribute(*args, user=None) -> str:
    out = StringIO()
    extra = ("--user", user.username) if user is not None else ()
    call_command("distribute", *[str(a) for a in args], *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(*args, user=None) -> str:
    with pytest.raises(CommandError) as error:
        distribute(*args, user=user)
    return str(error.value)


def row(out: str, start: str) -> list[str]:
    """The cells of the first table line that starts with `start`."""
    return next(line for line in out.splitlines() if line.strip().startswith(start)).split()


def the_run(coop) -> DistributionRun:
    return DistributionRun.objects.get(body=coop.cooperative, year=YEAR)


@pytest.mark.django_db
def test_a_cooperative_year_goes_from_draft_to_paid_through_the_command(personas, tmp_path):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a

    out = distribute(coop.cooperative.pk, "--year", YEAR, "--conversion", "10", user=cadre)
    run = the_run(coop)
    assert f"已计算分配草稿: 方案 {run.pk}" in out and "草稿" in out and "本年盈余来源：账簿" in out
    assert row(out, "可分配盈余")[1] == "90,000.00"
    assert row(out, "按交易量返还")[1:] == ["54,000.00", "农民专业合作社法", "Art.", "44"]
    # member, name, capital, transactions, return, remainder, collective, converted, cash, paid
    assert row(out, str(coop.wang.pk))[2:] == [
        "20,000.00", "30,000.00", "40,500.00", "11,000.00", "0.00", "5,150.00", "46,350.00", "0.00",
    ]  # fmt: skip
    assert row(out, "合计")[1:] == [
        "2", "80,000.00", "40,000.00", "54,000.00", "36,000.00", "0.00", "9,000.00", "81,000.00", "0.00",
    ]  # fmt: skip

    # A draft is recomputed in place: the same run, the new figures.
    out = distribute(coop.cooperative.pk, "--year", YEAR, user=cadre)
    assert f"已重新计算分配草稿: 方案 {run.pk}" in out and DistributionRun.objects.count() == 1
    assert row(out, str(coop.wang.pk))[-2:] == ["51,500.00", "0.00"]  # no conversion now

    out = distribute("--run", run.pk, "--publish", "--on", "2026-01-05", user=cadre)
    assert "已公示" in out and "公示 2026-01-05（15 日）" in out
    out = distribute(
        "--run", run.pk, "--approve", "--assembly-date", "2026-01-20", "--votes-for", 2, "--votes-against", 0,
        user=cadre,
    )  # fmt: skip
    assert "有表决权的成员数：2（在册成员）" in out
    assert "成员大会 2026-01-20：赞成 2、反对 0，共 2 名成员" in out
    out = distribute("--run", run.pk, "--post", user=cadre)
    run.refresh_from_db()
    assert run.status == RunStatus.POSTED and run.posted_on == dt.date(2026, 1, 20)
    (voucher,) = run.vouchers.all()
    assert f"记账 2026-01-20（凭证 {voucher.pk}）" in out

    out = distribute(
        "--run", run.pk, "--pay", "--member", coop.wang.pk, "--amount", "1,000", "--on", "2026-02-01", user=cadre
    )  # fmt: skip
    assert "已发放 1 笔，共 1,000.00 元" in out and row(out, str(coop.wang.pk))[-1] == "1,000.00"
    out = distribute("--run", run.pk, "--pay", "--on", "2026-02-02", "--reference", "批量代发", user=cadre)
    assert "已发放 2 笔，共 89,000.00 元" in out and "已发放" in out.splitlines()[1]
    run.refresh_from_db()
    assert run.status == RunStatus.PAID
    incomes = HouseholdIncome.objects.filter(run=run)
    assert sum(i.amount_fen for i in incomes) == 9_000_000  # 51,500 + 38,500: no conversion, all cash

    # The sheet as a file, every column, money in yuan.
    distribute("--run", run.pk, "--show", "--out", tmp_path / "sheet.xlsx", user=personas.auditor)
    sheet = load_workbook(tmp_path / "sheet.xlsx").active
    head = [c.value for c in sheet[2]]
    wang = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == coop.wang.pk)
    assert wang[head.index("按交易量返还（元）")] == 40500 and wang[head.index("已发放（元）")] == 51500
    distribute("--run", run.pk, "--out", tmp_path / "sheet.csv", user=personas.auditor)
    with (tmp_path / "sheet.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    wang_row = next(r for r in rows[2:] if r[0] == str(coop.wang.pk))
    assert rows[1][:2] == ["成员ID", "成员"]
    assert [wang_row[rows[1].index(c)] for c in ("按交易量返还（元）", "剩余盈余返还（元）")] == [
        "40500.00",
        "11000.00",
    ]


@pytest.mark.django_db
def test_the_run_speaks_english_when_the_cli_does(personas, monkeypatch):
    coop = build_coop_year(personas)
    monkeypatch.setenv("TONGZHOU_LANG", "en")
    out = distribute(coop.cooperative.pk, "--year", YEAR, user=personas.cadre_a)
    assert "Draft computed" in out and "distributable surplus" in out and "patronage return" in out
    assert "surplus from: books" in out


@pytest.mark.django_db
def test_an_assembly_without_the_votes_is_refused_and_nothing_changes(personas):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a
    distribute(coop.cooperative.pk, "--year", YEAR, user=cadre)
    run = the_run(coop)
    distribute("--run", run.pk, "--publish", "--on", "2026-01-05", user=cadre)
    before, state = counts(), run_state(run)

    message = refused(
        "--run", run.pk, "--approve", "--assembly-date", "2026-01-20", "--votes-for", 1, "--votes-against", 1,
        "--members", 2, user=cadre,
    )  # fmt: skip
    assert message.startswith("votes_insufficient: 盈余分配方案须经成员表决权总数过半数通过")
    assert "农民专业合作社法 Art. 30" in message and "more than half of all members' votes" in message
    message = refused(
        "--run", run.pk, "--approve", "--assembly-date", "2026-01-10", "--votes-for", 2, "--votes-against", 0,
        user=cadre,
    )  # fmt: skip
    assert "notice_not_over" in message and "15日前公示" in message and "15 days before" in message
    assert counts() == before and run_state(run) == state


@pytest.mark.django_db
def test_posting_twice_is_refused_and_nothing_changes(personas):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a
    # Two runs of one year: the first published, then a second draft computed beside it.
    distribute(coop.cooperative.pk, "--year", YEAR, user=cadre)
    first = the_run(coop)
    distribute("--run", first.pk, "--publish", "--on", "2026-01-05", user=cadre)
    distribute(coop.cooperative.pk, "--year", YEAR, user=cadre)
    second = DistributionRun.objects.exclude(pk=first.pk).get()
    for run in (first, second):
        if run is second:
            distribute("--run", run.pk, "--publish", "--on", "2026-01-05", user=cadre)
        distribute(
            "--run", run.pk, "--approve", "--assembly-date", "2026-01-20", "--votes-for", 2, "--votes-against",
            0, user=cadre,
        )  # fmt: skip
    distribute("--run", first.pk, "--post", user=cadre)
    before, states = counts(), (run_state(first), run_state(second))

    message = refused("--run", first.pk, "--post", user=cadre)
    assert message.startswith("run_status: ") and "must be approved to post" in message
    message = refused("--run", second.pk, "--post", user=cadre)
    assert message.startswith("run_already_posted: 2025 年度已有记账的分配方案")
    assert "already in the books" in message
    message = refused(coop.cooperative.pk, "--year", YEAR, user=cadre)
    assert message.startswith(f"run_already_posted: 2025 年度的分配方案 {first.pk} 已记账")
    assert f"--run {first.pk} --reverse" in message
    assert counts() == before and (run_state(first), run_state(second)) == states


@pytest.mark.django_db
def test_show_says_when_the_books_surplus_moved_after_the_draft(personas):
    coop = build_coop_year(personas)
    distribute(coop.cooperative.pk, "--year", YEAR, user=personas.cadre_a)
    run = the_run(coop)
    assert "方案已过时" not in distribute("--run", run.pk, "--show", user=personas.cadre_a)
    post_cost(personas, coop.book, fen=30_000, on=dt.date(YEAR, 12, 30), summary="补记12月电费")
    out = distribute("--run", run.pk, "--show", user=personas.cadre_a)
    assert "注意：账簿中的本年盈余已变为 99,700.00 元（方案按 100,000.00 元计算），方案已过时。" in out


@pytest.mark.django_db
def test_a_reversed_run_lets_the_year_be_computed_again(personas):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a
    distribute(coop.cooperative.pk, "--year", YEAR, user=cadre)
    run = the_run(coop)
    distribute("--run", run.pk, "--publish", "--on", "2026-01-05", user=cadre)
    distribute(
        "--run", run.pk, "--approve", "--assembly-date", "2026-01-20", "--votes-for", 2, "--votes-against", 0,
        user=cadre,
    )  # fmt: skip
    distribute("--run", run.pk, "--post", user=cadre)
    out = distribute("--run", run.pk, "--reverse", "--on", "2026-01-25", user=cadre)
    reversing = DistributionRun.objects.get(reverses=run)
    assert f"已冲销：冲销方案 {reversing.pk}" in out and f"冲销方案 {run.pk}" in out
    out = distribute(coop.cooperative.pk, "--year", YEAR, user=cadre)
    assert "已计算分配草稿" in out and DistributionRun.objects.filter(status=RunStatus.DRAFT).count() == 1


@pytest.mark.django_db
def test_another_villages_user_and_an_unknown_run_are_refused_and_nothing_changes(personas):
    coop = build_coop_year(personas)
    distribute(coop.cooperative.pk, "--year", YEAR, user=personas.cadre_a)
    run = the_run(coop)
    before, state = counts(), run_state(run)

    message = refused(coop.cooperative.pk, "--year", YEAR, user=personas.cadre_b)
    assert message.startswith(f"forbidden: 您无权查看该地区 {VILLAGE_A}的数据。")
    assert f"not allowed to see data of region {VILLAGE_A}" in message
    message = refused("--run", run.pk, "--publish", user=personas.cadre_b)
    assert message.startswith("forbidden: ")
    message = refused("--run", run.pk, "--publish", user=personas.auditor)  # reads, but may not write
    assert message.startswith("forbidden: 您无权修改") and "not allowed to change" in message
    message = refused("--run", run.pk + 1000, "--show", user=personas.cadre_a)
    assert message == "not_found: 找不到该分配方案。 / No such distribution run."
    assert counts() == before and run_state(run) == state
    assert DistributionLine.objects.filter(run=run).count() == 2


@pytest.mark.django_db
def test_bad_flags_are_explained_before_anything_is_written(personas):
    coop = build_coop_year(personas)
    cadre = personas.cadre_a
    before = counts()
    assert refused(coop.cooperative.pk, "--year", YEAR).startswith("user_required: 请用 --user")
    assert refused(coop.cooperative.pk, user=cadre).startswith("year_required: ")
    message = refused(coop.cooperative.pk, "--year", YEAR, "--surplus", "12.345", user=cadre)
    assert (
        message.startswith("amount_invalid: --surplus 金额 12.345 无效") and "at most two decimals" in message
    )
    assert refused(coop.cooperative.pk, "--year", YEAR, "--conversion", "120", user=cadre).startswith(
        "rate_invalid: "
    )
    assert refused(coop.cooperative.pk, "--year", YEAR, "--publish", user=cadre).startswith(
        "option_not_for_mode: --publish 须与 --run"
    )
    message = refused("--run", 1, "--post", "--votes-for", 2, user=cadre)
    assert message.startswith("option_not_for_mode: --votes-for 不适用") and "does not apply" in message
    message = refused(coop.cooperative.pk, "--year", YEAR, "--out", "sheet.pdf", user=cadre)
    assert message.startswith("output_type: ")
    message = refused("--run", 1, "--approve", "--votes-for", 2, user=cadre)
    assert message.startswith("approval_incomplete: ")
    assert refused("--user", "nobody", "--run", 1).startswith("unknown_user: 用户 nobody 不存在")
    with pytest.raises(CommandError):  # two modes at once: argparse refuses
        distribute(coop.cooperative.pk, "--run", 1, user=cadre)
    assert counts() == before


@pytest.mark.django_db
def test_the_county_cascade_is_computed_and_one_households_paths_are_shown(personas):
    c = build_county(personas)
    wang = c.m["wang@a"].household

    out = distribute(
        "--cascade", COUNTY, "--year", YEAR, "--platform-surplus", "100,000", "--household", wang.pk,
        user=personas.county,
    )  # fmt: skip
    run = CascadeRun.objects.get()
    assert f"{COUNTY} 2025 年度利益链（计算 {run.pk}）" in out
    platform = row(out, "七星关区农业发展投资有限公司")
    assert platform[1:4] == ["县级平台", "100,000.00", "填写"]
    union = row(out, "阳头镇联合社")
    line = run.body_lines.get(body=c.union)
    assert union[2:] == ["50,000.00", "账簿"] + [
        f"{x / 100:,.2f}"
        for x in (
            line.income_from_above_fen,
            line.paid_to_bodies_fen,
            line.paid_to_households_fen,
            line.kept_fen,
        )
    ]
    total = row(out, "合计")
    assert total[1] == "330,000.00" and run.own_surplus_fen == 33_000_000
    assert total[2:] == [f"{run.to_households_fen / 100:,.2f}", f"{run.kept_fen / 100:,.2f}"]
    assert "农户 4 户" in out

    kept = CascadeHouseholdLine.objects.get(cascade=run, household=wang)
    assert f"王大山（{wang.pk}）：共 {kept.total_fen / 100:,.2f} 元" in out
    longest = next(
        x for x in out.splitlines() if "→ 白马村集体经济组织" in x and x.strip().startswith("七星关区")
    )
    assert "七星关区农业发展投资有限公司 → 阳头镇联合社 → 白马村合作社 → 白马村集体经济组织" in longest
    assert "收益权分配" in longest
    path = f"{c.platform.pk}>{c.union.pk}>{c.coop_a.pk}>{c.collective.pk}|income_right"
    assert longest.split()[-1] == f"{kept.by_path[path] / 100:,.2f}"


@pytest.mark.django_db
def test_a_village_cadre_cannot_run_the_county_cascade(personas):
    build_county(personas)
    message = refused(
        "--cascade", COUNTY, "--year", YEAR, "--platform-surplus", "100000", user=personas.cadre_a
    )
    assert message.startswith(f"forbidden: 您无权查看该地区 {COUNTY}的数据。")
    assert not CascadeRun.objects.exists()


def test_the_plan_file_mode_needs_neither_the_database_nor_a_user(tmp_path):
    """No database fixture here: any query would fail the test."""
    plan = write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE)
    out = distribute("--from", plan, "--out", "-")
    assert json.loads(out)["totals"]["payable_fen"] == 6_840_000
    # A database mode asks for its user before it opens the database.
    assert refused("--run", 1, "--show").startswith("user_required: ")
