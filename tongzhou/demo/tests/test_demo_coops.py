"""The demo's cooperatives: every village gets its cooperative, members, shares and a year of transactions."""

import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum

from tongzhou.coops.domain.shares import subscription_amount_fen
from tongzhou.coops.domain.transactions import expected_amount_fen, member_key, source_key
from tongzhou.coops.models import (
    Bylaws,
    Cooperative,
    LegalForm,
    Level,
    Member,
    MemberStatus,
    MemberTransaction,
    ShareClass,
    ShareEntry,
)
from tongzhou.coops.selectors.shares import member_accounts
from tongzhou.core.ids import validate_uscc
from tongzhou.demo.coops import YEAR
from tongzhou.demo.generate import BAIMA_NAME
from tongzhou.demo.services import demo_build
from tongzhou.households.models import Household
from tongzhou.rollups.coverage import coop_figures_rebuild
from tongzhou.rollups.models import RegionCoopFigures

pytestmark = pytest.mark.django_db


def _rows(queryset) -> list[tuple]:
    return sorted(queryset, key=repr)  # some keys are None


def _snapshot() -> dict:
    """Everything the demo wrote about cooperatives, by natural keys (ids differ between builds)."""
    coops = _rows(Cooperative.objects.values_list("credit_code", "name", "level", "legal_form", "industry"))
    members = _rows(
        Member.objects.values_list(
            "cooperative__credit_code",
            "kind",
            "household__number",
            "member_cooperative__credit_code",
            "is_village_cadre",
            "joined_on",
        )
    )
    entries = _rows(
        ShareEntry.objects.values_list(
            "member__household__number", "share_class__kind", "on", "units_centi", "amount_fen"
        )
    )
    transactions = _rows(
        MemberTransaction.objects.values_list(
            "member__household__number",
            "counterparty_name",
            "kind",
            "on",
            "product",
            "quantity",
            "amount_fen",
        )
    )
    return {"coops": coops, "members": members, "entries": entries, "transactions": transactions}


@pytest.fixture
def baima():
    demo_build(scale="village", seed=5)
    return Cooperative.objects.get(level=Level.VILLAGE, legal_form=LegalForm.FARMERS_COOPERATIVE)


def test_the_same_seed_gives_the_same_cooperatives_members_shares_and_transactions():
    demo_build(scale="village", seed=5)
    first = _snapshot()
    demo_build(scale="village", seed=5, reset=True)
    assert _snapshot() == first
    demo_build(scale="village", seed=6, reset=True)
    assert _snapshot()["transactions"] != first["transactions"]


def test_baima_gets_a_sericulture_cooperative_and_its_collective_as_a_member(baima):
    assert baima.name == f"{BAIMA_NAME}股份经济合作社"
    assert baima.industry == "sericulture"
    collective = Cooperative.objects.get(legal_form=LegalForm.COLLECTIVE_ORGANISATION)
    assert collective.region_code == baima.region_code
    membership = Member.objects.get(cooperative=baima, member_cooperative=collective)
    assert membership.kind == "collective" and membership.status == MemberStatus.ACTIVE
    bylaws = Bylaws.objects.get(cooperative=baima)
    assert (bylaws.reserve_rate_bp, bylaws.patronage_share_bp) == (1000, 6000)
    assert bylaws.remainder_split == {"members": 6000, "collective": 2500, "management": 1500}
    assert bylaws.poverty_share_conversion_years == 5
    classes = dict(ShareClass.objects.filter(cooperative=baima).values_list("kind", "unit_value_fen"))
    assert classes == {"cash": 10000, "land": 120000, "fiscal_poverty": 100000}


def test_every_credit_code_is_valid_and_names_the_county(baima):
    for code, legal_form in Cooperative.objects.values_list("credit_code", "legal_form"):
        assert validate_uscc(code) == code
        assert code[2:8] == "520502"
        assert (
            code[:2]
            == {"farmers_cooperative": "93", "company": "91", "collective_organisation": "N2"}[legal_form]
        )


def test_every_registered_poor_household_of_the_village_is_an_active_member(baima):
    poor = set(
        Household.objects.filter(
            village_code=baima.region_code, poverty_registered_year__isnull=False
        ).values_list("pk", flat=True)
    )
    members = Member.objects.filter(cooperative=baima, kind="household")
    assert poor and poor <= set(members.values_list("household_id", flat=True))
    households = Household.objects.filter(village_code=baima.region_code).count()
    others = members.filter(household__poverty_registered_year__isnull=True).count()
    non_poor = households - len(poor)
    assert 0.55 * non_poor <= others <= 0.85 * non_poor
    assert set(members.filter(household__in=poor).values_list("status", flat=True)) == {MemberStatus.ACTIVE}
    assert set(members.values_list("status", flat=True)) == {MemberStatus.ACTIVE, MemberStatus.EXITED}
    assert not members.filter(joined_on__isnull=True).exists()
    assert not members.filter(joined_on__lt=baima.founded_on).exists()


def test_five_to_seven_cadres_join_first_and_the_first_chairs_the_cooperative(baima):
    cadres = Member.objects.filter(cooperative=baima, is_village_cadre=True)
    assert 5 <= cadres.count() <= 7
    ordinary = Member.objects.filter(cooperative=baima, kind="household", is_village_cadre=False)
    assert max(cadres.values_list("joined_on", flat=True)) <= min(
        ordinary.values_list("joined_on", flat=True)
    )
    assert cadres.filter(person_id=baima.chairperson_id).exists()
    assert len(baima.board) == cadres.count()


def test_subscriptions_are_units_times_unit_value_and_poverty_shares_go_to_registered_poor(baima):
    entries = ShareEntry.objects.filter(cooperative=baima, entry_type="subscription").select_related(
        "share_class", "member__household"
    )
    kinds = Counter()
    for entry in entries:
        assert entry.units_centi > 0
        assert entry.amount_fen == subscription_amount_fen(
            entry.units_centi, entry.share_class.unit_value_fen
        )
        assert entry.on >= entry.member.joined_on
        kinds[entry.share_class.kind] += 1
        if entry.share_class.kind == "fiscal_poverty":
            assert entry.member.household.poverty_registered_year is not None
        if entry.share_class.kind == "land":
            assert entry.units_centi <= entry.member.household.contracted_land_mu * 100
    household_members = Member.objects.filter(cooperative=baima, kind="household").count()
    assert kinds["cash"] > 0.7 * household_members
    assert kinds["land"] > 0.3 * household_members
    poor_members = Member.objects.filter(cooperative=baima, household__poverty_registered_year__isnull=False)
    assert kinds["fiscal_poverty"] == poor_members.count()


def test_transactions_agree_with_quantity_times_price_and_carry_the_service_source_key(baima):
    rows = list(MemberTransaction.objects.filter(cooperative=baima))
    household_members = Member.objects.filter(cooperative=baima, kind="household").count()
    assert 8 * household_members <= sum(r.is_member for r in rows) <= 12 * household_members
    assert len({r.source_key for r in rows}) == len(rows)
    for r in rows:
        assert r.year == YEAR == r.on.year
        assert r.amount_fen == expected_amount_fen(r.quantity, r.unit_price_fen)
        assert r.source_key == source_key(
            cooperative_id=baima.pk,
            member_key=member_key(member_id=r.member_id, counterparty_name=r.counterparty_name),
            kind=r.kind,
            on=r.on,
            product=r.product,
            grade=r.grade,
            quantity=r.quantity,
            unit_price_fen=r.unit_price_fen,
            amount_fen=r.amount_fen,
        )
        assert r.village_code == baima.region_code
    cocoons = [r for r in rows if r.product == "鲜茧"]
    assert cocoons and all(3500 <= r.unit_price_fen <= 5200 and r.unit == "kg" for r in cocoons)
    labour = {r.unit for r in rows if r.kind == "labour"}
    assert labour == {"工日"}


def test_non_member_transactions_are_kept_apart_with_a_named_counterparty(baima):
    apart = MemberTransaction.objects.filter(cooperative=baima, is_member=False)
    assert apart.exists()
    assert not apart.filter(member__isnull=False).exists()
    assert not apart.filter(counterparty_name="").exists()


def test_the_township_union_has_the_village_cooperatives_and_the_platform_the_unions(baima):
    union = Cooperative.objects.get(level=Level.TOWNSHIP)
    platform = Cooperative.objects.get(level=Level.COUNTY)
    assert union.region_code == baima.region_code[:9] and platform.region_code == baima.region_code[:6]
    assert platform.legal_form == LegalForm.COMPANY
    assert list(Member.objects.filter(cooperative=union).values_list("member_cooperative", flat=True)) == [
        baima.pk
    ]
    assert list(Member.objects.filter(cooperative=platform).values_list("member_cooperative", flat=True)) == [
        union.pk
    ]
    assert not Member.objects.filter(cooperative__in=[union, platform], kind="household").exists()


def test_coverage_figures_equal_a_rebuild_and_count_the_demo(baima):
    fields = ("region_code", "members", "registered_poor_members", "cadre_members", "share_capital_fen")
    kept = sorted(RegionCoopFigures.objects.values_list(*fields))
    coop_figures_rebuild()
    assert sorted(RegionCoopFigures.objects.values_list(*fields)) == kept
    village = RegionCoopFigures.objects.get(region_code=baima.region_code)
    poor = Household.objects.filter(village_code=baima.region_code, poverty_registered_year__isnull=False)
    assert village.registered_poor_members == poor.count()
    assert village.villages_with_cooperative == 1
    capital = ShareEntry.objects.filter(cooperative=baima, share_class__is_capital=True).aggregate(
        s=Sum("amount_fen")
    )
    assert village.share_capital_fen == capital["s"]
    county = RegionCoopFigures.objects.get(region_code=baima.region_code[:6])
    assert county.cooperatives == 3  # village cooperative, township union, county platform


def test_member_accounts_add_up_to_the_ledger_and_the_transactions(baima):
    admin = get_user_model().objects.create_superuser("coops-admin", password="x-Tongzhou-2026")
    accounts = member_accounts(user=admin, cooperative=baima, year=YEAR)
    assert len(accounts) == Member.objects.filter(cooperative=baima).count()
    member_sales = MemberTransaction.objects.filter(cooperative=baima, is_member=True).aggregate(
        s=Sum("amount_fen")
    )
    assert sum(a.transactions_amount_fen for _, a in accounts) == member_sales["s"]
    assert sum(a.transactions_quantity for _, a in accounts) > Decimal("0")


def test_the_demo_command_reset_deletes_and_rebuilds_the_cooperatives():
    out = io.StringIO()
    call_command("demo", "--scale", "village", "--no-progress", "--seed", "3", stdout=out)
    assert "合作社 cooperatives 4" in out.getvalue()
    first = Cooperative.objects.count(), MemberTransaction.objects.count()
    call_command("demo", "--scale", "village", "--no-progress", "--seed", "3", "--reset", stdout=out)
    assert (Cooperative.objects.count(), MemberTransaction.objects.count()) == first


def test_the_demo_year_ledger_satisfies_the_share_rules(baima):
    """Transfers, an inheritance, poverty-fund conversions and exits of 2025, as the services would write them."""
    entries = list(
        ShareEntry.objects.filter(cooperative=baima).select_related("share_class", "member__household")
    )
    kinds = Counter(e.entry_type for e in entries)
    assert kinds["transfer_out"] == kinds["transfer_in"] >= 1
    assert kinds["inheritance_out"] == kinds["inheritance_in"] >= 1
    assert kinds["conversion_out"] == kinds["conversion_in"] >= 1
    assert kinds["redemption"] >= 1
    # Holdings never go negative, at any date, in any class.
    running: Counter = Counter()
    for e in sorted(entries, key=lambda e: (e.on, e.units_centi < 0, e.pk)):
        running[(e.member_id, e.share_class_id, "units")] += e.units_centi
        running[(e.member_id, e.share_class_id, "fen")] += e.amount_fen
        assert running[(e.member_id, e.share_class_id, "units")] >= 0, e
        assert running[(e.member_id, e.share_class_id, "fen")] >= 0, e
    # Each movement's legs balance: same date and reason; a transfer or inheritance moves units and fen between
    # two members of one class and names each as the other's counterparty; a conversion keeps the member's value.
    movements: dict = {}
    for e in entries:
        if e.entry_type == "subscription" or e.entry_type == "redemption":
            assert e.movement is None and e.counterparty_id is None
            continue
        movements.setdefault(e.movement, []).append(e)
    for legs in movements.values():
        assert len({(e.on, e.reason) for e in legs}) == 1
        assert sum(e.amount_fen for e in legs) == 0
        if legs[0].entry_type.startswith("conversion"):
            out, into = sorted(legs, key=lambda e: e.units_centi)
            assert (out.entry_type, into.entry_type) == ("conversion_out", "conversion_in")
            assert out.member_id == into.member_id and out.counterparty_id is None
            assert (out.share_class.kind, into.share_class.kind) == ("fiscal_poverty", "cash")
            assert into.units_centi == -out.amount_fen * 100 // into.share_class.unit_value_fen
            household = out.member.household
            # Converted households are out of poverty for the bylaws' five full years (2019 → due in 2025).
            assert household.poverty_exit_year is not None and household.poverty_exit_year <= YEAR - 6
            assert out.units_centi == -sum(
                x.units_centi for x in entries
                if x.member_id == out.member_id and x.share_class_id == out.share_class_id and x.on < out.on
            )  # fmt: skip
        else:
            assert sum(e.units_centi for e in legs) == 0
            for e in legs:
                assert e.counterparty_id is not None and e.counterparty_id != e.member_id
                assert (e.units_centi < 0) == e.entry_type.endswith("_out")
    due = Member.objects.filter(
        cooperative=baima,
        household__poverty_exit_year__lte=YEAR - 6,
        share_entries__share_class__kind="fiscal_poverty",
    ).distinct()
    converted = {e.member_id for e in entries if e.entry_type == "conversion_out"}
    assert converted == set(due.values_list("pk", flat=True))
    # Members who left: notice in time (3 months before the year end), settled after it, nothing left held.
    exited = Member.objects.filter(cooperative=baima, status=MemberStatus.EXITED)
    assert exited.count() >= 2
    for member in exited:
        held = sum(e.units_centi for e in entries if e.member_id == member.pk)
        assert held == 0
        if member.exit_notice_on is None:  # died: the shares went to the heir
            assert ShareEntry.objects.filter(member=member, entry_type="inheritance_out").exists()
            assert member.exit_settled_on == member.exit_effective_on
            continue
        assert member.exit_notice_on <= dt.date(YEAR, 9, 30)
        assert member.exit_effective_on == dt.date(YEAR, 12, 31) < member.exit_settled_on
        capital = sum(
            -e.amount_fen for e in entries
            if e.member_id == member.pk and e.entry_type == "redemption" and e.share_class.is_capital
        )  # fmt: skip
        assert member.exit_capital_returned_fen == capital > 0
        assert {e.on for e in entries if e.member_id == member.pk and e.entry_type == "redemption"} == {
            member.exit_settled_on
        }
