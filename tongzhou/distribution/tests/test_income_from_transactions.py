"""Wages and land rent paid to household members become their households' income lines (issue 5, point 5), by
every path that writes member transactions: the single entry (service, API), the import (CLI), the demo — and a
sale, a purchase, a non-member, an organisation member or a refused import gets none."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client

from tongzhou.coops.models import Member, MemberKind, MemberStatus, MemberTransaction
from tongzhou.coops.services.transactions import transaction_record
from tongzhou.coops.testing import build_cooperative, build_member
from tongzhou.coops.transactions_import import transactions_import
from tongzhou.core.errors import Conflict, ImportRejected
from tongzhou.core.testing import VILLAGE_B, build_household
from tongzhou.distribution.models import HouseholdIncome
from tongzhou.distribution.services.income import income_from_transactions
from tongzhou.households.models import Household

pytestmark = pytest.mark.django_db

LABOUR = {
    "kind": "务工",
    "on": dt.date(2024, 7, 1),
    "product": "采桑叶",
    "quantity": "12",
    "unit_price": "80",
}
RENT = {"kind": "土地流转租金", "on": dt.date(2024, 12, 20), "product": "桑园土地流转", "quantity": "2.5",
        "unit_price": "500"}  # fmt: skip
SALE = {"kind": "交售", "on": dt.date(2024, 6, 12), "product": "鲜茧", "grade": "一级", "quantity": "42.5",
        "unit": "kg", "unit_price": "46.00"}  # fmt: skip
PURCHASE = {"kind": "购买农资", "on": dt.date(2024, 3, 2), "product": "化肥", "quantity": "2", "unit": "袋",
            "unit_price": "120"}  # fmt: skip


@pytest.fixture
def baima(personas):
    cooperative = build_cooperative()
    wang = build_household(number="0001", head_name="王大山", members=1)
    # 李秀英's household lives in the neighbouring village: its lines carry the household's codes.
    li = build_household(village_code=VILLAGE_B, number="0002", head_name="李秀英")
    wang_member, li_member = build_member(cooperative, wang), build_member(cooperative, li)
    company = Member.objects.create(
        cooperative=cooperative,
        kind=MemberKind.ORGANISATION,
        organisation_name="毕节蚕桑科技有限公司",
        display_name="毕节蚕桑科技有限公司",
        is_farmer=False,
        village_code=cooperative.region_code,
        county_code=cooperative.county_code,
        status=MemberStatus.ACTIVE,
        applied_on=dt.date(2017, 4, 1),
        joined_on=dt.date(2017, 4, 1),
    )
    return cooperative, wang_member, li_member, company, wang, li


def lines() -> list[tuple]:
    return list(
        HouseholdIncome.objects.order_by("household_id", "on").values_list(
            "household__head_name",
            "year",
            "kind",
            "amount_fen",
            "on",
            "body_id",
            "village_code",
            "county_code",
        )
    )


def test_a_wage_and_a_land_rent_recorded_one_by_one_become_the_households_income_lines(personas, baima):
    cooperative, wang_member, li_member, company, wang, li = baima
    record = dict(user=personas.cadre_a, cooperative=cooperative)
    wage = transaction_record(**record, member=li_member, **LABOUR)  # 12 days × 80 = 960 yuan
    rent = transaction_record(**record, member=wang_member, **RENT)  # 2.5 mu × 500 = 1,250 yuan
    # None of these is a payment of the cooperative to a household: no income line.
    transaction_record(**record, member=wang_member, **SALE)
    transaction_record(**record, member=wang_member, **PURCHASE)
    transaction_record(**record, member=company, **LABOUR)
    transaction_record(**record, counterparty_name="邻村散户张三", **{**LABOUR, "product": "采桑叶（临时）"})
    assert MemberTransaction.objects.count() == 6
    assert lines() == [
        (
            "王大山",
            2024,
            "land_rent",
            1250_00,
            dt.date(2024, 12, 20),
            cooperative.pk,
            wang.village_code,
            "520502",
        ),
        ("李秀英", 2024, "wage", 960_00, dt.date(2024, 7, 1), cooperative.pk, VILLAGE_B, "520502"),
    ]
    assert dict(HouseholdIncome.objects.values_list("kind", "transaction_id")) == {
        "wage": wage.pk,
        "land_rent": rent.pk,
    }
    assert not HouseholdIncome.objects.filter(run__isnull=False).exists()


def test_the_api_records_a_wage_and_lists_it_among_the_households_income(personas, baima):
    from tongzhou.api.tests.calling import Caller

    cooperative, wang_member, *_rest, wang, _li = baima
    caller = Caller(personas.cadre_a)
    body = {"member_id": wang_member.pk, **LABOUR, "on": "2024-07-01", "quantity": "3.5"}
    recorded = caller.post(f"/coops/{cooperative.pk}/transactions", body)
    assert recorded.status_code == 201
    income = caller.get(f"/households/{wang.pk}/income", year=2024).json()
    assert income["count"] == 1
    (line,) = income["results"]
    assert (line["kind"], line["amount_fen"], line["amount"], line["on"]) == (
        "wage",
        280_00,
        "280.00",
        "2024-07-01",
    )
    assert (line["body_id"], line["body_name"], line["run_id"], line["payment_id"]) == (
        cooperative.pk,
        cooperative.name,
        None,
        None,
    )
    assert (line["transaction_id"], line["guarantee_id"]) == (recorded.json()["id"], None)
    assert caller.get(f"/households/{wang.pk}/income", year=2023).json()["count"] == 0


def test_a_refused_single_entry_writes_no_income_line(personas, baima):
    cooperative, wang_member, *_ = baima
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=wang_member, **LABOUR)
    with pytest.raises(Conflict):  # the same row again: a duplicate, refused
        transaction_record(user=personas.cadre_a, cooperative=cooperative, member=wang_member, **LABOUR)
    assert HouseholdIncome.objects.count() == 1


HEADERS = ["成员身份证号码", "成员编号", "非成员名称", "交易类型", "日期", "产品", "等级", "数量", "单位", "单价（元）",
           "金额（元）"]  # fmt: skip


def write_csv(path, rows) -> str:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(rows)
    return str(path)


def file_rows(baima) -> list[list]:
    cooperative, wang_member, li_member, company, wang, li = baima
    head = wang.persons.get(relation="head").id_number
    return [
        [head, "", "", "交售", "2024-06-12", "鲜茧", "一级", "42.5", "kg", "46.00", "1955.00"],
        ["", str(li_member.pk), "", "务工", "2024-07-01", "采桑叶", "", "12", "", "80", "960"],
        ["", str(li_member.pk), "", "务工", "2024-08-03", "采桑叶", "", "4.5", "", "100", ""],
        [head, "", "", "土地租金", "2024-12-20", "桑园土地流转", "", "2.5", "", "500", ""],
        [head, "", "", "购买农资", "2024-03-02", "化肥", "", "2", "袋", "120", ""],
        ["", str(company.pk), "", "务工", "2024-07-02", "采桑叶", "", "10", "", "80", ""],
        ["", "", "邻村散户张三", "务工", "2024-07-01", "采桑叶", "", "1", "", "80", ""],
        # a wage of 0 (a day worked unpaid) is no income
        ["", str(li_member.pk), "", "务工", "2024-09-09", "采桑叶", "", "1", "", "0", "0"],
    ]


def test_an_imported_file_writes_each_wage_and_land_rent_as_an_income_line(personas, baima, tmp_path):
    cooperative, wang_member, li_member, *_ = baima
    path = write_csv(tmp_path / "交易.csv", file_rows(baima))
    out = io.StringIO()
    call_command(
        "import", "transactions", path, "--user", "cadre_a", "--cooperative", str(cooperative.pk), stdout=out
    )
    assert "农户收入 3 条" in out.getvalue()
    assert MemberTransaction.objects.count() == 8
    assert lines() == [
        (
            "王大山",
            2024,
            "land_rent",
            1250_00,
            dt.date(2024, 12, 20),
            cooperative.pk,
            "520502100201",
            "520502",
        ),
        ("李秀英", 2024, "wage", 960_00, dt.date(2024, 7, 1), cooperative.pk, VILLAGE_B, "520502"),
        ("李秀英", 2024, "wage", 450_00, dt.date(2024, 8, 3), cooperative.pk, VILLAGE_B, "520502"),
    ]
    # Each line points at its transaction and carries its amount.
    for line in HouseholdIncome.objects.select_related("transaction__member"):
        assert line.transaction.amount_fen == line.amount_fen and line.transaction.on == line.on
        assert line.transaction.member.household_id == line.household_id


def test_a_second_import_adds_only_its_own_rows_lines(personas, baima, tmp_path):
    cooperative, _wang_member, li_member, *_ = baima
    first = [["", str(li_member.pk), "", "务工", "2024-07-01", "采桑叶", "", "12", "", "80", "960"]]
    second = [["", str(li_member.pk), "", "务工", "2024-07-05", "采桑叶", "", "2", "", "80", "160"]]
    for n, rows in enumerate((first, second)):
        result = transactions_import(
            user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / f"{n}.csv", rows)
        )
        assert result.income_lines == 1
    assert sorted(HouseholdIncome.objects.values_list("amount_fen", flat=True)) == [160_00, 960_00]


def test_a_refused_or_dry_run_import_writes_no_income_line(personas, baima, tmp_path):
    cooperative, wang_member, *_ = baima
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=wang_member, **LABOUR)
    before = lines()
    assert len(before) == 1
    rows = file_rows(baima)
    result = transactions_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "dry.csv", rows),
        dry_run=True,
    )
    assert (result.dry_run, result.income_lines) == (True, 3)
    assert lines() == before and MemberTransaction.objects.count() == 1
    # The same file with one wrong row at the end: the whole file is refused, its wages with it.
    bad = rows + [["", str(wang_member.pk), "", "务工", "2024-07-09", "采桑叶", "", "1", "", "80", "99"]]
    with pytest.raises(ImportRejected):
        transactions_import(
            user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "b.csv", bad)
        )
    assert lines() == before and MemberTransaction.objects.count() == 1


def test_the_statement_leaves_rows_below_the_range_alone(personas, baima):
    """Lines are written for the given id range only: running it again over rows already done would duplicate
    them, so every path passes the range of the rows it just wrote."""
    cooperative, _wang_member, li_member, *_ = baima
    row = transaction_record(user=personas.cadre_a, cooperative=cooperative, member=li_member, **LABOUR)
    assert income_from_transactions(after_id=row.pk, cooperative_id=cooperative.pk) == 0
    assert HouseholdIncome.objects.count() == 1


def test_the_household_page_shows_the_years_income_lines(personas, baima):
    cooperative, wang_member, li_member, *_rest, wang, li = baima
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=wang_member, **RENT)
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=wang_member, **LABOUR)
    client = Client()
    client.force_login(personas.cadre_a)
    page = client.get(f"/households/{wang.pk}/", headers={"Accept-Language": "zh-hans"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "2024 年度收入" in html and "土地流转租金" in html and "务工收入" in html
    assert "1,250.00" in html and "960.00" in html and "2,210.00" in html and cooperative.name in html
    empty = client.get(f"/households/{wang.pk}/", {"year": 2023}).content.decode()
    assert "本年度尚无收入记录。" in empty and "1,250.00" not in empty


def test_income_lines_use_the_households_codes_even_when_the_member_row_differs(personas, baima):
    cooperative, wang_member, *_rest, wang, _li = baima
    Household.objects.filter(pk=wang.pk).update(village_code=VILLAGE_B)
    transaction_record(user=personas.cadre_a, cooperative=cooperative, member=wang_member, **LABOUR)
    assert HouseholdIncome.objects.get().village_code == VILLAGE_B
