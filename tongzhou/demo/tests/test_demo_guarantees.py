"""The demo books and pays the guaranteed payments (保底收益) of 2025 before its distribution: most village
cooperatives' bylaws guarantee a rate per mu of land shares; every booking is what the service's preview computes
for its body; its vouchers balance, book the cost and pay it as the service would (accounts, sources, summaries,
numbers after the month's last); every household member's line is its household's income line; the posted runs
distribute the surplus after the guarantees; the demo reset deletes all of it."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from tongzhou.coops.models import Bylaws, Cooperative, LegalForm, Level
from tongzhou.demo.coops import GUARANTEE_PER_MU_FEN, YEAR
from tongzhou.demo.services import demo_build, demo_reset
from tongzhou.distribution.models import (
    CascadeRun,
    DistributionRun,
    GuaranteeBooking,
    GuaranteedPayment,
    HouseholdIncome,
)
from tongzhou.distribution.services.cascade import RECEIVED_SOURCE
from tongzhou.distribution.services.guarantees import guarantees_preview
from tongzhou.ledger.models import Voucher, VoucherLine

pytestmark = pytest.mark.django_db

DEC31 = dt.date(YEAR, 12, 31)


@pytest.fixture(scope="module")
def township_demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        result = demo_build(scale="township", seed=2026, reset=True)
    yield result
    with django_db_blocker.unblock():
        demo_reset()


def _village_coops():
    return Cooperative.objects.filter(level=Level.VILLAGE, legal_form=LegalForm.FARMERS_COOPERATIVE)


def test_most_village_cooperatives_guarantee_a_rate_per_mu_of_land_shares(township_demo):
    coops = list(_village_coops())
    terms = {b.cooperative_id: b.guaranteed_payments for b in Bylaws.objects.filter(cooperative__in=coops)}
    with_guarantee = [c for c in coops if terms[c.pk]]
    assert len(coops) == 12 and len(with_guarantee) == 11  # most, not all (seed 2026)
    for coop in with_guarantee:
        [g] = terms[coop.pk]
        lo, hi = GUARANTEE_PER_MU_FEN[coop.industry]
        assert (g["share_class"], g["basis"]) == ("land", "per_mu")
        assert lo <= g["amount_fen"] <= hi and g["amount_fen"] % 50_00 == 0
    assert terms[_village_coops().get(name="白马村股份经济合作社").pk]  # the demo users' village has one
    # Only they: no union, platform or collective guarantees anything.
    booked = set(GuaranteeBooking.objects.values_list("body_id", flat=True))
    assert booked == {c.pk for c in with_guarantee}
    assert len(set(terms[c.pk][0]["amount_fen"] for c in with_guarantee)) > 1  # rates vary


def test_every_booking_is_what_the_service_preview_computes(township_demo):
    officer = get_user_model().objects.get(username="xianji")
    bookings = list(GuaranteeBooking.objects.select_related("body"))
    assert len(bookings) == township_demo.guarantees.bookings == 11
    assert GuaranteedPayment.objects.count() == township_demo.guarantees.lines
    assert sum(b.total_fen for b in bookings) == township_demo.guarantees.total_fen == 308_030_900
    for booking in bookings:
        preview = guarantees_preview(user=officer, body=booking.body, year=YEAR)
        assert booking.total_fen == preview.total_fen > 0
        assert sorted(
            booking.lines.values_list(
                "member_id", "household_id", "share_class", "basis", "units_centi", "rate_fen", "amount_fen"
            )
        ) == sorted(
            (
                x.member.pk,
                x.member.household_id,
                x.share_class,
                x.basis,
                x.units_centi,
                x.rate_fen,
                x.amount_fen,
            )
            for x in preview.lines
        )
        assert booking.inputs == {
            "bylaws": {
                "id": preview.bylaws.pk,
                "effective_from": preview.bylaws.effective_from.isoformat(),
                "guaranteed_payments": list(preview.guarantees),
            },
            "holdings_on": DEC31.isoformat(),
        }
        assert (booking.booked_on, booking.paid_on, booking.reversed_on) == (DEC31, DEC31, None)
        assert booking.standard == "farmers_cooperative"


def test_the_vouchers_book_the_cost_and_pay_each_member(township_demo):
    for booking in GuaranteeBooking.objects.select_related("body"):
        per_member = dict(
            booking.lines.values_list("member_id")
            .annotate(t=Sum("amount_fen"))
            .order_by()
            .values_list("member_id", "t")
        )
        for vouchers, step, summary in (
            (booking.vouchers.all(), "book", f"计提{YEAR}年度保底收益（按章程）"),
            (booking.payment_vouchers.all(), "pay", f"发放{YEAR}年度保底收益"),
        ):
            [voucher] = vouchers  # fewer members than a voucher holds
            assert voucher.book.cooperative_id == booking.body_id
            assert (voucher.source, voucher.summary) == (
                f"distribution.Guarantee:{booking.pk}:{step}:1",
                summary,
            )
            assert (voucher.date, voucher.status) == (DEC31, "posted")
            lines = list(voucher.lines.select_related("account"))
            assert sum(x.debit_fen for x in lines) == sum(x.credit_fen for x in lines) == booking.total_fen
            members = {
                x.member_id: x.credit_fen if step == "book" else x.debit_fen for x in lines if x.member_id
            }
            assert members == per_member
            assert {x.account.code for x in lines if x.member_id} == {"114"}
            [other] = [x for x in lines if not x.member_id]
            assert (other.account.code, other.debit_fen, other.credit_fen) == (
                ("521", booking.total_fen, 0) if step == "book" else ("102", 0, booking.total_fen)
            )
        # Booked before paid, both after every other voucher of December that came before them.
        assert booking.vouchers.get().number + 1 == booking.payment_vouchers.get().number
    linked = GuaranteeBooking.vouchers.through.objects.count()
    linked += GuaranteeBooking.payment_vouchers.through.objects.count()
    assert Voucher.objects.filter(source__startswith="distribution.Guarantee:").count() == linked == 22
    # The members' current accounts are settled: what was booked to them was paid.
    settled = VoucherLine.objects.filter(
        voucher__source__startswith="distribution.Guarantee:", account__code="114"
    )
    net = settled.aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    assert net["d"] == net["c"] == township_demo.guarantees.total_fen


def test_every_household_members_payment_is_its_income_line(township_demo):
    expected = sorted(
        (p.pk, p.household_id, YEAR, "guaranteed_payment", p.amount_fen, DEC31, p.booking.body_id,
         p.household.village_code, p.household.county_code)
        for p in GuaranteedPayment.objects.filter(household__isnull=False).select_related("booking", "household")
    )  # fmt: skip
    written = sorted(
        HouseholdIncome.objects.filter(kind="guaranteed_payment").values_list(
            "guarantee_id", "household_id", "year", "kind", "amount_fen", "on", "body_id", "village_code",
            "county_code",
        )
    )  # fmt: skip
    assert written == expected
    assert len(written) == township_demo.guarantees.income_lines > 2000
    # Every line is a household member's: the land shares are the households'.
    assert not GuaranteedPayment.objects.filter(household__isnull=True).exists()


def test_the_runs_distribute_the_surplus_after_the_guarantees(township_demo):
    """The cascade read each body's surplus from the ledger with the guarantees already a cost of the year."""
    cascade = CascadeRun.objects.get()
    for booking in GuaranteeBooking.objects.all():
        pnl = VoucherLine.objects.filter(
            voucher__book__cooperative_id=booking.body_id, account__account_class="profit_and_loss"
        ).exclude(voucher__source__startswith=RECEIVED_SOURCE)
        before = pnl.exclude(voucher__source__startswith="distribution.Guarantee:").aggregate(
            c=Sum("credit_fen"), d=Sum("debit_fen")
        )
        own = before["c"] - before["d"] - booking.total_fen
        assert cascade.inputs["bodies"][str(booking.body_id)]["surplus_fen"] == own > 0
        run = DistributionRun.objects.get(body_id=booking.body_id, year=YEAR)
        assert run.inputs["surplus_fen"] == own + run.inputs["income_from_above_fen"]


def test_the_demo_reset_deletes_the_guarantees():
    demo_build(scale="village", seed=5, reset=True)
    first = (GuaranteeBooking.objects.count(), GuaranteedPayment.objects.count())
    assert first[0] == 1 and first[1] > 10  # 白马村
    incomes = HouseholdIncome.objects.filter(guarantee__isnull=False).count()
    assert incomes == first[1]
    demo_build(scale="village", seed=5, reset=True)
    assert (GuaranteeBooking.objects.count(), GuaranteedPayment.objects.count()) == first
    assert HouseholdIncome.objects.filter(guarantee__isnull=False).count() == incomes
    demo_reset()
    assert not GuaranteeBooking.objects.exists() and not GuaranteedPayment.objects.exists()
    assert not HouseholdIncome.objects.exists()
