"""`tongzhou import members|shares` and `tongzhou coop list|show|accounts|convert-poverty-shares`, run as a user
runs them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tongzhou.coops.models import Member, MemberStatus, ShareClassKind, ShareEntry
from tongzhou.coops.services.shares import share_subscribe
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.coops.tests.test_members_import import id_of, write_csv
from tongzhou.core.testing import VILLAGE_B, build_household

pytestmark = pytest.mark.django_db

MEMBER_HEADERS = ["身份证号码", "申请日期", "入社日期", "是否村两委干部", "备注"]
SHARE_HEADERS = ["身份证号码", "股份类别", "数量", "日期", "事由"]


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    return excinfo.value, err.getvalue()


@pytest.fixture
def baima(personas):
    """白马村's cooperative (bylaws: poverty shares convert after 5 years out of poverty), cash shares at ¥100.00,
    poverty-fund shares at ¥500.00; 王 (out of poverty in 2018) a member with 4 poverty-fund shares; 李 and 张
    registered but not members. 龙井村 has its own cooperative."""
    cooperative = build_cooperative()
    build_bylaws(cooperative)
    build_share_class(cooperative, kind=ShareClassKind.CASH, unit_value_fen=100_00)
    poverty = build_share_class(cooperative, kind=ShareClassKind.FISCAL_POVERTY, unit_value_fen=500_00)
    wang = build_household(
        number="0001", head_name="王大山", poverty_registered_year=2014, poverty_exit_year=2018
    )
    li = build_household(number="0002", head_name="李秀英")
    zhang = build_household(number="0003", head_name="张国富")
    wang_member = build_member(cooperative, wang)
    share_subscribe(
        user=personas.cadre_a,
        member=wang_member,
        share_class=poverty,
        units="4",
        on=dt.date(2020, 1, 10),
        reason="财政扶贫资金量化",
    )
    longjing = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社", industry="tea")
    return cooperative, wang_member, wang, li, zhang, longjing


# -- import members / shares -----------------------------------------------------------------------------------


def test_importing_members_then_their_shares_prints_summaries_and_writes_both(personas, baima, tmp_path):
    cooperative, _, _, li, zhang, _ = baima
    members = write_csv(
        tmp_path / "成员.csv",
        [[id_of(li), "2024-03-01", "2024-03-15", "否", ""], [id_of(zhang), "2024-03-01", "", "是", ""]],
        MEMBER_HEADERS,
    )
    coop = str(cooperative.pk)
    out, _ = run("import", "members", str(members), "--user", "cadre_a", "--cooperative", coop)
    assert "2 行 rows" in out and "批准入社 1" in out and "登记申请 1" in out
    assert Member.objects.get(household=li).status == MemberStatus.ACTIVE
    shares = write_csv(
        tmp_path / "股份.csv", [[id_of(li), "现金股", "20", "2024-03-20", "首次认购"]], SHARE_HEADERS
    )
    out, _ = run("import", "shares", str(shares), "--user", "cadre_a", "--cooperative", coop)
    assert "认购 1" in out and "¥2,000.00" in out
    assert ShareEntry.objects.filter(member__household=li).get().amount_fen == 2000_00


def test_a_rejected_members_file_exits_1_prints_the_errors_and_writes_the_report(personas, baima, tmp_path):
    cooperative, _, wang, li, *_ = baima
    rows = [[id_of(li), "2024-03-01", "", "", ""], [id_of(wang), "2024-03-01", "", "", ""]]
    report = tmp_path / "errors.csv"
    exc, err = refused(
        "import",
        "members",
        str(write_csv(tmp_path / "a.csv", rows, MEMBER_HEADERS)),
        "--user",
        "cadre_a",
        "--cooperative",
        str(cooperative.pk),
        "--report",
        str(report),
    )
    assert exc.returncode == 1
    assert "第3行" in err and "身份证号码" in err and "王大山" in err
    with report.open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[1][:2] == ["3", "身份证号码"]
    assert Member.objects.count() == 1


def test_a_shares_dry_run_prints_the_counts_and_writes_nothing(personas, baima, tmp_path):
    cooperative, _, wang, *_ = baima
    shares = write_csv(
        tmp_path / "a.csv", [[id_of(wang), "现金股", "3", "2024-03-20", "认购"]], SHARE_HEADERS
    )
    out, _ = run(
        "import",
        "shares",
        str(shares),
        "--user",
        "cadre_a",
        "--cooperative",
        str(cooperative.pk),
        "--dry-run",
    )
    assert "dry run" in out and "¥300.00" in out
    assert ShareEntry.objects.count() == 1  # only the fixture's poverty-fund shares


@pytest.mark.parametrize("what", ["members", "shares"])
@pytest.mark.parametrize("username", ["cadre_b", "auditor", "outsider"])
def test_an_import_by_a_user_without_write_scope_is_refused(personas, baima, tmp_path, what, username):
    cooperative, _, wang, li, *_ = baima
    rows = (
        [[id_of(li), "2024-03-01", "", "", ""]]
        if what == "members"
        else [[id_of(wang), "现金股", "3", "2024-03-20", "认购"]]
    )
    path = write_csv(tmp_path / "a.csv", rows, MEMBER_HEADERS if what == "members" else SHARE_HEADERS)
    exc, _ = refused("import", what, str(path), "--user", username, "--cooperative", str(cooperative.pk))
    assert exc.returncode == 1 and "无权" in str(exc)
    assert Member.objects.count() == 1 and ShareEntry.objects.count() == 1


def test_an_import_needs_a_cooperative_that_exists(personas, baima, tmp_path):
    path = write_csv(tmp_path / "a.csv", [[id_of(baima[3]), "2024-03-01", "", "", ""]], MEMBER_HEADERS)
    exc, _ = refused("import", "members", str(path), "--user", "cadre_a")
    assert "--cooperative" in str(exc)
    exc, _ = refused("import", "shares", str(path), "--user", "cadre_a", "--cooperative", "999999")
    assert "不存在" in str(exc)


# -- coop list / show ------------------------------------------------------------------------------------------


def test_list_shows_each_user_only_the_cooperatives_they_may_read(personas, baima):
    cooperative, *_, longjing = baima
    out, _ = run("coop", "list", "--user", "cadre_a")
    assert "白马村蚕桑专业合作社" in out and cooperative.credit_code in out and "龙井村" not in out
    assert f"{cooperative.pk}\t白马村蚕桑专业合作社\t村级合作社（1.0）\t{cooperative.region_code}\t1\t" in out
    out, _ = run("coop", "list", "--user", "township")
    assert "白马村" in out and "龙井村" in out and "2 个合作社" in out
    out, _ = run("coop", "list", "--user", "township", "--region", VILLAGE_B)
    assert "龙井村" in out and "白马村" not in out
    out, _ = run("coop", "list", "--user", "outsider")
    assert "0 个合作社" in out


def test_list_of_a_region_outside_the_users_scope_is_refused(personas, baima):
    exc, _ = refused("coop", "list", "--user", "cadre_a", "--region", VILLAGE_B)
    assert exc.returncode == 1 and "无权" in str(exc)


def test_show_gives_the_bylaws_in_force_members_by_status_and_capital_by_class(personas, baima):
    cooperative = baima[0]
    out, _ = run("coop", "show", str(cooperative.pk), "--user", "auditor")
    assert "白马村蚕桑专业合作社" in out and "生效日期 2017-04-01" in out and "按交易量返还比例 60%" in out
    assert "在册成员: 1" in out and "申请中: 0" in out
    # 4 poverty-fund shares × ¥500.00
    assert "财政扶贫资金股: 4 股 · ¥2,000.00" in out and "现金股: 0 股 · ¥0.00" in out


@pytest.mark.parametrize("username", ["cadre_b", "outsider"])
def test_show_of_another_villages_cooperative_is_refused(personas, baima, username):
    exc, _ = refused("coop", "show", str(baima[0].pk), "--user", username)
    assert exc.returncode == 1 and "无权" in str(exc)


def test_show_of_an_unknown_cooperative_or_without_an_id_is_a_clear_error(personas, baima):
    exc, _ = refused("coop", "show", "999999", "--user", "cadre_a")
    assert "找不到该合作社" in str(exc)
    exc, _ = refused("coop", "show", "--user", "cadre_a")
    assert "cooperative_required" in str(exc)


# -- coop accounts ---------------------------------------------------------------------------------------------


def test_accounts_print_each_members_capital_and_subsidy_share(personas, baima):
    cooperative, wang_member, *_ = baima
    out, err = run("coop", "accounts", str(cooperative.pk), "--user", "cadre_a", "--year", "2024")
    assert out.splitlines()[0].startswith("成员编号\t成员名称")
    # poverty-fund shares are subsidy property (Art. 44), not capital
    assert f"{wang_member.pk}\t王大山\t在册成员\t0.00\t0.00\t2000.00\t0.00\t0" in out
    assert "1 个成员账户" in err


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_accounts_are_written_to_a_csv_or_xlsx_file(personas, baima, tmp_path, suffix):
    cooperative, wang_member, *_ = baima
    path = tmp_path / f"accounts.{suffix}"
    run(
        "coop", "accounts", str(cooperative.pk), "--user", "township", "--year", "2024", "--output", str(path)
    )
    if suffix == "csv":
        with path.open(encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    else:
        lines = [[str(v) for v in row] for row in load_workbook(path).active.iter_rows(values_only=True)]
    assert lines[0][:2] == ["成员编号", "成员名称"]
    assert lines[1][:6] == [str(wang_member.pk), "王大山", "在册成员", "0.00", "0.00", "2000.00"]


def test_accounts_need_a_year_and_a_csv_or_xlsx_output(personas, baima, tmp_path):
    coop = str(baima[0].pk)
    exc, _ = refused("coop", "accounts", coop, "--user", "cadre_a")
    assert "--year" in str(exc)
    exc, _ = refused(
        "coop", "accounts", coop, "--user", "cadre_a", "--year", "2024", "--output", str(tmp_path / "a.pdf")
    )
    assert ".csv" in str(exc)


# -- coop convert-poverty-shares -------------------------------------------------------------------------------


def test_converting_poverty_shares_turns_them_into_cash_shares_once(personas, baima):
    cooperative, wang_member, *_ = baima
    args = ("coop", "convert-poverty-shares", str(cooperative.pk), "--user", "cadre_a", "--on", "2024-06-30")
    out, _ = run(*args)
    # out of poverty in 2018, 5 full years (2019–2023) → due in 2024: 4 × ¥500.00 = ¥2,000.00 = 20 cash shares
    assert "1 户" in out and "¥2,000.00" in out
    cash = ShareEntry.objects.get(member=wang_member, entry_type="conversion_in")
    assert (cash.share_class.kind, cash.units_centi, cash.amount_fen) == ("cash", 2000, 2000_00)
    out, _ = run(*args)
    assert "0 户" in out
    assert ShareEntry.objects.count() == 3


@pytest.mark.parametrize("username", ["cadre_b", "auditor"])
def test_converting_poverty_shares_needs_write_scope(personas, baima, username):
    exc, _ = refused(
        "coop", "convert-poverty-shares", str(baima[0].pk), "--user", username, "--on", "2024-06-30"
    )
    assert exc.returncode == 1 and "无权" in str(exc)
    assert ShareEntry.objects.count() == 1


def test_converting_poverty_shares_needs_a_valid_date(personas, baima):
    exc, _ = refused("coop", "convert-poverty-shares", str(baima[0].pk), "--user", "cadre_a")
    assert "--on" in str(exc)
    exc, _ = refused(
        "coop", "convert-poverty-shares", str(baima[0].pk), "--user", "cadre_a", "--on", "2024-02-30"
    )
    assert "YYYY-MM-DD" in str(exc)
    assert ShareEntry.objects.count() == 1
