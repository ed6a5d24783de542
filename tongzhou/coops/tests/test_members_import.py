"""The member import: every row checked first, the membership services admit each row, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import pathlib

import pytest
from openpyxl import Workbook, load_workbook

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.members_import import members_import
from tongzhou.coops.models import Member, MemberStatus
from tongzhou.coops.testing import build_cooperative, build_member
from tongzhou.core.errors import ImportRejected, ScopeDenied
from tongzhou.core.testing import VILLAGE_B, build_household, fresh
from tongzhou.households.register_import import write_error_report

pytestmark = pytest.mark.django_db

HEADERS = ["身份证号码", "申请日期", "入社日期", "是否村两委干部", "备注"]


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


def id_of(household, relation="head") -> str:
    return household.persons.filter(relation=relation).first().id_number


@pytest.fixture
def baima(personas):
    """白马村's cooperative (founded 2017-04-01) and three households of the village, one in 龙井村."""
    cooperative = build_cooperative()
    wang = build_household(number="0001", head_name="王大山", members=1)
    li = build_household(number="0002", head_name="李秀英")
    zhang = build_household(number="0003", head_name="张国富")
    longjing = build_household(village_code=VILLAGE_B, number="0001", head_name="赵长青")
    return cooperative, wang, li, zhang, longjing


def good_rows(baima) -> list[list]:
    _, wang, li, *_ = baima
    return [
        # the membership is held by a child of the household, not the head
        [id_of(wang, "child"), "2024-03-01", "2024-03-15", "是", "村委委员"],
        [id_of(li), "2024-03-02", "", "否", ""],
    ]


def rejected(**kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as excinfo:
        members_import(**kwargs)
    return excinfo.value


def errors_by_row(exc: ImportRejected) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for e in exc.details["errors"]:
        found.setdefault(e["row"], []).append((e["column"], e["code"]))
    return found


def test_a_good_file_admits_the_dated_applicants_and_records_the_others(personas, baima, tmp_path):
    cooperative, wang, li, *_ = baima
    result = members_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "成员.csv", good_rows(baima)),
    )
    assert (result.rows, result.admitted, result.applied) == (2, 1, 1)
    admitted = Member.objects.get(household=wang)
    assert admitted.status == MemberStatus.ACTIVE
    assert admitted.joined_on == dt.date(2024, 3, 15) and admitted.applied_on == dt.date(2024, 3, 1)
    assert admitted.person.relation == "child" and admitted.is_village_cadre and admitted.notes == "村委委员"
    assert admitted.approved_by == personas.cadre_a
    applicant = Member.objects.get(household=li)
    assert (applicant.status, applicant.joined_on, applicant.is_village_cadre) == ("applied", None, False)
    assert AuditEvent.objects.filter(action="member.import").count() == 1
    assert AuditEvent.objects.filter(action="member.apply").count() == 2


def test_an_xlsx_with_date_cells_and_english_keys_is_imported(personas, baima, tmp_path):
    cooperative, wang, *_ = baima
    path = write_xlsx(
        tmp_path / "members.xlsx",
        [[id_of(wang), dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 15), None, None]],
        headers=["id_number", "applied_on", "joined_on", "is_village_cadre", "notes"],
    )
    result = members_import(user=personas.township, cooperative=cooperative, path=path)
    assert result.admitted == 1
    assert Member.objects.get(household=wang).joined_on == dt.date(2024, 3, 15)


def test_a_dry_run_counts_and_writes_nothing(personas, baima, tmp_path):
    cooperative = baima[0]
    result = members_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "a.csv", good_rows(baima)),
        dry_run=True,
    )
    assert result.dry_run and result.admitted == 1 and "dry run" in result.summary()
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()


def test_every_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(
    personas, baima, tmp_path
):
    cooperative, wang, li, zhang, longjing = baima
    bad_check = id_of(zhang)[:17] + ("0" if id_of(zhang)[17] != "0" else "1")
    rows = [
        [id_of(wang), "2024-03-01", "2024-03-15", "是", ""],  # row 2: good
        [bad_check, "2024-03-01", "", "", ""],  # row 3: wrong check character
        [id_of(longjing), "2024-03-01", "", "", ""],  # row 4: a household of 龙井村, not this village
        [id_of(li), "2024-13-01", "", "也许", ""],  # row 5: no such date, not yes or no
        [id_of(zhang), "2024-03-10", "2024-03-01", "", ""],  # row 6: admitted before applying
        [id_of(wang, "child"), "2024-03-01", "", "", ""],  # row 7: the same household as row 2
        ["", "2024-03-01", "", "", "x" * 201],  # row 8: no ID, notes too long
    ]
    exc = rejected(user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows))
    found = errors_by_row(exc)
    assert 2 not in found
    assert found[3] == [("身份证号码", "id_check_digit")]
    assert found[4] == [("身份证号码", "not_in_register")]
    assert found[5] == [("申请日期", "date_format"), ("是否村两委干部", "boolean")]
    assert found[6] == [("入社日期", "joined_before_applied")]
    assert found[7] == [("身份证号码", "duplicate_household_in_file")]
    assert found[8] == [("身份证号码", "required"), ("备注", "too_long")]
    assert exc.details["error_count"] == 8 and "未写入任何数据" in exc.message_zh
    assert not Member.objects.exists()
    report = tmp_path / "errors.xlsx"
    write_error_report(exc.details["errors"], report, "xlsx")
    lines = list(load_workbook(report).active.iter_rows(values_only=True))
    assert lines[1][:3] == (3, "身份证号码", bad_check)


def test_a_household_already_a_member_is_refused_naming_its_row(personas, baima, tmp_path):
    cooperative, wang, li, *_ = baima
    build_member(cooperative, li)
    exc = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", good_rows(baima))
    )
    assert errors_by_row(exc) == {3: [("身份证号码", "duplicate_membership")]}
    assert "李秀英" in exc.details["errors"][0]["reason_zh"]
    assert Member.objects.count() == 1


def test_reimporting_the_same_file_is_refused_and_changes_nothing(personas, baima, tmp_path):
    cooperative = baima[0]
    path = write_csv(tmp_path / "a.csv", good_rows(baima))
    members_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    exc = rejected(user=personas.cadre_a, cooperative=cooperative, path=path)
    assert {e["code"] for e in exc.details["errors"]} == {"duplicate_membership"}
    assert Member.objects.count() == 2


def test_a_service_refusal_on_a_late_row_rolls_back_the_rows_before_it(personas, baima, tmp_path):
    cooperative, wang, li, *_ = baima
    rows = [
        [id_of(wang), "2024-03-01", "2024-03-15", "", ""],
        [id_of(li), "2016-01-01", "", "", ""],  # before the cooperative was founded: the service refuses
    ]
    exc = rejected(user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows))
    assert errors_by_row(exc) == {3: [("申请日期", "before_founding")]}
    assert not Member.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()


def test_a_missing_column_and_an_unknown_column_reject_the_header(personas, baima, tmp_path):
    path = write_csv(tmp_path / "a.csv", [["x", "y"]], headers=["身份证号码", "颜色"])
    exc = rejected(user=personas.cadre_a, cooperative=baima[0], path=path)
    assert {(e["row"], e["code"]) for e in exc.details["errors"]} == {
        (1, "unknown_column"),
        (1, "missing_column"),
    }


@pytest.mark.parametrize("username", ["cadre_b", "auditor", "outsider"])
def test_a_user_who_may_not_write_the_village_is_refused(personas, baima, tmp_path, username):
    user = fresh(getattr(personas, username))
    with pytest.raises(ScopeDenied):
        members_import(user=user, cooperative=baima[0], path=write_csv(tmp_path / "a.csv", good_rows(baima)))
    assert not Member.objects.exists()
