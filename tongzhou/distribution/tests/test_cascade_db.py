"""The county's benefit chain read from the database: a small county — a platform company, a township union, two
village cooperatives (households and the village collective as members), a collective with households — computed
by `cascade_compute` equals the pure cascade on the same figures written by hand; the rows it keeps add up; the
county's cascade is the county's to run; a loss somewhere is carried and the chain goes on.

The figures (2025, fen):
- platform 七星关区农业发展投资有限公司 (no books): own surplus ¥100,000 given; its member, the union, sold it goods
  for ¥500,000 and holds ¥1,000,000 of capital;
- union 阳头镇联合社 (books): income 80,000 − costs 30,000 = ¥50,000; members coop A (sales 300,000, capital
  200,000) and coop B (sales 100,000, capital 200,000);
- coop A (books): income 150,000 − costs 50,000 = ¥100,000; Wang (sales 30,000, capital 20,000), Li (sales 10,000,
  capital 60,000), the collective (capital 50,000); 25% of the remainder to the collective;
- coop B (books): income 40,000 − costs 10,000 = ¥30,000 (or 10,000 − 80,000, a loss of ¥70,000); Zhao (sales
  5,000, capital 1,000);
- collective A (books): income 70,000 − costs 20,000 = ¥50,000; income-right shares Wang 3, Li 1, Sun 2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tongzhou.coops.domain.bylaws import BylawsTerms
from tongzhou.coops.models import Cooperative, Member, MemberKind, ShareClassKind
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.core.errors import InvalidInput, ScopeDenied
from tongzhou.core.testing import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B, build_household
from tongzhou.distribution import domain
from tongzhou.distribution.models import CascadeBodyLine, CascadeHouseholdLine, CascadeRun
from tongzhou.distribution.selectors_cascade import (
    cascade_bodies,
    cascade_household_totals,
    cascade_households,
    cascade_latest,
    cascade_page,
)
from tongzhou.distribution.services import cascade_compute
from tongzhou.distribution.services.cascade import member_key
from tongzhou.ledger.models import Book
from tongzhou.ledger.services import book_open, charts_load_shipped
from tongzhou.ledger.testing import post_voucher

from .runs_builders import YEAR, sale, subscribe

pytestmark = pytest.mark.django_db

COOP_SPLIT = {"members": 6000, "collective": 2500, "management": 1500}


def body_member(parent: Cooperative, child: Cooperative, kind: str = MemberKind.COOPERATIVE) -> Member:
    return Member.objects.create(
        cooperative=parent,
        kind=kind,
        member_cooperative=child,
        display_name=child.name,
        is_farmer=False,
        village_code=child.region_code if len(child.region_code) == 12 else "",
        county_code=parent.county_code,
        status="active",
        applied_on=dt.date(2020, 1, 1),
        joined_on=dt.date(2020, 1, 1),
    )


def post_result(personas, book: Book, *, income_fen: int, cost_fen: int, collective: bool = False) -> None:
    """The year's income into the bank and costs out of it, made by the administrator, checked by the county."""
    income, cost = ("501", "511") if collective else ("501", "521")
    post_voucher(
        maker=personas.admin,
        checker=personas.county,
        book=book,
        date=dt.date(YEAR, 9, 30),
        summary="经营收入",
        lines=[{"account": "102", "debit_fen": income_fen}, {"account": income, "credit_fen": income_fen}],
    )
    post_voucher(
        maker=personas.admin,
        checker=personas.county,
        book=book,
        date=dt.date(YEAR, 10, 31),
        summary="经营支出",
        lines=[{"account": cost, "debit_fen": cost_fen}, {"account": "102", "credit_fen": cost_fen}],
    )


@dataclass
class County:
    platform: Cooperative
    union: Cooperative
    coop_a: Cooperative
    coop_b: Cooperative
    collective: Cooperative
    m: dict[str, Member]  # memberships by name


def build_county(personas, *, coop_b_year: tuple[int, int] = (4_000_000, 1_000_000)) -> County:
    charts_load_shipped()
    platform = build_cooperative(
        region_code=COUNTY, name="七星关区农业发展投资有限公司", level="county", legal_form="company"
    )
    union = build_cooperative(region_code=TOWNSHIP, name="阳头镇联合社", level="township")
    coop_a = build_cooperative(region_code=VILLAGE_A, name="白马村合作社")
    coop_b = build_cooperative(region_code=VILLAGE_B, name="青山村合作社")
    collective = build_cooperative(
        region_code=VILLAGE_A,
        name="白马村集体经济组织",
        legal_form="collective_organisation",
        industry="mixed",
    )
    for body in (platform, union):
        build_bylaws(body, patronage_transaction_kinds=["sale_to_coop"], remainder_split={"members": 10000})
    build_bylaws(coop_a, remainder_split=COOP_SPLIT)
    build_bylaws(coop_b)
    build_bylaws(collective, reserve_rate_bp=2000)

    wang_h = build_household(number="0101", head_name="王大山")
    li_h = build_household(number="0102", head_name="李小花")
    sun_h = build_household(number="0103", head_name="孙三")
    zhao_h = build_household(village_code=VILLAGE_B, number="0201", head_name="赵四")
    m = {
        "union@platform": body_member(platform, union),
        "a@union": body_member(union, coop_a),
        "b@union": body_member(union, coop_b),
        "wang@a": build_member(coop_a, wang_h),
        "li@a": build_member(coop_a, li_h),
        "collective@a": body_member(coop_a, collective, MemberKind.COLLECTIVE),
        "zhao@b": build_member(coop_b, zhao_h),
        "wang@c": build_member(collective, wang_h),
        "li@c": build_member(collective, li_h),
        "sun@c": build_member(collective, sun_h),
    }
    for body, holders in (
        (platform, [("union@platform", 10_000)]),
        (union, [("a@union", 2_000), ("b@union", 2_000)]),
        (coop_a, [("wang@a", 200), ("li@a", 600), ("collective@a", 500)]),
        (coop_b, [("zhao@b", 10)]),
    ):
        cash = build_share_class(body, kind=ShareClassKind.CASH, unit_value_fen=100_00)
        for name, units in holders:
            subscribe(m[name], cash, units=units)
    rights = build_share_class(collective, kind=ShareClassKind.COLLECTIVE_ASSETS, unit_value_fen=1_000_00)
    for name, units in (("wang@c", 3), ("li@c", 1), ("sun@c", 2)):
        subscribe(m[name], rights, units=units)
    for name, amount in (
        ("union@platform", 50_000_000),
        ("a@union", 30_000_000),
        ("b@union", 10_000_000),
        ("wang@a", 3_000_000),
        ("li@a", 1_000_000),
        ("zhao@b", 500_000),
    ):
        sale(m[name], amount)
    sale(m["wang@a"], 500_000, kind="purchase_from_coop")  # not a kind the bylaws count
    for body, income, cost in (
        (union, 8_000_000, 3_000_000),
        (coop_a, 15_000_000, 5_000_000),
        (coop_b, *coop_b_year),
        (collective, 7_000_000, 2_000_000),
    ):
        book = book_open(user=personas.admin, cooperative=body, start_year=YEAR, start_month=1)
        post_result(personas, book, income_fen=income, cost_fen=cost, collective=body is collective)
    return County(platform, union, coop_a, coop_b, collective, m)


def terms(**fields) -> BylawsTerms:
    base = {
        "reserve_rate_bp": 1000,
        "patronage_share_bp": 6000,
        "patronage_transaction_kinds": ("sale_to_coop",),
        "remainder_split": {"members": 10000},
    }
    return BylawsTerms(**{**base, **fields})


def by_hand(c: County, *, coop_b_surplus: int = 3_000_000) -> domain.CascadeResult:
    """The same county written as the domain takes it, every figure typed in."""
    k = {name: member_key(member.pk) for name, member in c.m.items()}
    # A body's key is its membership in the body above.
    platform, union, a, b, coll = (
        f"t{c.platform.pk:09d}",
        k["union@platform"],
        k["a@union"],
        k["b@union"],
        k["collective@a"],
    )
    account = domain.MemberAccount
    return domain.cascade(
        [
            domain.CascadeBody(
                platform,
                domain.CooperativeYear(
                    10_000_000, (account(union, 100_000_000, 0, 0, 50_000_000, Decimal("100")),)
                ),
                terms(),
            ),
            domain.CascadeBody(
                union,
                domain.CooperativeYear(
                    5_000_000,
                    (
                        account(a, 20_000_000, 0, 0, 30_000_000, Decimal("100")),
                        account(b, 20_000_000, 0, 0, 10_000_000, Decimal("100")),
                    ),
                ),
                terms(),
            ),
            domain.CascadeBody(
                a,
                domain.CooperativeYear(
                    10_000_000,
                    (
                        account(k["wang@a"], 2_000_000, 0, 0, 3_000_000, Decimal("100")),
                        account(k["li@a"], 6_000_000, 0, 0, 1_000_000, Decimal("100")),
                        account(coll, 5_000_000, 0, 0, 0, Decimal("0")),
                    ),
                    collective_key=coll,
                ),
                terms(remainder_split=COOP_SPLIT),
            ),
            domain.CascadeBody(
                b,
                domain.CooperativeYear(
                    coop_b_surplus, (account(k["zhao@b"], 100_000, 0, 0, 500_000, Decimal("100")),)
                ),
                terms(),
            ),
            domain.CascadeBody(
                coll,
                domain.CollectiveYear(
                    5_000_000,
                    (
                        domain.IncomeRightShare(k["wang@c"], Decimal(3)),
                        domain.IncomeRightShare(k["li@c"], Decimal(1)),
                        domain.IncomeRightShare(k["sun@c"], Decimal(2)),
                    ),
                ),
                terms(reserve_rate_bp=2000),
            ),
        ]
    )


def test_the_chain_read_from_the_database_equals_the_pure_cascade_on_the_same_figures(personas):
    c = build_county(personas)

    computed = cascade_compute(
        user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen={c.platform.pk: 10_000_000}
    )

    expected = by_hand(c)
    assert computed.result.order == expected.order
    assert computed.result.households == expected.households
    for key, outcome in expected.bodies.items():
        got = computed.result.bodies[key]
        assert (got.own_surplus_fen, got.income_from_above_fen, got.result) == (
            outcome.own_surplus_fen,
            outcome.income_from_above_fen,
            outcome.result,
        )
    sources = {b["surplus_source"] for b in computed.run.inputs["bodies"].values()}
    assert sources == {"given", "ledger"}


def test_the_kept_rows_add_up_per_household_and_per_body(personas):
    c = build_county(personas)
    run = cascade_compute(
        user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen={c.platform.pk: 10_000_000}
    ).run
    expected = by_hand(c)

    bodies = list(CascadeBodyLine.objects.filter(cascade=run))
    assert len(bodies) == run.bodies_count == 5
    # Conservation: what the bodies made themselves reached households or stayed in a body, to the fen.
    assert run.own_surplus_fen == 10_000_000 + 5_000_000 + 10_000_000 + 3_000_000 + 5_000_000
    assert run.own_surplus_fen == run.to_households_fen + run.kept_fen
    assert sum(b.paid_to_households_fen for b in bodies) == run.to_households_fen

    wang = CascadeHouseholdLine.objects.get(cascade=run, household=c.m["wang@a"].household)
    # Wang is a member of coop A and of the collective: one row, both memberships summed.
    both = expected.households[member_key(c.m["wang@a"].pk)].total_fen
    both += expected.households[member_key(c.m["wang@c"].pk)].total_fen
    assert wang.total_fen == both > 0
    assert wang.from_county_fen > 0 and wang.from_township_fen > 0 and wang.from_village_fen > 0
    assert sum(wang.by_path.values()) == wang.total_fen
    # The longest path: made in the platform, paid on by the union, coop A and the collective.
    longest = f"{c.platform.pk}>{c.union.pk}>{c.coop_a.pk}>{c.collective.pk}|income_right"
    assert wang.by_path[longest] > 0
    assert run.households_count == 4  # Wang, Li, Sun, Zhao
    assert CascadeHouseholdLine.objects.filter(cascade=run).count() == 4


def test_a_caller_that_does_not_read_the_receipts_gets_the_same_rows_and_none_kept_in_memory(personas):
    c = build_county(personas)
    given = {c.platform.pk: 10_000_000}
    kept = cascade_compute(user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen=given)
    dropped = cascade_compute(
        user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen=given, keep_receipts=False
    )

    def rows(run: CascadeRun) -> list[tuple]:
        return list(
            CascadeHouseholdLine.objects.filter(cascade=run)
            .order_by("key")
            .values_list("household_id", "key", "total_fen", "cash_fen", "from_county_fen", "by_path")
        )

    # Wang's two memberships (coop A and the collective) are still one row: 4 rows, as kept.
    assert len(rows(dropped.run)) == dropped.run.households_count == 4
    assert rows(dropped.run) == rows(kept.run)
    assert dropped.run.to_households_fen == kept.run.to_households_fen > 0
    # Six memberships paid (Wang twice), kept by the default; dropped once written.
    assert len(kept.result.households) == len(kept.chain.recipients) == 6
    assert dropped.result.households == {} and dropped.chain.recipients == {}
    assert dropped.result.bodies.keys() == kept.result.bodies.keys()


def test_a_loss_in_one_cooperative_is_carried_and_the_chain_goes_on(personas):
    # Coop B: income 10,000 − costs 80,000, a loss of 70,000: more than its share from the union (≈ 43,674).
    c = build_county(personas, coop_b_year=(1_000_000, 8_000_000))
    computed = cascade_compute(
        user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen={c.platform.pk: 10_000_000}
    )
    expected = by_hand(c, coop_b_surplus=-7_000_000)
    assert computed.result.households == expected.households

    b = computed.result.bodies[member_key(c.m["b@union"].pk)]
    assert b.result.loss_year and b.own_surplus_fen == -7_000_000
    # What came from above went into making up the loss; nothing reached coop B's household …
    assert b.paid_to_households_fen == 0 and b.kept_fen == b.total_surplus_fen
    assert computed.result.households[member_key(c.m["zhao@b"].pk)].total_fen == 0
    # … while coop A's households were paid as before.
    assert computed.result.households[member_key(c.m["wang@a"].pk)].total_fen > 0


def test_only_a_user_who_may_read_the_county_runs_its_cascade(personas):
    c = build_county(personas)
    given = {c.platform.pk: 10_000_000}
    for user in (personas.cadre_a, personas.township, personas.outsider):
        with pytest.raises(ScopeDenied):
            cascade_compute(user=user, region_code=COUNTY, year=YEAR, surplus_fen=given)
    assert not CascadeRun.objects.exists()
    cascade_compute(user=personas.auditor, region_code=COUNTY, year=YEAR, surplus_fen=given)
    assert CascadeRun.objects.count() == 1


def test_the_cascade_view_shows_each_reader_their_own_region(personas):
    c = build_county(personas)
    cascade_compute(
        user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen={c.platform.pk: 10_000_000}
    )

    run = cascade_latest(user=personas.county, region_code=COUNTY, year=YEAR)
    assert cascade_bodies(user=personas.county, cascade=run).count() == 5
    in_township = cascade_bodies(user=personas.township, cascade=run, region_code=TOWNSHIP)
    assert {b.body_id for b in in_township} == {c.union.pk, c.coop_a.pk, c.coop_b.pk, c.collective.pk}
    assert in_township[0].body_id == c.union.pk  # top-down
    village_a = cascade_households(user=personas.cadre_a, cascade=run, region_code=VILLAGE_A)
    assert {h.household.head_name for h in village_a} == {"王大山", "李小花", "孙三"}
    with pytest.raises(ScopeDenied):
        cascade_households(user=personas.cadre_a, cascade=run, region_code=VILLAGE_B)
    with pytest.raises(ScopeDenied):
        cascade_households(user=personas.cadre_a, cascade=run)
    page = cascade_page(village_a, page=1, per_page=2)
    assert len(page.object_list) == 2 and page.paginator.count == 3
    totals = cascade_household_totals(user=personas.cadre_a, cascade=run, region_code=VILLAGE_A)
    assert totals.households == 3
    assert totals.total_fen == totals.from_county_fen + totals.from_township_fen + totals.from_village_fen


def test_bad_input_is_refused_and_nothing_is_written(personas):
    c = build_county(personas)
    with pytest.raises(InvalidInput) as county_code:
        cascade_compute(user=personas.county, region_code=TOWNSHIP, year=YEAR)
    assert county_code.value.code == "region_code_invalid"
    with pytest.raises(InvalidInput) as surplus:
        cascade_compute(user=personas.county, region_code=COUNTY, year=YEAR, surplus_fen={c.platform.pk: 1.5})
    assert surplus.value.code == "amount_type"
    c.platform.bylaws_versions.all().delete()
    with pytest.raises(InvalidInput) as bylaws:
        cascade_compute(user=personas.county, region_code=COUNTY, year=YEAR)
    assert bylaws.value.code == "no_bylaws" and bylaws.value.details["bodies"] == [c.platform.pk]
    assert not CascadeRun.objects.exists()
