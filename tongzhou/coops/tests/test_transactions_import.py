"""The member-transaction import: all or nothing, duplicates refused, the report names row, column and reason."""

from __future__ import annotations

import csv
import datetime as dt
import pathlib
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.domain.transactions import member_key, source_key
from tongzhou.coops.models import MemberTransaction
from tongzhou.coops.services.transactions import transaction_record
from tongzhou.coops.testing import build_cooperative, build_member
from tongzhou.coops.transactions_import import transactions_import
from tongzhou.core.errors import Conflict, ImportRejected, ScopeDenied
from tongzhou.core.testing import build_household, fresh
from tongzhou.households.register_import import write_error_report

pytestmark = pytest.mark.django_db

HEADERS = [
    "成员身份证号码",
    "成员编号",
    "非成员名称",
    "交易类型",
    "日期",
    "产品",
    "等级",
    "数量",
    "单位",
    "单价（元）",
    "金额（元）",
]


def write_csv(path: pathlib.Path, rows: list[list], headers=HEADERS) -> pathlib.Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path: pathlib.Path, rows: list[list], headers=HEADERS) -> pathlib.Path:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def baima(personas):
    cooperative = build_cooperative()
    wang = build_household(number="0001", head_name="王大山", members=1)
    li = build_household(number="0002", head_name="李秀英")
    return cooperative, build_member(cooperative, wang), build_member(cooperative, li), wang, li


def id_of(household, relation="head") -> str:
    return household.persons.filter(relation=relation).first().id_number


def good_rows(baima) -> list[list]:
    cooperative, wang_member, li_member, wang, li = baima
    return [
        [id_of(wang), "", "", "交售", "2024-06-12", "鲜茧", "一级", "42.5", "kg", "46.00", "1955.00"],
        # a child of the member household identifies the member too
        [id_of(wang, "child"), "", "", "交售", "2024-09-20", "鲜茧", "二级", "30", "kg", "40", ""],
        ["", str(li_member.pk), "", "务工", "2024-07-01", "采桑叶", "", "12", "", "80", "960"],
        ["", "", "邻村散户张三", "交售", "2024-06-12", "鲜茧", "一级", "10", "kg", "46", ""],
    ]


def rejected(**kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as excinfo:
        transactions_import(**kwargs)
    return excinfo.value


def test_a_good_file_is_imported_with_members_and_a_non_member_kept_apart(personas, baima, tmp_path):
    cooperative, wang_member, li_member, *_ = baima
    result = transactions_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "交易.csv", good_rows(baima)),
    )
    assert (result.rows, result.member_transactions, result.non_member_transactions) == (4, 3, 1)
    # 1,955.00 + 30 × 40 = 1,200.00 + 960.00 + 460.00 = 4,575.00 yuan
    assert result.amount_fen == 4575_00
    assert MemberTransaction.objects.filter(member=wang_member).count() == 2
    labour = MemberTransaction.objects.get(member=li_member)
    assert (labour.kind, labour.unit, labour.amount_fen) == ("labour", "工日", 960_00)
    outside = MemberTransaction.objects.get(is_member=False)
    assert (outside.member, outside.counterparty_name, outside.amount_fen) == (None, "邻村散户张三", 460_00)
    assert AuditEvent.objects.filter(action="transaction.import").count() == 1


def test_an_xlsx_with_numbers_and_dates_as_cells_is_imported(personas, baima, tmp_path):
    cooperative, wang_member, *_ = baima
    wang = baima[3]
    rows = [
        [
            id_of(wang),
            None,
            None,
            "sale_to_coop",
            dt.datetime(2024, 6, 12),
            "鲜茧",
            "一级",
            42.5,
            "kg",
            46,
            1955,
        ]
    ]
    result = transactions_import(
        user=personas.cadre_a, cooperative=cooperative, path=write_xlsx(tmp_path / "a.xlsx", rows)
    )
    assert result.amount_fen == 1955_00
    assert MemberTransaction.objects.get().quantity == 42.5


def test_a_file_with_errors_writes_nothing_and_its_report_names_row_column_and_reason(
    personas, baima, tmp_path
):
    cooperative, *_ = baima
    wang = baima[3]
    rows = good_rows(baima) + [
        [id_of(wang), "", "", "交售", "2024-06-13", "鲜茧", "一级", "42.5", "kg", "46.00", "1900.00"],
        [id_of(wang), "", "", "交售", "2024-06-14", "鲜茧", "一级", "-3", "kg", "46.00", ""],
        [id_of(wang), "", "", "交售", "2024-06-15", "鲜茧", "一级", "3", "kg", "-46.00", ""],
        ["11010519491231002X", "", "", "交售", "2024-06-16", "鲜茧", "一级", "3", "kg", "46.00", ""],
    ]
    error = rejected(user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows))
    assert not MemberTransaction.objects.exists()
    errors = error.details["errors"]
    assert error.details["error_count"] == 4
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [
        (6, "金额（元）", "amount_mismatch"),
        (7, "数量", "negative"),
        (8, "单价（元）", "negative"),
        (9, "成员身份证号码", "not_a_member"),
    ]
    assert "1955.00" in errors[0]["reason_zh"] and "1900.00" in errors[0]["reason_zh"]
    report = tmp_path / "errors.xlsx"
    write_error_report(errors, report, "xlsx")
    lines = list(load_workbook(report).active.iter_rows(values_only=True))
    # the report writes "-3" as text ('-3), never as a number or formula
    assert lines[2][:3] == (7, "数量", "'-3") and "负数" in lines[2][3]


def test_a_row_twice_in_the_file_is_refused_naming_the_first_row(personas, baima, tmp_path):
    cooperative, *_ = baima
    rows = good_rows(baima)
    rows.append(list(rows[0]))
    rows[-1][9] = "46"  # the same price written differently is still the same row
    error = rejected(user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows))
    assert [(e["row"], e["code"]) for e in error.details["errors"]] == [(6, "duplicate_in_file")]
    assert "第2行" in error.details["errors"][0]["reason_zh"]
    assert not MemberTransaction.objects.exists()


def test_importing_the_same_file_again_is_refused_as_duplicates(personas, baima, tmp_path):
    cooperative, *_ = baima
    path = write_csv(tmp_path / "a.csv", good_rows(baima))
    transactions_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    error = rejected(user=personas.township, cooperative=cooperative, path=path)
    assert error.details["duplicates_in_database"] == 4
    assert {e["code"] for e in error.details["errors"]} == {"duplicate_in_database"}
    assert "已经导入过" in error.message_zh and "imported before" in error.message_en
    assert MemberTransaction.objects.count() == 4


def test_a_row_dated_in_a_closed_year_rejects_the_file(personas, baima, tmp_path):
    cooperative, *_ = baima
    cooperative.closed_through_year = 2023
    cooperative.save()
    rows = good_rows(baima)
    rows[1][4] = "2023-11-30"
    error = rejected(user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows))
    assert [(e["row"], e["column"], e["code"]) for e in error.details["errors"]] == [
        (3, "日期", "closed_year")
    ]
    assert not MemberTransaction.objects.exists()


def test_a_row_naming_both_a_member_and_a_non_member_or_neither_is_refused(personas, baima, tmp_path):
    cooperative, *_ = baima
    rows = good_rows(baima)
    rows[0][2] = "张三"
    rows[3][2] = ""
    error = rejected(user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows))
    assert [(e["row"], e["code"]) for e in error.details["errors"]] == [
        (2, "member_and_non_member"),
        (5, "required"),
    ]


def test_a_formula_in_an_xlsx_cell_is_refused(personas, baima, tmp_path):
    cooperative, *_ = baima
    wang = baima[3]
    rows = [[id_of(wang), None, None, "交售", "2024-06-12", "鲜茧", "一级", 42.5, "kg", 46, "=H2*J2"]]
    error = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_xlsx(tmp_path / "a.xlsx", rows)
    )
    assert [(e["column"], e["code"]) for e in error.details["errors"]] == [("金额（元）", "formula")]


def test_merged_cells_and_a_missing_column_reject_the_file_before_any_row(personas, baima, tmp_path):
    cooperative, *_ = baima
    path = write_xlsx(tmp_path / "m.xlsx", good_rows(baima))
    wb = load_workbook(path)
    wb.active.merge_cells("F2:F3")
    wb.save(path)
    assert (
        rejected(user=personas.cadre_a, cooperative=cooperative, path=path).details["file_error"]
        == "merged_cells"
    )
    headers = [h for h in HEADERS if h != "数量"]
    rows = [r[:7] + r[8:] for r in good_rows(baima)]
    error = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "c.csv", rows, headers)
    )
    assert [(e["column"], e["code"]) for e in error.details["errors"]] == [("数量", "missing_column")]


def test_english_keys_are_accepted_as_headers(personas, baima, tmp_path):
    cooperative, *_ = baima
    keys = ["member_id_number", "member_number", "counterparty_name", "kind", "date", "product", "grade",
            "quantity", "unit", "unit_price", "amount"]  # fmt: skip
    result = transactions_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "a.csv", good_rows(baima), keys),
    )
    assert result.rows == 4


def test_a_dry_run_counts_and_writes_nothing(personas, baima, tmp_path):
    cooperative, *_ = baima
    result = transactions_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "a.csv", good_rows(baima)),
        dry_run=True,
    )
    assert (result.rows, result.dry_run, result.amount_fen) == (4, True, 4575_00)
    assert not MemberTransaction.objects.exists() and not AuditEvent.objects.filter(
        action="transaction.import"
    )


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("cadre_a", True), ("cadre_b", False), ("township", True), ("auditor", False), ("outsider", False)],
)
def test_only_users_who_may_write_the_cooperatives_village_may_import(
    personas, baima, tmp_path, persona, allowed
):
    cooperative, *_ = baima
    path = write_csv(tmp_path / "a.csv", good_rows(baima))
    user = fresh(getattr(personas, persona))
    if allowed:
        assert transactions_import(user=user, cooperative=cooperative, path=path).rows == 4
    else:
        with pytest.raises(ScopeDenied):
            transactions_import(user=user, cooperative=cooperative, path=path)
        assert not MemberTransaction.objects.exists()


def test_the_imported_rows_carry_what_a_single_entry_stores(personas, baima, tmp_path):
    cooperative, wang_member, li_member, wang, li = baima
    transactions_import(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", good_rows(baima))
    )
    sale = MemberTransaction.objects.get(member=wang_member, grade="一级")
    assert (sale.kind, sale.on, sale.year, sale.quantity, sale.unit) == (
        "sale_to_coop",
        dt.date(2024, 6, 12),
        2024,
        Decimal("42.500"),
        "kg",
    )
    assert (sale.unit_price_fen, sale.amount_fen, sale.is_member, sale.created_by) == (
        46_00,
        1955_00,
        True,
        personas.cadre_a,
    )
    assert (sale.village_code, sale.county_code) == (wang.village_code, cooperative.county_code)
    assert sale.created_at is not None
    outside = MemberTransaction.objects.get(is_member=False)
    assert outside.village_code == cooperative.region_code  # a non-member's: the cooperative's village
    # The single entry computes the same source key: recording the sale again is a duplicate.
    with pytest.raises(Conflict):
        transaction_record(
            user=personas.cadre_a,
            cooperative=cooperative,
            member=wang_member,
            kind="交售",
            on="2024-06-12",
            product="鲜茧",
            grade="一级",
            quantity="42.5",
            unit="kg",
            unit_price="46",
            amount="",
        )


def test_an_xlsx_of_number_date_and_float_cells_is_the_same_transactions_as_its_csv(
    personas, baima, tmp_path
):
    cooperative, wang_member, li_member, wang, li = baima
    rows = [
        [id_of(wang), None, None, "交售", dt.datetime(2024, 6, 12), "鲜茧", "一级", 42.5, "kg", 46.0, 1955.0],
        [None, li_member.pk, None, "务工", dt.date(2024, 7, 1), "采桑叶", None, 12, None, 80, 960.0],
        [None, None, "邻村散户张三", "交售", dt.datetime(2024, 6, 12), "鲜茧", "一级", 10, "kg", 46, None],
    ]
    result = transactions_import(
        user=personas.cadre_a, cooperative=cooperative, path=write_xlsx(tmp_path / "a.xlsx", rows)
    )
    assert (result.rows, result.member_transactions, result.amount_fen) == (3, 2, 1955_00 + 960_00 + 460_00)
    # the CSV of the same transactions (as text) duplicates every one of them
    error = rejected(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "a.csv", [good_rows(baima)[0], good_rows(baima)[2], good_rows(baima)[3]]),
    )
    assert error.details["duplicates_in_database"] == 3


def test_a_gb18030_csv_is_imported(personas, baima, tmp_path):
    cooperative, *_ = baima
    path = tmp_path / "交易.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(good_rows(baima))
    result = transactions_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    assert (result.rows, result.non_member_transactions) == (4, 1)
    assert MemberTransaction.objects.get(is_member=False).counterparty_name == "邻村散户张三"


def test_a_row_already_recorded_by_hand_is_a_duplicate_in_the_database(personas, baima, tmp_path):
    cooperative, wang_member, *_ = baima
    transaction_record(
        user=personas.cadre_a,
        cooperative=cooperative,
        member=wang_member,
        kind="sale_to_coop",
        on=dt.date(2024, 9, 20),
        product="鲜茧",
        grade="二级",
        quantity="30.000",
        unit="kg",
        unit_price="40.00",
        amount="1200",
    )
    error = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", good_rows(baima))
    )
    assert [(e["row"], e["code"]) for e in error.details["errors"]] == [(3, "duplicate_in_database")]
    assert MemberTransaction.objects.count() == 1


def test_rows_written_before_a_later_error_are_rolled_back(personas, baima, tmp_path, monkeypatch):
    monkeypatch.setattr("tongzhou.coops.transactions_import.BATCH_ROWS", 2)  # write as early as possible
    cooperative, *_ = baima
    wang = baima[3]
    late = [id_of(wang), "", "", "交售", "2024-06-20", "鲜茧", "一级", "4", "斤", "46", "1.00"]
    error = rejected(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "a.csv", good_rows(baima) + [late]),
    )
    assert [(e["row"], e["code"]) for e in error.details["errors"]] == [(6, "amount_mismatch")]
    assert not MemberTransaction.objects.exists()


def test_a_source_key_held_by_another_cooperative_rejects_the_file_unwritten(personas, baima, tmp_path):
    cooperative, wang_member, *_ = baima
    other = build_cooperative(name="白马村茶叶专业合作社")
    key = source_key(
        cooperative_id=cooperative.pk,
        member_key=member_key(member_id=None, counterparty_name="邻村散户张三"),
        kind="sale_to_coop",
        on=dt.date(2024, 6, 12),
        product="鲜茧",
        grade="一级",
        quantity=Decimal("10"),
        unit_price_fen=46_00,
        amount_fen=460_00,
    )
    MemberTransaction.objects.create(
        cooperative=other, is_member=False, counterparty_name="某", kind="sale_to_coop", on=dt.date(2024, 1, 2),
        year=2024, product="茶", quantity=1, unit="kg", unit_price_fen=1, amount_fen=1, source_key=key,
        county_code=other.county_code,
    )  # fmt: skip
    with pytest.raises(ImportRejected):
        transactions_import(
            user=personas.cadre_a,
            cooperative=cooperative,
            path=write_csv(tmp_path / "a.csv", good_rows(baima)),
        )
    assert MemberTransaction.objects.count() == 1


def test_a_member_outside_the_dates_of_membership_is_refused_naming_the_member(personas, baima, tmp_path):
    cooperative, wang_member, li_member, *_ = baima
    li_member.exit_effective_on = dt.date(2024, 7, 1)
    li_member.status = "exit_notified"
    li_member.save()
    rows = good_rows(baima)
    rows.append(["", str(li_member.pk), "", "务工", "2017-03-31", "采桑叶", "", "1", "", "80", ""])
    error = rejected(user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows))
    assert [(e["row"], e["column"], e["code"]) for e in error.details["errors"]] == [
        (4, "成员编号", "after_exit"),
        (6, "成员编号", "before_joining"),
    ]
    assert "李秀英" in error.details["errors"][0]["reason_zh"]
    assert not MemberTransaction.objects.exists()
