"""Coverage figures kept per region (issue 3, point 6): a worked example, and kept figures equal a rebuild."""

from __future__ import annotations

import datetime as dt

import pytest

from tongzhou.coops.models import EntryType, Member, MemberKind, MemberStatus, ShareEntry
from tongzhou.coops.testing import build_cooperative, build_member, build_share_class
from tongzhou.core.testing import (
    COUNTY,
    OTHER_TOWNSHIP,
    TOWNSHIP,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    build_household,
)
from tongzhou.rollups.coverage import FIGURE_FIELDS, coop_figures_rebuild, coop_figures_refresh
from tongzhou.rollups.models import RegionCoopFigures

pytestmark = pytest.mark.django_db


def entry(member, share_class, units, entry_type=EntryType.SUBSCRIPTION):
    return ShareEntry.objects.create(
        cooperative=member.cooperative,
        member=member,
        share_class=share_class,
        entry_type=entry_type,
        on=dt.date(2017, 4, 1),
        units_centi=units * 100,
        amount_fen=units * share_class.unit_value_fen,
        reason="入股",
        village_code=member.village_code,
        county_code=member.county_code,
    )


def as_member(cooperative, member_cooperative):
    return Member.objects.create(
        cooperative=cooperative,
        kind=MemberKind.COOPERATIVE,
        member_cooperative=member_cooperative,
        display_name=member_cooperative.name,
        is_farmer=False,
        county_code=cooperative.county_code,
        status=MemberStatus.ACTIVE,
        applied_on=dt.date(2019, 10, 1),
        joined_on=dt.date(2019, 10, 1),
    )


@pytest.fixture
def bijie(personas):
    """Baima (village A): 3 live members, 2 of them registered-poor, 1 cadre, 1 woman; an applicant and a leaver
    who do not count; capital 1,000 + 500 − 200 = 1,300 yuan and 3,000 yuan of fiscal poverty shares. The village
    collective organisation is not counted as a cooperative. Longjing (village B): 1 member, 200 yuan. A township
    union of both villages' cooperatives. Qingshan (village C, another township): no cooperative."""
    baima = build_cooperative()
    collective = build_cooperative(name="白马村股份经济合作社", legal_form="collective_organisation")
    wang = build_member(
        baima, build_household(number="0001", poverty_registered_year=2015), is_village_cadre=True
    )
    li = build_member(baima, build_household(number="0002", head_name="李秀英", poverty_registered_year=2016))
    Member.objects.filter(pk=li.pk).update(is_woman=True)
    build_member(baima, build_household(number="0003", head_name="赵明"))
    build_member(baima, build_household(number="0004", head_name="钱进"), status=MemberStatus.APPLIED)
    build_member(baima, build_household(number="0005", head_name="孙立"), status=MemberStatus.EXITED)
    as_member(baima, collective)
    build_member(collective, build_household(number="0006", head_name="周全"))
    cash = build_share_class(baima)  # 100 yuan a share
    poverty = build_share_class(baima, kind="fiscal_poverty", unit_value_fen=1000_00)
    entry(wang, cash, 10)
    entry(li, cash, 5)
    entry(wang, poverty, 3)
    entry(li, cash, -2, EntryType.REDEMPTION)
    longjing = build_cooperative(name="龙井村茶叶合作社", region_code=VILLAGE_B, industry="tea")
    entry(
        build_member(longjing, build_household(village_code=VILLAGE_B, number="0001")),
        build_share_class(longjing),
        2,
    )
    union = build_cooperative(name="同舟镇联合社", region_code=TOWNSHIP, level="township")
    as_member(union, baima)
    as_member(union, longjing)
    build_household(village_code=VILLAGE_C, number="0001")


def figures(code: str) -> dict[str, int]:
    row = RegionCoopFigures.objects.filter(region_code=code).values(*FIGURE_FIELDS).first()
    return row or dict.fromkeys(FIGURE_FIELDS, 0)


def kept() -> dict[str, dict[str, int]]:
    return {
        row.pop("region_code"): row
        for row in RegionCoopFigures.objects.values("region_code", *FIGURE_FIELDS)
        if any(row[f] for f in FIGURE_FIELDS)
    }


BAIMA = {
    "villages_with_cooperative": 1,
    "cooperatives": 1,
    "members": 4,  # wang, li, zhao and the village collective organisation
    "household_members": 3,
    "registered_poor_households": 2,
    "registered_poor_members": 2,
    "cadre_members": 1,
    "women_members": 1,
    "share_capital_fen": 1300_00,
    "subsidy_shares_fen": 3000_00,
}
LONGJING = BAIMA | {
    "members": 1,
    "household_members": 1,
    "registered_poor_households": 0,
    "registered_poor_members": 0,
    "cadre_members": 0,
    "women_members": 0,
    "share_capital_fen": 200_00,
    "subsidy_shares_fen": 0,
}


def test_the_worked_example_gives_the_figures_of_villages_and_their_ancestors(bijie):
    coop_figures_refresh(village_codes=[VILLAGE_A, VILLAGE_B, VILLAGE_C, TOWNSHIP])
    assert figures(VILLAGE_A) == BAIMA
    assert figures(VILLAGE_B) == LONGJING
    assert figures(VILLAGE_C) == dict.fromkeys(FIGURE_FIELDS, 0)
    township = {
        "villages_with_cooperative": 2,
        "cooperatives": 3,  # Baima, Longjing and the union
        "members": 4 + 1 + 2,  # the union's members are the two village cooperatives
        "household_members": 4,
        "registered_poor_households": 2,
        "registered_poor_members": 2,
        "cadre_members": 1,
        "women_members": 1,
        "share_capital_fen": 1500_00,
        "subsidy_shares_fen": 3000_00,
    }
    assert figures(TOWNSHIP) == township
    assert figures(OTHER_TOWNSHIP) == dict.fromkeys(FIGURE_FIELDS, 0)
    assert figures(COUNTY) == township == figures("5205") == figures("52")


def test_kept_figures_equal_a_rebuild_from_the_source_tables(bijie):
    coop_figures_refresh(village_codes=[VILLAGE_A])
    coop_figures_refresh(village_codes=[VILLAGE_B, TOWNSHIP])
    before = kept()
    coop_figures_rebuild()
    assert kept() == before
    assert figures(VILLAGE_C) == dict.fromkeys(FIGURE_FIELDS, 0)
    assert RegionCoopFigures.objects.filter(region_code=VILLAGE_C).exists()  # the rebuild keeps every village


def test_a_refresh_after_a_change_follows_it_up_to_the_province(bijie):
    coop_figures_refresh(village_codes=[VILLAGE_A, VILLAGE_B, TOWNSHIP])
    Member.objects.filter(display_name="赵明").update(status=MemberStatus.EXITED)
    coop_figures_refresh(village_codes=[VILLAGE_A])
    assert figures(VILLAGE_A)["members"] == 3
    assert figures(TOWNSHIP)["members"] == figures("52")["members"] == 6
    before = kept()
    coop_figures_rebuild()
    assert kept() == before
