"""The member import: every row checked first, the membership services admit each row, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import pathlib

import pytest
from openpyxl import Workbook, load_workbook

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.members_import import members_import
from tongzhou.coops.models import Member, MemberKind, MemberStatus
from tongzhou.coops.testing import build_cooperative, build_member, credit_code
from tongzhou.core.errors import ImportRejected, ScopeDenied
from tongzhou.core.testing import TOWNSHIP, VILLAGE_A, VILLAGE_B, VILLAGE_C, build_household, fresh
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
    # One audit event for the whole file, with its counts; no event per row.
    event = AuditEvent.objects.get(action="member.import")
    assert (event.details["rows"], event.details["admitted"], event.details["applied"]) == (2, 1, 1)
    assert event.details["by_kind"] == {"household": 2}
    assert not AuditEvent.objects.filter(action__in=["member.apply", "member.approve"]).exists()


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


# -- organisations and cooperatives as members ------------------------------------------------------------------

UNIT_HEADERS = [
    "成员类型",
    "身份证号码",
    "单位名称",
    "统一社会信用代码",
    "申请日期",
    "入社日期",
    "是否村两委干部",
    "备注",
]


def farmers(cooperative, n: int, start: int = 100) -> list:
    """`n` households of 白马村 admitted as farmer members of `cooperative` since 2017-04-01."""
    return [build_member(cooperative, build_household(number=f"{start + i:04d}")) for i in range(n)]


def test_an_organisation_is_imported_by_its_name_and_credit_code(personas, baima, tmp_path):
    cooperative = baima[0]
    farmers(cooperative, 4)
    code = credit_code("91520502")
    rows = [
        ["", "", "七星关区绿源农业科技有限公司", code.lower(), "2024-03-01", "2024-03-15", "", "提供技术"]
    ]
    result = members_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "单位.csv", rows, UNIT_HEADERS),
    )
    assert (result.admitted, result.applied) == (1, 0)
    member = Member.objects.get(kind=MemberKind.ORGANISATION)
    assert (member.organisation_name, member.organisation_credit_code) == (
        "七星关区绿源农业科技有限公司",
        code,
    )
    assert (member.display_name, member.is_farmer, member.status) == (
        "七星关区绿源农业科技有限公司",
        False,
        "active",
    )
    assert (member.village_code, member.county_code, member.household_id) == (
        "",
        cooperative.county_code,
        None,
    )
    assert AuditEvent.objects.get(action="member.import").details["by_kind"] == {"organisation": 1}


def test_art_20_farmers_must_stay_80_percent_so_the_organisation_waits_for_the_farmers(personas, tmp_path):
    """Art. 20: farmers ≥ 80 % of all members. A new cooperative admitting an organisation first would have
    0 farmers of 1; after four households it has 4 of 5 = 80 %: the same rows in another order pass."""
    cooperative = build_cooperative()
    households = [build_household(number=f"{i:04d}") for i in range(1, 5)]
    code = credit_code("91520502")
    organisation = ["单位", "", "绿源农业科技有限公司", code, "2024-03-01", "2024-03-15", "", ""]
    household_rows = [["", id_of(h), "", "", "2024-03-01", "2024-03-15", "", ""] for h in households]
    exc = rejected(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "a.csv", [organisation, *household_rows], UNIT_HEADERS),
    )
    assert errors_by_row(exc) == {2: [("统一社会信用代码", "farmers_share")]}
    assert "百分之八十" in exc.details["errors"][0]["reason_zh"]
    assert not Member.objects.exists()
    result = members_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "b.csv", [*household_rows, organisation], UNIT_HEADERS),
    )
    assert result.admitted == 5
    assert Member.objects.filter(status="active", is_farmer=True).count() == 4


def test_art_20_allows_one_organisation_up_to_20_members(personas, baima, tmp_path):
    cooperative = baima[0]
    farmers(cooperative, 8)
    rows = [
        ["单位", "", f"公司{i}", credit_code("91520502"), "2024-03-01", "2024-03-15", "", ""] for i in (1, 2)
    ]
    exc = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows, UNIT_HEADERS)
    )
    # 8 farmers + 1 organisation = 9 members: one organisation; the second would make 2 of 10.
    assert errors_by_row(exc) == {3: [("统一社会信用代码", "organisation_limit")]}
    assert "至多1个单位成员" in exc.details["errors"][0]["reason_zh"]


def test_art_20_allows_organisations_up_to_5_percent_above_20_members(personas, baima, tmp_path):
    """Above 20 members organisations may be ⌊5 % of all⌋: with 38 farmers, a first organisation makes 1 of 39
    (limit 1), a second 2 of 40 (limit 2), a third 3 of 41 (limit 2) is refused. An application without a join
    date is checked too but changes nothing until it is approved."""
    cooperative = baima[0]
    farmers(cooperative, 38)
    codes = [credit_code("91520502") for _ in range(4)]
    rows = [
        ["单位", "", "甲公司", codes[0], "2024-03-01", "2024-03-15", "", ""],
        ["单位", "", "乙公司", codes[1], "2024-03-01", "", "", ""],  # applies only: still 1 of 39
        ["单位", "", "丙公司", codes[2], "2024-03-01", "2024-03-15", "", ""],  # 2 of 40
        ["单位", "", "丁公司", codes[3], "2024-03-01", "2024-03-15", "", ""],  # 3 of 41: refused
    ]
    exc = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows, UNIT_HEADERS)
    )
    assert errors_by_row(exc) == {5: [("统一社会信用代码", "organisation_limit")]}
    assert "共41名成员，至多2个单位成员" in exc.details["errors"][0]["reason_zh"]
    result = members_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "b.csv", rows[:3], UNIT_HEADERS),
    )
    assert (result.admitted, result.applied) == (2, 1)


def test_bad_organisation_rows_are_reported_with_row_column_and_reason(personas, baima, tmp_path):
    cooperative, wang, li, *_ = baima
    good = credit_code("91520502")
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    member, other = credit_code("91520502"), credit_code("91520502")
    Member.objects.create(
        cooperative=cooperative,
        kind=MemberKind.ORGANISATION,
        organisation_name="老会员公司",
        organisation_credit_code=member,
        display_name="老会员公司",
        is_farmer=False,
        county_code=cooperative.county_code,
        status=MemberStatus.APPLIED,  # live, but not yet counted by Art. 20
        applied_on=dt.date(2018, 1, 1),
    )
    farmers(cooperative, 4)
    rows = [
        ["单位", "", "甲公司", bad_check, "2024-03-01", "", "", ""],  # row 2: wrong check character
        ["单位", "", "", good, "2024-03-01", "", "", ""],  # row 3: no name
        ["单位", "", "乙公司", other, "2024-03-01", "", "是", ""],  # row 4: a cadre flag on an organisation
        ["单位", "", "丙公司", member, "2024-03-01", "", "", ""],  # row 5: already a member
        ["", id_of(wang), "", good, "2024-03-01", "", "", ""],  # row 6: a household with a credit code
        ["单位", id_of(li), "丁公司", good, "2024-03-01", "", "", ""],  # row 7: an organisation with an ID
        ["合作社", "", "", credit_code("93520502"), "2024-03-01", "", "", ""],  # row 8: no such cooperative
        ["工会", "", "戊公司", good, "2024-03-01", "", "", ""],  # row 9: no such kind
        ["", "", "", "", "2024-03-01", "", "", ""],  # row 10: nobody named
        ["单位", "", "己公司", good, "2024-03-01", "", "", ""],  # row 11: good
        ["单位", "", "庚公司", good.lower(), "2024-03-01", "", "", ""],  # row 12: the same code as row 11
    ]
    exc = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows, UNIT_HEADERS)
    )
    found = errors_by_row(exc)
    assert found == {
        2: [("统一社会信用代码", "uscc_check_char")],
        3: [("单位名称", "required")],
        4: [("是否村两委干部", "cadre_kind")],
        5: [("统一社会信用代码", "duplicate_membership")],
        6: [("统一社会信用代码", "one_applicant")],
        7: [("身份证号码", "one_applicant")],
        8: [("统一社会信用代码", "not_a_cooperative")],
        9: [("成员类型", "choice")],
        10: [("身份证号码", "required")],
        12: [("统一社会信用代码", "duplicate_in_file")],
    }
    reasons = {e["row"]: e for e in exc.details["errors"]}
    assert "老会员公司" in reasons[5]["reason_zh"] and "老会员公司" in reasons[5]["reason_en"]
    assert "第11行" in reasons[12]["reason_zh"] and "row 11" in reasons[12]["reason_en"]
    assert Member.objects.count() == 5


@pytest.fixture
def union(personas):
    """The township union of 白马村's township; 白马村's cooperative and collective, 龙井村's cooperative, and a
    village cooperative of another township."""
    union = build_cooperative(region_code=TOWNSHIP, name="镇联合社", level="township")
    baima = build_cooperative(name="白马村蚕桑专业合作社")
    collective = build_cooperative(name="白马村股份经济合作社", legal_form="collective_organisation")
    longjing = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社")
    outside = build_cooperative(region_code=VILLAGE_C, name="外乡合作社")
    return union, baima, collective, longjing, outside


def test_a_township_union_takes_its_village_cooperatives_and_collectives(personas, union, tmp_path):
    township, baima, collective, longjing, _ = union
    rows = [
        ["", "", "", baima.credit_code, "2024-03-01", "2024-03-15", "", ""],
        ["村集体经济组织", "", collective.name, collective.credit_code, "2024-03-01", "2024-03-15", "", ""],
        ["合作社", "", longjing.name, longjing.credit_code, "2024-03-01", "", "", ""],
    ]
    result = members_import(
        user=personas.township, cooperative=township, path=write_csv(tmp_path / "a.csv", rows, UNIT_HEADERS)
    )
    assert (result.admitted, result.applied) == (2, 1)
    kinds = {m.member_cooperative_id: (m.kind, m.village_code, m.status) for m in township.members.all()}
    assert kinds == {
        baima.pk: ("cooperative", VILLAGE_A, "active"),
        collective.pk: ("collective", VILLAGE_A, "active"),
        longjing.pk: ("cooperative", VILLAGE_B, "applied"),
    }


def test_a_township_union_refuses_households_organisations_and_cooperatives_elsewhere(
    personas, union, tmp_path
):
    township, baima, collective, _, outside = union
    household = build_household(number="0001")
    rows = [
        ["", id_of(household), "", "", "2024-03-01", "", "", ""],  # row 2: a household
        ["单位", "", "绿源公司", credit_code("91520502"), "2024-03-01", "", "", ""],  # row 3: an organisation
        ["", "", "", outside.credit_code, "2024-03-01", "", "", ""],  # row 4: another township's
        [
            "",
            "",
            "白马村合作社",
            baima.credit_code,
            "2024-03-01",
            "",
            "",
            "",
        ],  # row 5: the name is not its name
        [
            "合作社",
            "",
            "",
            collective.credit_code,
            "2024-03-01",
            "",
            "",
            "",
        ],  # row 6: a collective, not a coop
        ["", "", "", township.credit_code, "2024-03-01", "", "", ""],  # row 7: itself
    ]
    exc = rejected(
        user=personas.township, cooperative=township, path=write_csv(tmp_path / "a.csv", rows, UNIT_HEADERS)
    )
    assert errors_by_row(exc) == {
        2: [("身份证号码", "township_takes_cooperatives")],
        3: [("单位名称", "township_takes_cooperatives")],
        4: [("统一社会信用代码", "member_outside_region")],
        5: [("单位名称", "name_mismatch")],
        6: [("成员类型", "kind_mismatch")],
        7: [("统一社会信用代码", "self_member")],
    }
    assert not township.members.exists()
