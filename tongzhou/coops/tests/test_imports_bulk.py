"""The member and share imports write in bulk: the same members, ledger entries and coverage figures as the
services entering the same rows one by one, in a number of queries that does not grow with the file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from tongzhou.coops.members_import import members_import
from tongzhou.coops.models import Member, ShareClassKind, ShareEntry
from tongzhou.coops.services.membership import member_apply, member_approve
from tongzhou.coops.services.shares import share_subscribe
from tongzhou.coops.shares_import import shares_import
from tongzhou.coops.testing import build_cooperative, build_member, build_share_class, credit_code
from tongzhou.coops.tests.test_members_import import UNIT_HEADERS, id_of, write_csv
from tongzhou.core.testing import VILLAGE_A, build_household, fresh
from tongzhou.ledger.services import book_open
from tongzhou.rollups.coverage import FIGURE_FIELDS, coop_figures_refresh
from tongzhou.rollups.models import RegionCoopFigures

pytestmark = pytest.mark.django_db

SHARE_HEADERS = ["身份证号码", "统一社会信用代码", "股份类别", "数量", "日期", "事由"]


def state() -> dict:
    """What an import changes, without row ids and timestamps: members, share entries, coverage figures."""

    def rows(queryset, drop: set[str]) -> list[tuple]:
        return sorted(
            tuple(sorted((k, str(v)) for k, v in model_to_dict(obj).items() if k not in drop))
            for obj in queryset
        )

    return {
        "members": rows(Member.objects.all(), {"id"}),
        "entries": rows(ShareEntry.objects.all(), {"id"}),
        "figures": list(
            RegionCoopFigures.objects.order_by("region_code").values_list("region_code", *FIGURE_FIELDS)
        ),
    }


def through_services(enter) -> dict:
    """The state after `enter()` writes the rows through the services, then rolled back."""
    with transaction.atomic():
        enter()
        after = state()
        transaction.set_rollback(True)
    return after


@pytest.fixture
def baima(personas):
    """白马村's cooperative with four farmer members, cash and land shares, and five households not yet members."""
    cooperative = build_cooperative()
    cash = build_share_class(cooperative, kind=ShareClassKind.CASH, unit_value_fen=100_00)
    land = build_share_class(cooperative, kind=ShareClassKind.LAND, unit_value_fen=1200_00)
    members = [build_member(cooperative, build_household(number=f"{i:04d}", members=1)) for i in range(1, 5)]
    households = [
        build_household(number=f"{i:04d}", head_name=name, members=1)
        for i, name in enumerate(["李秀英", "张国富", "赵长青", "陈桂兰", "刘德明"], start=11)
    ]
    return cooperative, cash, land, members, households


def test_a_members_file_leaves_the_same_state_as_the_services_row_by_row(personas, baima, tmp_path):
    cooperative, _, _, _, households = baima
    code = credit_code("91520502")
    # (household or None, applied, joined, cadre, notes)
    entries = [
        (households[0], "2024-03-01", "2024-03-15", True, "村委委员"),
        (households[1], "2024-03-02", "", False, ""),
        (None, "2024-03-03", "2024-03-20", False, "提供技术"),  # an organisation: 1 of 7 members
        (households[2], "2024-03-04", "2024-03-20", False, ""),
        (households[3], "2024-03-05", "", False, "待审"),
    ]
    rows = [
        ["", id_of(h, "child") if i == 0 else id_of(h), "", "", a, j, "是" if c else "否", n]
        if h is not None
        else ["单位", "", "绿源农业科技有限公司", code, a, j, "", n]
        for i, (h, a, j, c, n) in enumerate(entries)
    ]

    def enter():
        for i, (h, a, j, c, n) in enumerate(entries):
            party = (
                {"household": h, "person": h.persons.get(relation="child" if i == 0 else "head")}
                if h is not None
                else {"organisation_name": "绿源农业科技有限公司", "organisation_credit_code": code}
            )
            member = member_apply(
                user=personas.cadre_a,
                cooperative=cooperative,
                applied_on=a,
                is_village_cadre=c,
                notes=n,
                **party,
            )
            if j:
                member_approve(user=personas.cadre_a, member=member, joined_on=j)

    before = state()
    expected = through_services(enter)
    assert state() == before and expected != before
    members_import(
        user=personas.cadre_a, cooperative=cooperative, path=write_csv(tmp_path / "a.csv", rows, UNIT_HEADERS)
    )
    assert state() == expected


def test_a_shares_file_leaves_the_same_state_as_the_services_row_by_row(personas, baima, tmp_path):
    cooperative, cash, land, members, _ = baima
    code = credit_code("91520502")
    organisation = Member.objects.create(
        cooperative=cooperative,
        kind="organisation",
        organisation_name="绿源农业科技有限公司",
        organisation_credit_code=code,
        display_name="绿源农业科技有限公司",
        is_farmer=False,
        county_code=cooperative.county_code,
        status="active",
        applied_on=dt.date(2020, 1, 1),
        joined_on=dt.date(2020, 1, 1),
    )
    # (member, class, units, date, reason); 1.25 mu × ¥1,200.00 = ¥1,500.00, 0.33 × ¥100.00 = ¥33.00
    entries = [
        (members[0], cash, "10", "2024-03-20", "首次认购"),
        (members[0], land, "1.25", "2024-03-20", "土地入股"),
        (members[1], cash, "0.33", "2024-04-01", "认购"),
        (organisation, cash, "50", "2024-05-01", "单位入股"),
        (members[3], land, "2", "2024-05-01", "土地入股"),
    ]
    rows = [
        [
            id_of(m.household) if m.household_id else "",
            "" if m.household_id else code,
            str(c.get_kind_display()),
            u,
            d,
            r,
        ]
        for m, c, u, d, r in entries
    ]

    def enter():
        for m, c, u, d, r in entries:
            share_subscribe(
                user=personas.cadre_a,
                member=m,
                share_class=c,
                units=Decimal(u),
                on=dt.date.fromisoformat(d),
                reason=r,
            )

    before = state()
    expected = through_services(enter)
    assert state() == before and expected != before
    result = shares_import(
        user=personas.cadre_a,
        cooperative=cooperative,
        path=write_csv(tmp_path / "a.csv", rows, SHARE_HEADERS),
    )
    assert result.amount_fen == 1000_00 + 1500_00 + 33_00 + 5000_00 + 2400_00
    assert state() == expected


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_the_member_import_makes_as_many_queries_for_30_rows_as_for_3(personas, tmp_path):
    households = [build_household(number=f"{i:04d}") for i in range(1, 34)]

    def file(name: str, chosen: list):
        rows = [["", id_of(h), "", "", "2024-03-01", "2024-03-15", "", ""] for h in chosen]
        return build_cooperative(name=name), write_csv(tmp_path / f"{name}.csv", rows, UNIT_HEADERS)

    def run(cooperative, path) -> None:
        members_import(user=fresh(personas.cadre_a), cooperative=cooperative, path=path)

    small_file, large_file = file("甲社", households[:3]), file("乙社", households[3:])
    coop_figures_refresh(village_codes=[VILLAGE_A])  # both runs then update the figures rather than insert
    small = queries(lambda: run(*small_file))
    large = queries(lambda: run(*large_file))
    assert Member.objects.filter(status="active").count() == 33
    assert large == small


def test_the_share_import_makes_as_many_queries_for_30_rows_as_for_3(personas, baima, tmp_path):
    cooperative = baima[0]
    members = [build_member(cooperative, build_household(number=f"{i:04d}")) for i in range(100, 133)]

    def file(name: str, chosen: list):
        rows = [[id_of(m.household), "", "现金股", "1", "2024-03-20", "认购"] for m in chosen]
        return write_csv(tmp_path / f"{name}.csv", rows, SHARE_HEADERS)

    def run(path) -> None:
        shares_import(user=fresh(personas.cadre_a), cooperative=cooperative, path=path)

    small_file, large_file = file("a", members[:3]), file("b", members[3:])
    coop_figures_refresh(village_codes=[VILLAGE_A])  # both runs then update the figures rather than insert
    # Both runs post their vouchers into books already open (the first voucher would open them).
    book_open(user=fresh(personas.cadre_a), cooperative=cooperative, start_year=2024)
    small = queries(lambda: run(small_file))
    large = queries(lambda: run(large_file))
    assert ShareEntry.objects.count() == 33
    assert large == small
