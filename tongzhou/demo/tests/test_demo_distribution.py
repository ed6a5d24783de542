"""The demo year ends with a posted three-level distribution: every body of the township demo has one posted run of
2025, its vouchers balance and book what its lines say, what a body receives from above is booked as investment
income and is what the body above paid it, and what the households' lines hold is what the cascade says reached
them."""

from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from tongzhou.coops.models import Cooperative, LegalForm, Level
from tongzhou.demo.coops import YEAR
from tongzhou.demo.services import demo_build, demo_reset
from tongzhou.distribution.models import (
    CascadeBodyLine,
    CascadeHouseholdLine,
    CascadeRun,
    DistributionLine,
    DistributionRun,
    RunStatus,
)
from tongzhou.distribution.services import cascade_compute, run_compute
from tongzhou.distribution.services.cascade import RECEIVED_SOURCE
from tongzhou.ledger.models import Voucher, VoucherLine

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def township_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = demo_build(scale="township", seed=2026, reset=True)
    yield result
    with django_db_blocker.unblock():
        demo_reset()


def test_every_body_has_one_posted_run_of_the_year(township_demo):
    bodies = Cooperative.objects.count()
    runs = DistributionRun.objects.filter(year=YEAR)
    assert runs.count() == bodies == township_demo.distribution.runs
    # Paid in January 2026 (demo/payments.py), but for a run with nothing due (a collective without a roll).
    assert RunStatus.PAID in set(runs.values_list("status", flat=True)) <= {RunStatus.PAID, RunStatus.POSTED}
    assert runs.values("body").distinct().count() == bodies
    for run in runs:
        assert run.assembly_on >= run.published_on
        assert (run.assembly_on - run.published_on).days >= run.notice_days
        assert run.votes_for * 3 >= run.members_entitled * 2
    assert DistributionLine.objects.count() == township_demo.distribution.lines > 0


def test_the_run_vouchers_balance_and_book_what_the_lines_say(township_demo):
    for run in DistributionRun.objects.select_related("body"):
        vouchers = run.vouchers.all()
        if run.body.legal_form == LegalForm.COMPANY:
            assert not vouchers.exists()  # the platform keeps no books here
            continue
        lines = VoucherLine.objects.filter(voucher__in=vouchers)
        totals = lines.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
        assert totals["d"] == totals["c"]
        payable = DistributionLine.objects.filter(run=run).aggregate(
            r=Sum("payable_return_fen"), s=Sum("payable_share_fen")
        )
        to_members = lines.filter(member__isnull=False).aggregate(c=Sum("credit_fen"))["c"] or 0
        assert to_members == (payable["r"] or 0) + (payable["s"] or 0)
        reserve = run.steps.get("welfare_fund_fen" if run.is_collective else "reserve_fen")
        assert lines.filter(account__code="311" if run.is_collective else "322").aggregate(
            c=Sum("credit_fen")
        )["c"] == (reserve or None)
    assert set(Voucher.objects.values_list("status", flat=True)) == {"posted"}


def test_what_a_body_receives_is_what_the_body_above_paid_and_is_booked_as_investment_income(township_demo):
    paid_to = defaultdict(int)
    for member_body, cash in DistributionLine.objects.filter(
        member__member_cooperative__isnull=False
    ).values_list("member__member_cooperative", "cash_fen"):
        paid_to[member_body] += cash
    received = 0
    for run in DistributionRun.objects.select_related("body"):
        assert run.inputs["income_from_above_fen"] == paid_to.get(run.body_id, 0)
        if run.body.level != Level.COUNTY:
            booked = VoucherLine.objects.filter(
                voucher__book__cooperative=run.body,
                voucher__source__startswith=RECEIVED_SOURCE,
                account__code__in=["511", "502"],
            ).aggregate(c=Sum("credit_fen"))["c"]
            assert (booked or 0) == run.inputs["income_from_above_fen"]
            received += booked or 0
    assert received > 0
    # Each is the voucher run_post books (services/received.py), linked to the paying run: Dr 应收款 with the payer
    # as counterparty, Cr 投资收益, on the posting day.
    linked = 0
    for run in DistributionRun.objects.select_related("body"):
        posting = run.receiver_vouchers.exclude(source__endswith=":pay")  # demo/payments.py adds the receipts
        for voucher in posting.select_related("book__cooperative", "book__chart"):
            assert voucher.date == run.posted_on and voucher.source.startswith(RECEIVED_SOURCE)
            receivable = "112" if voucher.book.chart.standard == LegalForm.COLLECTIVE_ORGANISATION else "113"
            debit = voucher.lines.get(account__code=receivable)
            assert debit.counterparty == run.body.name[:60]
            assert debit.debit_fen == sum(
                DistributionLine.objects.filter(
                    run=run, member__member_cooperative=voucher.book.cooperative_id
                ).values_list("cash_fen", flat=True)
            )
            linked += 1
    assert (
        linked
        == Voucher.objects.filter(source__startswith=RECEIVED_SOURCE).exclude(source__endswith=":pay").count()
    )


def test_the_households_lines_hold_what_the_cascade_says_reached_them(township_demo):
    cascade = CascadeRun.objects.get()
    assert CascadeBodyLine.objects.filter(cascade=cascade).count() == Cooperative.objects.count()
    households = CascadeHouseholdLine.objects.filter(cascade=cascade, household__isnull=False)
    cascade_total = households.aggregate(t=Sum("total_fen"))["t"]
    lines_total = DistributionLine.objects.filter(household__isnull=False).aggregate(t=Sum("cash_fen"))["t"]
    assert cascade_total == lines_total == cascade.to_households_fen > 0
    assert households.filter(from_county_fen__gt=0, from_township_fen__gt=0, from_village_fen__gt=0).exists()


def test_the_cascade_recomputed_after_the_demo_reads_the_same_own_surpluses(township_demo):
    """The income booked from above is left out of a body's own surplus, so a second computation agrees."""
    county = get_user_model().objects.get(username="xianji")
    first = CascadeRun.objects.order_by("id").first()
    platform = Cooperative.objects.get(level=Level.COUNTY)
    again = cascade_compute(
        user=county,
        region_code=first.county_code,
        year=YEAR,
        surplus_fen={platform.pk: first.inputs["bodies"][str(platform.pk)]["surplus_fen"]},
    ).run
    assert again.inputs == first.inputs
    assert (again.to_households_fen, again.kept_fen) == (first.to_households_fen, first.kept_fen)
    again.delete()


def test_a_village_cooperatives_run_is_what_run_compute_makes_of_its_books(township_demo):
    """The demo writes the runs in bulk; the service, reading the same books, computes the same sheet."""
    accountant = get_user_model().objects.get(username="cunkuaiji")
    baima = Cooperative.objects.get(
        region_code=accountant.scopes.first().region_code, legal_form=LegalForm.FARMERS_COOPERATIVE
    )
    posted = DistributionRun.objects.get(body=baima, year=YEAR, status=RunStatus.PAID)
    draft = run_compute(user=accountant, body=baima, year=YEAR)
    assert draft.inputs["surplus_fen"] == posted.inputs["surplus_fen"]
    assert draft.steps == posted.steps
    fields = ("member_id", "patronage_return_fen", "remainder_share_fen", "collective_share_fen", "cash_fen")
    assert list(draft.lines.order_by("key").values_list(*fields)) == list(
        posted.lines.order_by("key").values_list(*fields)
    )
    draft.lines.all().delete()
    draft.delete()


def test_a_county_the_demo_officer_does_not_cover_is_computed_by_the_prefecture_administrator(township_demo):
    """A prefecture demo has 8 counties and one county officer (of the first): the other counties' cascades are
    computed by the prefecture's administrator, who may read them (the officer may not: the cascade refused it)."""
    from tongzhou.core.errors import ScopeDenied
    from tongzhou.demo.distribution import computing_user
    from tongzhou.regions.scope import require_read

    county = Cooperative.objects.values_list("county_code", flat=True).first()
    other = "520521" if county != "520521" else "520502"
    officer = get_user_model().objects.get(username="xianji")
    assert computing_user(county) == officer
    with pytest.raises(ScopeDenied):
        require_read(officer, other)
    administrator = computing_user(other)
    assert administrator.username == "admin"
    require_read(administrator, other)
