"""The share import: every row checked first, share_subscribe records each row, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import Member, MemberKind, MemberStatus, ShareClassKind, ShareEntry
from tongzhou.coops.shares_import import shares_import
from tongzhou.coops.testing import build_cooperative, build_member, build_share_class, credit_code
from tongzhou.coops.tests.test_members_import import id_of, write_csv, write_xlsx
from tongzhou.core.errors import ImportRejected, ScopeDenied
from tongzhou.core.testing import build_household, fresh
from tongzhou.rollups.models import RegionCoopFigures

pytestmark = pytest.mark.django_db

HEADERS = ["身份证号码", "股份类别", "数量", "日期", "事由"]


@pytest.fixture
def baima(personas):
    """白马村's cooperative with cash shares at ¥100.00 and land shares at ¥1,200.00 a mu; 王 a member since
    2017-04-01, 李 an applicant, 张 not a member."""
    cooperative = build_cooperative()
    cash = build_share_class(cooperative, kind=ShareClassKind.CASH, unit_value_fen=100_00)
    land = build_share_class(cooperative, kind=ShareClassKind.LAND, unit_value_fen=1200_00)
    wang = build_household(number="0001", head_name="王大山", members=1)
    li = build_household(number="0002", head_name="李秀英")
    zhang = build_household(number="0003", head_name="张国富")
    wang_member = build_member(cooperative, wang)
    build_member(cooperative, li, status=MemberStatus.APPLIED)
    return cooperative, cash, land, wang_member, wang, li, zhang


def good_rows(baima) -> list[list]:
    wang = baima[4]
    return [
        [id_of(wang), "现金股", "10", "2024-03-20", "首次认购"],
        # anyone of the member household names the member; English code for the class
        [id_of(wang, "child"), "land", "2.5", "2024-03-20", "土地入股"],
    ]


def rejected(**kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as excinfo:
        shares_import(**kwargs)
    return excinfo.value


def errors_by_row(exc: ImportRejected) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    for e in exc.details["errors"]:
        found.setdefault(e["row"], []).append((e["column"], e["code"]))
    return found


def test_a_good_file_records_each_subscription_at_units_times_unit_value(personas, baima, tmp_path):
    cooperative, cash, land, wang_member, *_ = baima
    path = write_csv(tmp_path / "股份.csv", good_rows(baima), headers=HEADERS)
    result = shares_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    # 10 × ¥100.00 + 2.5 mu × ¥1,200.00 = ¥1,000.00 + ¥3,000.00 = ¥4,000.00 (Art. 13)
    assert (result.rows, result.subscriptions, result.amount_fen) == (2, 2, 4000_00)
    assert "¥4,000.00" in result.summary()
    entries = {e.share_class_id: e for e in ShareEntry.objects.filter(member=wang_member)}
    assert (entries[cash.pk].units_centi, entries[cash.pk].amount_fen) == (1000, 1000_00)
    assert (entries[land.pk].units_centi, entries[land.pk].amount_fen, entries[land.pk].reason) == (
        250,
        3000_00,
        "土地入股",
    )
    assert {e.entry_type for e in entries.values()} == {"subscription"}
    assert AuditEvent.objects.filter(action="share.import").count() == 1


def test_an_xlsx_with_number_and_date_cells_is_imported(personas, baima, tmp_path):
    cooperative, cash, land, wang_member, wang, *_ = baima
    path = write_xlsx(
        tmp_path / "shares.xlsx",
        [[id_of(wang), "土地经营权股", 1.25, dt.datetime(2024, 5, 1), "土地入股"]],
        headers=["id_number", "share_class", "units", "on", "reason"],
    )
    result = shares_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    # 1.25 mu × ¥1,200.00 = ¥1,500.00
    assert result.amount_fen == 1500_00
    assert ShareEntry.objects.get(member=wang_member).units_centi == 125


def test_a_dry_run_counts_and_writes_nothing(personas, baima, tmp_path):
    path = write_csv(tmp_path / "a.csv", good_rows(baima), headers=HEADERS)
    result = shares_import(user=personas.cadre_a, cooperative=baima[0], path=path, dry_run=True)
    assert result.dry_run and result.amount_fen == 4000_00
    assert not ShareEntry.objects.exists()


def test_every_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(
    personas, baima, tmp_path
):
    wang, zhang = baima[4], baima[6]
    rows = [
        [id_of(wang), "现金股", "10", "2024-03-20", "首次认购"],  # row 2: good
        [id_of(zhang), "现金股", "10", "2024-03-20", "认购"],  # row 3: not a member
        [id_of(wang), "黄金股", "10", "2024-03-20", "认购"],  # row 4: no such kind
        [id_of(wang), "劳务股", "10", "2024-03-20", "认购"],  # row 5: a kind this cooperative has not set up
        [id_of(wang), "现金股", "-1", "2024-02-30", ""],  # row 6: negative units, no such day, no reason
        [id_of(wang), "现金股", "1.234", "2024-03-20", "认购"],  # row 7: three decimals
        [id_of(wang), "现金股", "10", "2024-03-20", "首次认购"],  # row 8: the same as row 2
    ]
    path = write_csv(tmp_path / "a.csv", rows, headers=HEADERS)
    exc = rejected(user=personas.cadre_a, cooperative=baima[0], path=path)
    found = errors_by_row(exc)
    assert 2 not in found
    assert found[3] == [("身份证号码", "not_a_member")]
    assert found[4] == [("股份类别", "choice")]
    assert found[5] == [("股份类别", "no_such_class")]
    assert found[6] == [("数量", "units_not_positive"), ("日期", "date_format"), ("事由", "reason_required")]
    assert found[7] == [("数量", "units_too_precise")]
    assert found[8] == [("整行 row", "duplicate_in_file")]
    assert not ShareEntry.objects.exists()


def test_the_services_refusals_name_their_row_and_roll_back_the_rows_before(personas, baima, tmp_path):
    cooperative, cash, land, wang_member, wang, li, _ = baima
    cooperative.closed_through_year = 2023
    cooperative.save(update_fields=["closed_through_year"])
    rows = [
        [id_of(wang), "现金股", "10", "2024-03-20", "首次认购"],  # row 2: good
        [id_of(li), "现金股", "5", "2024-03-20", "认购"],  # row 3: an applicant, not yet active
        [id_of(wang), "现金股", "5", "2023-12-30", "补记"],  # row 4: in a closed year
    ]
    exc = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows, HEADERS)
    )
    assert errors_by_row(exc) == {3: [("身份证号码", "member_not_active")], 4: [("日期", "year_closed")]}
    assert not ShareEntry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="share.").exists()


def test_reimporting_the_same_file_says_it_was_imported_before_and_changes_nothing(personas, baima, tmp_path):
    path = write_csv(tmp_path / "a.csv", good_rows(baima), headers=HEADERS)
    shares_import(user=personas.cadre_a, cooperative=baima[0], path=path)
    exc = rejected(user=personas.cadre_a, cooperative=baima[0], path=path)
    assert {e["code"] for e in exc.details["errors"]} == {"duplicate_in_database"}
    assert "已经导入过" in exc.message_zh and "imported before" in exc.message_en
    assert ShareEntry.objects.count() == 2


def test_an_exited_members_household_is_not_a_member(personas, baima, tmp_path):
    cooperative, *_, zhang = baima
    build_member(cooperative, zhang, status=MemberStatus.EXITED)
    rows = [[id_of(zhang), "现金股", "1", "2024-03-20", "认购"]]
    exc = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows, HEADERS)
    )
    assert errors_by_row(exc) == {2: [("身份证号码", "not_a_member")]}


@pytest.mark.parametrize("username", ["cadre_b", "auditor", "outsider"])
def test_a_user_who_may_not_write_the_village_is_refused(personas, baima, tmp_path, username):
    path = write_csv(tmp_path / "a.csv", good_rows(baima), headers=HEADERS)
    with pytest.raises(ScopeDenied):
        shares_import(user=fresh(getattr(personas, username)), cooperative=baima[0], path=path)
    assert not ShareEntry.objects.exists()


def test_an_organisation_member_subscribes_by_its_credit_code(personas, baima, tmp_path):
    cooperative, cash, *_ = baima
    code = credit_code("91520502")
    organisation = Member.objects.create(
        cooperative=cooperative,
        kind=MemberKind.ORGANISATION,
        organisation_name="绿源农业科技有限公司",
        organisation_credit_code=code,
        display_name="绿源农业科技有限公司",
        is_farmer=False,
        county_code=cooperative.county_code,
        status=MemberStatus.ACTIVE,
        applied_on=dt.date(2020, 1, 1),
        joined_on=dt.date(2020, 1, 1),
    )
    headers = ["身份证号码", "统一社会信用代码", "股份类别", "数量", "日期", "事由"]
    rows = [
        ["", code.lower(), "现金股", "50", "2024-03-20", "单位入股"],
        ["", code, "现金股", "1", "2019-12-31", "补记"],  # row 3: before it joined
        [id_of(baima[4]), code, "现金股", "1", "2024-03-20", "认购"],  # row 4: two members named
        ["", credit_code("91520502"), "现金股", "1", "2024-03-20", "认购"],  # row 5: not a member
    ]
    exc = rejected(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows, headers)
    )
    assert errors_by_row(exc) == {
        3: [("日期", "before_joining")],
        4: [("统一社会信用代码", "one_member")],
        5: [("统一社会信用代码", "not_a_member")],
    }
    result = shares_import(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "b.csv", rows[:1], headers)
    )
    # 50 × ¥100.00 = ¥5,000.00
    assert result.amount_fen == 5000_00
    entry = ShareEntry.objects.get(member=organisation)
    assert (entry.share_class, entry.units_centi, entry.village_code) == (cash, 5000, "")


def test_one_audit_event_with_the_counts_and_the_coverage_figures_are_kept(personas, baima, tmp_path):
    cooperative = baima[0]
    path = write_csv(tmp_path / "a.csv", good_rows(baima), headers=HEADERS)
    shares_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    event = AuditEvent.objects.get(action="share.import")
    assert (event.details["rows"], event.details["subscriptions"], event.details["units_centi"]) == (
        2,
        2,
        1250,
    )
    assert event.details["amount_fen"] == 4000_00
    assert not AuditEvent.objects.filter(action="share.subscribe").exists()
    figures = RegionCoopFigures.objects.get(region_code=cooperative.region_code)
    assert figures.share_capital_fen == 4000_00
    assert RegionCoopFigures.objects.get(region_code=cooperative.region_code[:9]).share_capital_fen == 4000_00
