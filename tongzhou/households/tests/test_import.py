"""The household register import: what a cadre's file does to the register, and every rule that rejects a file."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.core.errors import ImportRejected, ScopeDenied
from tongzhou.core.ids import make_resident_id
from tongzhou.core.testing import VILLAGE_A, VILLAGE_B, build_household, person_id
from tongzhou.households.models import Household, Person
from tongzhou.households.register_import import COLUMNS, register_import
from tongzhou.rollups.models import RegionRegisterFigures

HEADERS = [c.header for c in COLUMNS]


def head_row(number: str = "0101", *, village: str = VILLAGE_A, name: str = "张大海", **cells) -> dict:
    birth = dt.date(1968, 4, 2)
    row = {
        "村代码": village, "村民组": "001" if village == VILLAGE_A else "", "户编号": number,
        "住址": f"白马村一组{number}号", "联系电话": "13812345678", "建档立卡年度": "2015", "脱贫年度": "2019",
        "承包地面积（亩）": "3.5", "户备注": "", "姓名": name, "身份证号码": person_id(birth, "M"),
        "出生日期": birth.isoformat(), "性别": "男", "与户主关系": "户主", "民族": "苗族", "劳动能力": "普通劳动力",
        "是否外出务工": "否", "务工地点": "", "残疾情况": "无", "健康状况": "健康",
    }  # fmt: skip
    row.update(cells)
    return row


def member_row(number: str = "0101", *, village: str = VILLAGE_A, name: str = "张小花", **cells) -> dict:
    birth = dt.date(1996, 9, 30)
    row = {
        "村代码": village,
        "户编号": number,
        "姓名": name,
        "身份证号码": person_id(birth, "F"),
        "与户主关系": "子女",
        "是否外出务工": "是",
        "务工地点": "浙江宁波",
    }
    row.update(cells)
    return row


def write_csv(
    path: Path, rows: list[dict], *, encoding: str = "utf-8", headers: list[str] | None = None
) -> Path:
    headers = headers or HEADERS
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict], *, headers: list[str] | None = None, typed=None) -> Path:
    from openpyxl import Workbook

    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(
            [
                (typed or {}).get(h, lambda v: v)(row.get(h)) if row.get(h) not in (None, "") else None
                for h in headers
            ]
        )
    wb.save(path)
    return path


def two_households() -> list[dict]:
    return [
        head_row("0101"),
        member_row("0101"),
        member_row("0101", name="张小山", 与户主关系="配偶", 身份证号码=person_id(dt.date(1970, 1, 1), "F")),
        head_row("0102", name="李四", 建档立卡年度="", 脱贫年度=""),
    ]


def rejected(excinfo) -> list[tuple]:
    return [(e["row"], e["column"], e["code"]) for e in excinfo.value.details["errors"]]


@pytest.mark.django_db
def test_cadre_imports_two_households_and_the_register_and_figures_follow(personas, tmp_path):
    rows = two_households()
    result = register_import(user=personas.cadre_a, path=write_csv(tmp_path / "户籍.csv", rows))
    assert (result.rows, result.households_created, result.persons_created, result.persons_unchanged) == (
        4,
        2,
        4,
        0,
    )
    household = Household.objects.get(village_code=VILLAGE_A, number="0101")
    assert household.head_name == "张大海"
    assert household.group_code == VILLAGE_A + "001"
    assert (household.poverty_registered_year, household.poverty_exit_year) == (2015, 2019)
    assert str(household.contracted_land_mu) == "3.50"
    assert household.county_code == "520502"
    child = Person.objects.get(id_number=rows[1]["身份证号码"])
    assert child.household == household and child.migrant_worker and child.migrant_destination == "浙江宁波"
    assert child.id_last4 == rows[1]["身份证号码"][-4:]
    assert (child.village_code, child.county_code, child.sex, child.birth_date) == (
        VILLAGE_A,
        "520502",
        "F",
        dt.date(1996, 9, 30),
    )
    assert Person.objects.get(id_number=rows[0]["身份证号码"]).ethnicity == "苗族"
    figures = RegionRegisterFigures.objects.get(region_code=VILLAGE_A)
    assert (figures.households, figures.persons, figures.registered_poor_households) == (2, 4, 1)
    assert RegionRegisterFigures.objects.get(region_code="520502").persons == 4
    event = AuditEvent.objects.get(action="household.import")
    assert event.user == personas.cadre_a and event.via == "cli" and event.details["persons_created"] == 4


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(personas, tmp_path):
    path = write_csv(tmp_path / "户籍.csv", two_households())
    register_import(user=personas.cadre_a, path=path)
    stamps = sorted(Person.objects.values_list("id", "updated_at")) + sorted(
        Household.objects.values_list("id", "updated_at")
    )
    audits = AuditEvent.objects.count()
    again = register_import(user=personas.cadre_a, path=path)
    assert (
        again.households_created,
        again.households_updated,
        again.persons_created,
        again.persons_updated,
    ) == (0, 0, 0, 0)
    assert again.persons_unchanged == 4
    assert (
        sorted(Person.objects.values_list("id", "updated_at"))
        + sorted(Household.objects.values_list("id", "updated_at"))
        == stamps
    )
    assert AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_a_changed_row_updates_that_person_and_household_only(personas, tmp_path):
    rows = two_households()
    register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    rows[0]["联系电话"] = "13900000000"
    rows[1]["健康状况"] = "长期慢性病"
    result = register_import(user=personas.cadre_a, path=write_csv(tmp_path / "b.csv", rows))
    assert (result.households_updated, result.persons_updated, result.persons_unchanged) == (1, 1, 3)
    assert Household.objects.get(number="0101").phone == "13900000000"
    assert Person.objects.get(id_number=rows[1]["身份证号码"]).health == "chronic"


@pytest.mark.django_db
def test_a_dry_run_reports_what_would_happen_and_writes_nothing(personas, tmp_path):
    result = register_import(
        user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", two_households()), dry_run=True
    )
    assert (result.households_created, result.persons_created, result.dry_run) == (2, 4, True)
    assert not Household.objects.exists() and not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="household.import").exists()


@pytest.mark.django_db
def test_members_join_a_household_already_in_the_register(personas, tmp_path):
    household = build_household(number="0007")
    result = register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", [member_row("0007")]))
    assert (result.households_created, result.persons_created) == (0, 1)
    assert household.persons.count() == 2


@pytest.mark.django_db
def test_english_keys_are_accepted_as_headers(personas, tmp_path):
    keys = [c.key for c in COLUMNS]
    rows = [{c.key: head_row()[c.header] for c in COLUMNS}]
    result = register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows, headers=keys))
    assert result.persons_created == 1


@pytest.mark.django_db
def test_a_wrong_check_digit_rejects_the_file_with_row_and_column_and_writes_nothing(personas, tmp_path):
    rows = two_households()
    good = rows[1]["身份证号码"]
    rows[1]["身份证号码"] = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [(3, "身份证号码", "id_check_digit")]
    error = excinfo.value.details["errors"][0]
    assert "校验码" in error["reason_zh"] and "check character" in error["reason_en"]
    assert excinfo.value.details["error_count"] == 1
    assert not Household.objects.exists() and not Person.objects.exists()


@pytest.mark.django_db
def test_impossible_or_future_birth_dates_and_disagreeing_sex_are_rejected(personas, tmp_path):
    future = make_resident_id("520502", dt.date.today() + dt.timedelta(days=400), 1, "M")
    impossible_first17 = "52050219900230003"
    from tongzhou.core.ids import resident_id_check_char

    impossible = impossible_first17 + resident_id_check_char(impossible_first17)
    rows = [
        head_row(),
        member_row(身份证号码=future),
        member_row(身份证号码=impossible),
        member_row(出生日期="1996-09-29"),
        member_row(性别="男"),
        member_row(出生日期="1996-02-30"),
    ]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [
        (3, "身份证号码", "id_birth_date_future"),
        (4, "身份证号码", "id_birth_date_impossible"),
        (5, "出生日期", "id_birth_date_mismatch"),
        (6, "性别", "id_sex_mismatch"),
        (7, "出生日期", "date_format"),
    ]


@pytest.mark.django_db
def test_the_same_id_twice_in_the_file_is_rejected(personas, tmp_path):
    rows = two_households()
    rows[3]["身份证号码"] = rows[0]["身份证号码"]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [(5, "身份证号码", "duplicate_in_file")]
    assert "第2行" in excinfo.value.details["errors"][0]["reason_zh"]


@pytest.mark.django_db
def test_an_id_registered_in_another_household_is_rejected(personas, tmp_path):
    other = build_household(number="0009", village_code=VILLAGE_A)
    rows = two_households()
    rows[1]["身份证号码"] = other.persons.get().id_number
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [(3, "身份证号码", "id_in_other_household")]
    assert "0009" in excinfo.value.details["errors"][0]["reason_zh"]
    assert Household.objects.count() == 1


@pytest.mark.django_db
def test_an_id_in_a_household_the_user_cannot_see_is_rejected_without_naming_it(personas, tmp_path):
    other = build_household(number="0009", village_code=VILLAGE_B)
    rows = [head_row(身份证号码=other.persons.get().id_number, 出生日期="", 性别="")]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [(2, "身份证号码", "id_in_other_household")]
    assert VILLAGE_B not in excinfo.value.details["errors"][0]["reason_zh"]


@pytest.mark.django_db
def test_a_person_without_a_household_is_rejected(personas, tmp_path):
    with pytest.raises(ImportRejected) as excinfo:
        register_import(
            user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", [head_row("0101"), member_row("0199")])
        )
    assert rejected(excinfo) == [(3, "户编号", "no_household")]


@pytest.mark.django_db
def test_an_unknown_village_and_a_village_outside_the_scope_are_rejected_per_row(personas, tmp_path):
    rows = [
        head_row("0101"),
        head_row("0102", village="520502100299"),
        head_row("0103", village=VILLAGE_B),
        member_row("0103", village=VILLAGE_B),
    ]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [
        (3, "村代码", "unknown_village"),
        (4, "村代码", "forbidden"),
        (5, "村代码", "forbidden"),
    ]
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_a_user_who_may_not_write_anywhere_is_refused(personas, tmp_path):
    with pytest.raises(ScopeDenied):
        register_import(user=personas.auditor, path=write_csv(tmp_path / "a.csv", two_households()))


@pytest.mark.django_db
def test_empty_required_cells_are_rejected(personas, tmp_path):
    rows = [head_row(姓名=""), member_row(与户主关系=""), member_row(户编号="")]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [
        (2, "姓名", "required"),
        (3, "与户主关系", "required"),
        (4, "户编号", "required"),
    ]


@pytest.mark.django_db
def test_bad_household_cells_on_the_head_row_are_rejected(personas, tmp_path):
    rows = [
        head_row(联系电话="12345", 脱贫年度="2014", 建档立卡年度="2016"),
        head_row("0102", 村民组="009", **{"承包地面积（亩）": "-1"}),
    ]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [
        (2, "联系电话", "phone_format"),
        (3, "村民组", "unknown_group"),
        (3, "承包地面积（亩）", "number_range"),
    ]


@pytest.mark.django_db
def test_household_cells_on_member_rows_must_be_empty_or_equal_to_the_heads(personas, tmp_path):
    same = [head_row(), member_row(联系电话="13812345678", **{"承包地面积（亩）": "3.50"})]
    assert (
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", same)).persons_created == 2
    )
    differs = [member_row(**{"承包地面积（亩）": "4"}), head_row("0102"), member_row("0102", 住址="别处")]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "b.csv", differs))
    assert rejected(excinfo) == [
        (2, "承包地面积（亩）", "household_cell_differs"),
        (4, "住址", "household_cell_differs"),
    ]


@pytest.mark.django_db
def test_two_heads_in_one_household_and_a_change_of_head_are_rejected(personas, tmp_path):
    existing = build_household(number="0005")
    rows = [head_row("0101"), head_row("0101", name="张二"), head_row("0005", name="新户主")]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert rejected(excinfo) == [(3, "与户主关系", "second_head"), (4, "与户主关系", "head_change")]
    assert existing.persons.count() == 1


@pytest.mark.django_db
def test_missing_unknown_and_duplicated_columns_are_rejected_before_any_row(personas, tmp_path):
    headers = [h for h in HEADERS if h != "身份证号码"] + ["宗教", "姓名"]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(
            user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", [head_row()], headers=headers)
        )
    assert rejected(excinfo) == [
        (1, "宗教", "unknown_column"),
        (1, "姓名", "duplicate_column"),
        (1, "身份证号码", "missing_column"),
    ]


@pytest.mark.django_db
def test_errors_are_all_counted_but_only_the_first_thousand_listed(personas, tmp_path):
    rows = [member_row("0101", 身份证号码="520502199609300000") for _ in range(1200)]
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", rows))
    assert excinfo.value.details["error_count"] == 1200
    assert len(excinfo.value.details["errors"]) == 1000
    assert excinfo.value.details["errors"][0]["row"] == 2
