"""The demo's village collectives have their membership roll: every registered household of the village, through its
head, with one income-right share (收益权份额) per person of the household born by the village's cut-off date; the
roll posts no voucher; and the collective's year-end run gives its distributable income to those households, to
the fen, paid in January as their dividends (分红)."""

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from tongzhou.coops.models import Cooperative, LegalForm, Member, MemberStatus, ShareClass, ShareEntry
from tongzhou.demo.collective_roll import roll_cutoff
from tongzhou.demo.coops import YEAR
from tongzhou.demo.services import demo_build, demo_reset
from tongzhou.distribution.models import DistributionLine, DistributionRun, HouseholdIncome, RunStatus
from tongzhou.households.models import Household, Person
from tongzhou.ledger.models import Voucher, VoucherLine
from tongzhou.rollups.coverage import coop_figures_rebuild
from tongzhou.rollups.models import RegionCoopFigures

pytestmark = pytest.mark.django_db

BAIMA = "520502100201"
SEED = 2026


@pytest.fixture(scope="module")
def township_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = demo_build(scale="township", seed=SEED, reset=True)
    yield result
    with django_db_blocker.unblock():
        demo_reset()


def _collectives():
    return Cooperative.objects.filter(legal_form=LegalForm.COLLECTIVE_ORGANISATION).order_by("pk")


def test_every_household_of_the_village_is_a_member_of_its_collective_through_its_head(township_demo):
    collectives = list(_collectives())
    assert len(collectives) == 12
    heads = {
        h: (pk, name, sex)
        for h, pk, name, sex in Person.objects.filter(relation="head").values_list(
            "household_id", "pk", "name", "sex"
        )
    }
    for collective in collectives:
        households = set(
            Household.objects.filter(village_code=collective.region_code).values_list("pk", flat=True)
        )
        members = list(Member.objects.filter(cooperative=collective))
        assert {m.household_id for m in members} == households
        assert len(members) == len(households)  # once each
        cutoff, assembly = roll_cutoff(collective.region_code, SEED)
        for m in members:
            person_id, name, sex = heads[m.household_id]
            assert (m.kind, m.person_id, m.display_name, m.is_woman) == (
                "household",
                person_id,
                name,
                sex == "F",
            )
            assert (m.status, m.is_farmer, m.village_code) == (
                MemberStatus.ACTIVE,
                True,
                collective.region_code,
            )
            assert (m.applied_on, m.joined_on) == (cutoff, assembly)
            assert collective.founded_on <= m.applied_on <= m.joined_on < dt.date(2024, 1, 1)
    assert township_demo.coops.roll_members == Household.objects.count() == 7_388
    # Baima's roll: 300 households, cut off on 30 September 2020, confirmed by the assembly on 30 November 2020.
    assert roll_cutoff(BAIMA, SEED) == (dt.date(2020, 9, 30), dt.date(2020, 11, 30))
    assert (
        Member.objects.filter(
            cooperative__region_code=BAIMA, cooperative__legal_form="collective_organisation"
        ).count()
        == 300
    )


def test_each_household_holds_one_share_per_person_born_by_the_cut_off_date(township_demo):
    for collective in _collectives():
        cutoff, assembly = roll_cutoff(collective.region_code, SEED)
        expected: Counter = Counter()
        for household_id, birth in Person.objects.filter(village_code=collective.region_code).values_list(
            "household_id", "birth_date"
        ):
            if birth <= cutoff:
                expected[household_id] += 1
        (share_class,) = ShareClass.objects.filter(cooperative=collective)
        assert (share_class.kind, share_class.unit_name, share_class.unit_value_fen) == (
            "collective_assets",
            "股",
            100_00,
        )
        held = {}
        for household_id, entry_type, on, units, amount, class_id in ShareEntry.objects.filter(
            cooperative=collective
        ).values_list(
            "member__household_id", "entry_type", "on", "units_centi", "amount_fen", "share_class_id"
        ):
            assert (entry_type, on, class_id) == ("subscription", assembly, share_class.pk)
            assert amount == units * 100  # ¥100 a share, units in hundredths
            assert household_id not in held  # one subscription a household
            held[household_id] = units // 100
        assert held == dict(expected)
    # Baima: 1,021 shares for 300 households; household 0001 (张建华) holds 2, 0002 (王兵晨) 4.
    baima = ShareEntry.objects.filter(
        cooperative__region_code=BAIMA, cooperative__legal_form="collective_organisation"
    )
    assert baima.aggregate(u=Sum("units_centi"))["u"] == 1_021_00
    assert dict(
        baima.filter(member__household__number__in=["0001", "0002"]).values_list(
            "member__household__number", "units_centi"
        )
    ) == {"0001": 200, "0002": 400}


def test_the_roll_posts_no_voucher_the_services_would_not_post(township_demo):
    """Dated before 农村集体经济组织会计制度 took effect (2024-01-01): share_subscribe books nothing and opens no
    book; the collective's 2025 book carries its 资本 in its opening voucher."""
    entries = ShareEntry.objects.filter(cooperative__legal_form=LegalForm.COLLECTIVE_ORGANISATION)
    assert entries.count() == 7_388
    assert not entries.filter(on__gte=dt.date(2024, 1, 1)).exists()
    sources = {f"coops.ShareEntry:{pk}" for pk in entries.values_list("pk", flat=True)}
    assert not Voucher.objects.filter(source__in=sources).exists()
    assert not Voucher.objects.filter(
        book__cooperative__legal_form="collective_organisation", date__year__lt=YEAR
    ).exists()


def test_each_collective_run_gives_its_distributable_income_to_its_households_to_the_fen(township_demo):
    for collective in _collectives():
        run = DistributionRun.objects.get(body=collective, year=YEAR)
        steps = run.steps
        assert run.status == RunStatus.PAID
        assert steps["members_unallocated_fen"] == 0
        assert steps["to_members_fen"] == steps["distributable_fen"] - steps["secondary_fund_fen"] > 0
        lines = list(DistributionLine.objects.filter(run=run).select_related("member"))
        assert len(lines) == Member.objects.filter(cooperative=collective).count()
        assert sum(line.income_right_fen for line in lines) == steps["to_members_fen"]
        shares = {
            m: Decimal(u) / 100
            for m, u in ShareEntry.objects.filter(cooperative=collective)
            .values_list("member_id")
            .annotate(u=Sum("units_centi"))
        }
        total = sum(shares.values())
        for line in lines:
            assert line.household_id == line.member.household_id is not None
            assert line.income_right_shares == shares[line.member_id]
            assert line.cash_fen == line.payable_share_fen == line.income_right_fen == line.paid_fen
            # Largest remainder: within a fen of the exact share.
            exact = Decimal(steps["to_members_fen"]) * line.income_right_shares / total
            assert abs(line.income_right_fen - exact) < 1
    # Baima's collective: ¥395,384.82 of income (¥57,384.82 of it from its cooperative), 20% to 公积公益金
    # (¥79,076.96), ¥316,307.86 over 1,021 shares: household 0001's 2 shares ¥619.60, 0002's 4 shares ¥1,239.21.
    run = DistributionRun.objects.get(body__region_code=BAIMA, body__legal_form="collective_organisation")
    assert (run.inputs["surplus_fen"], run.inputs["income_from_above_fen"]) == (39_538_482, 5_738_482)
    assert (run.steps["welfare_fund_fen"], run.steps["to_members_fen"]) == (7_907_696, 31_630_786)
    assert dict(
        DistributionLine.objects.filter(run=run, member__household__number__in=["0001", "0002"]).values_list(
            "member__household__number", "income_right_fen"
        )
    ) == {"0001": 61_960, "0002": 123_921}


def test_the_households_get_their_collective_dividends_as_income_lines(township_demo):
    for collective in _collectives():
        run = DistributionRun.objects.get(body=collective, year=YEAR)
        incomes = HouseholdIncome.objects.filter(body=collective, run=run)
        assert set(incomes.values_list("kind", flat=True)) == {"dividend"}
        by_household = dict(incomes.values_list("household_id").annotate(t=Sum("amount_fen")))
        lines = dict(DistributionLine.objects.filter(run=run).values_list("household_id", "income_right_fen"))
        assert by_household == {h: fen for h, fen in lines.items() if fen}
        assert sum(by_household.values()) == run.steps["to_members_fen"]
        assert incomes.aggregate(n=Count("household", distinct=True))["n"] == len(by_household)


def test_the_collectives_books_balance_and_their_distribution_is_fully_allocated(township_demo):
    for collective in _collectives():
        run = DistributionRun.objects.get(body=collective, year=YEAR)
        lines = VoucherLine.objects.filter(book__cooperative=collective)
        totals = lines.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
        assert totals["d"] == totals["c"]
        # 收益分配 takes the whole income: 公积公益金 and what the members get, nothing left unallocated.
        distribution = lines.filter(account__code="322").aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
        assert distribution["d"] == run.steps["welfare_fund_fen"] + run.steps["to_members_fen"]
        assert distribution["d"] == run.inputs["surplus_fen"]
        # 内部往来: credited per member household on 31 December, debited by the January payment — settled.
        per_member = defaultdict(int)
        for member_id, debit, credit in lines.filter(account__code="113", member__isnull=False).values_list(
            "member_id", "debit_fen", "credit_fen"
        ):
            per_member[member_id] += credit - debit
        assert len(per_member) == Member.objects.filter(cooperative=collective).count()
        assert set(per_member.values()) == {0}


def test_the_coverage_figures_leave_the_collectives_roll_out_and_equal_a_rebuild(township_demo):
    kept = {r.region_code: r for r in RegionCoopFigures.objects.all()}
    county = kept["520502"]
    coop_households = Member.objects.filter(
        kind="household",
        status__in=["active", "exit_notified"],
        cooperative__legal_form="farmers_cooperative",
    ).count()
    assert county.household_members == coop_households < Household.objects.count()
    coop_figures_rebuild()
    again = {r.region_code: r for r in RegionCoopFigures.objects.all()}
    fields = ("members", "household_members", "share_capital_fen", "subsidy_shares_fen")
    assert {c: [getattr(r, f) for f in fields] for c, r in kept.items()} == {
        c: [getattr(r, f) for f in fields] for c, r in again.items()
    }
