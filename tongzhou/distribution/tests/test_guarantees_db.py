"""Guaranteed payments (保底收益) through the database: computed from the share ledger and the bylaws, booked as a cost
of the year, paid, and each household's payment written as its income line; every refusal changes nothing.

The worked example (白马村蚕桑专业合作社, bylaws: land ¥300.00 per mu, fiscal poverty-fund shares ¥12.55 per share):
- 王大山 2.50 mu land → 250 × 30,000 / 100 = ¥750.00 (and cash shares, which carry no guarantee);
- 李小花 1.00 mu → ¥300.00, and 3.00 fiscal shares → ¥37.65: ¥337.65;
- 张三 0.33 mu → ¥99.00, and 1.50 fiscal shares → 1,882.5 fen, half up ¥18.83: ¥117.83;
- total ¥1,205.48 = 120,548 fen. Booked Dr 521 经营支出 120,548 / Cr 114 成员往来 per member; paid Dr 114 / Cr 102.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from tongzhou.coops.models import EntryType, ShareClassKind, ShareEntry
from tongzhou.coops.testing import build_bylaws, build_member, build_share_class
from tongzhou.core.errors import Conflict, InvalidInput, TongzhouError
from tongzhou.core.testing import VILLAGE_A, build_household
from tongzhou.distribution.models import GuaranteeBooking, GuaranteedPayment, HouseholdIncome, IncomeKind
from tongzhou.distribution.services import run_approve, run_compute, run_post, run_publish
from tongzhou.distribution.services.guarantees import (
    guarantees_book,
    guarantees_pay,
    guarantees_preview,
    guarantees_reverse,
)
from tongzhou.ledger.models import Voucher, VoucherLine
from tongzhou.ledger.testing import build_small_coop

from .runs_builders import YEAR, post_year

LAND = {"share_class": "land", "basis": "per_mu", "amount_fen": 30_000}
FISCAL = {"share_class": "fiscal_poverty", "basis": "per_unit", "amount_fen": 1_255}


def hold(member, share_class, units_centi: int, *, on=dt.date(2024, 6, 1)) -> ShareEntry:
    """Shares held before the year (dated before the books: no voucher)."""
    return ShareEntry.objects.create(
        cooperative=member.cooperative,
        member=member,
        share_class=share_class,
        entry_type=EntryType.SUBSCRIPTION,
        on=on,
        units_centi=units_centi,
        amount_fen=units_centi * share_class.unit_value_fen // 100,
        reason="认购",
        village_code=member.village_code,
        county_code=member.county_code,
    )


def build_example(personas, *, guarantees=(LAND, FISCAL)):
    small = build_small_coop(personas.cadre_a, region_code=VILLAGE_A, start_year=YEAR)
    coop = small.cooperative
    zhang = build_member(coop, build_household(village_code=VILLAGE_A, number="0003", head_name="张三"))
    build_bylaws(coop, guaranteed_payments=[dict(g) for g in guarantees])
    land = build_share_class(coop, kind=ShareClassKind.LAND, unit_value_fen=1_000_00)
    fiscal = build_share_class(coop, kind=ShareClassKind.FISCAL_POVERTY, unit_value_fen=1_000_00)
    cash = build_share_class(coop, kind=ShareClassKind.CASH, unit_value_fen=100_00)
    hold(small.wang, land, 250)
    hold(small.wang, cash, 20_000)
    hold(small.li, land, 100)
    hold(small.li, fiscal, 300)
    hold(zhang, land, 33)
    hold(zhang, fiscal, 150)
    # Bought after 31 December: not held at year end, no guarantee for the year.
    hold(zhang, land, 500, on=dt.date(YEAR + 1, 1, 2))
    small.zhang = zhang
    return small


def counts() -> dict[str, int]:
    return {
        "bookings": GuaranteeBooking.objects.count(),
        "lines": GuaranteedPayment.objects.count(),
        "income": HouseholdIncome.objects.count(),
        "vouchers": Voucher.objects.count(),
        "voucher_lines": VoucherLine.objects.count(),
    }


def posted(book, code: str, member=None) -> tuple[int, int]:
    lines = VoucherLine.objects.filter(book=book, account__code__startswith=code, voucher__status="posted")
    if member is not None:
        lines = lines.filter(member=member)
    return (sum(x.debit_fen for x in lines), sum(x.credit_fen for x in lines))


@pytest.mark.django_db
def test_the_preview_computes_each_members_guarantee_from_year_end_holdings(personas):
    ex = build_example(personas)
    preview = guarantees_preview(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert [(x.member.pk, x.share_class, x.units_centi, x.rate_fen, x.amount_fen) for x in preview.lines] == [
        (ex.wang.pk, "land", 250, 30_000, 75_000),
        (ex.li.pk, "fiscal_poverty", 300, 1_255, 3_765),
        (ex.li.pk, "land", 100, 30_000, 30_000),
        (ex.zhang.pk, "fiscal_poverty", 150, 1_255, 1_883),
        (ex.zhang.pk, "land", 33, 30_000, 9_900),
    ]
    assert preview.per_member == {ex.wang.pk: 75_000, ex.li.pk: 33_765, ex.zhang.pk: 11_783}
    assert preview.total_fen == 120_548
    assert counts()["bookings"] == 0  # a preview writes nothing


@pytest.mark.django_db
def test_booking_and_paying_write_the_lines_the_vouchers_and_the_households_income(personas):
    ex = build_example(personas)
    booking = guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert booking.booked_on == dt.date(YEAR, 12, 31) and booking.total_fen == 120_548
    assert booking.paid_on is None
    assert booking.inputs["bylaws"]["guaranteed_payments"] == [LAND, FISCAL]
    assert GuaranteedPayment.objects.filter(booking=booking).count() == 5
    (voucher,) = booking.vouchers.all()
    assert voucher.status == "posted" and voucher.date == dt.date(YEAR, 12, 31)
    assert voucher.source == f"distribution.Guarantee:{booking.pk}:book:1"
    rows = list(
        voucher.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen", "member")
    )
    assert [(code[:3], d, c, m) for code, d, c, m in rows] == [
        ("521", 120_548, 0, None),
        ("114", 0, 75_000, ex.wang.pk),
        ("114", 0, 33_765, ex.li.pk),
        ("114", 0, 11_783, ex.zhang.pk),
    ]
    assert HouseholdIncome.objects.count() == 0  # booked, not yet paid

    booking = guarantees_pay(user=personas.cadre_a, booking=booking, on=dt.date(YEAR + 1, 1, 10))
    assert booking.paid_on == dt.date(YEAR + 1, 1, 10)
    (paying,) = booking.payment_vouchers.all()
    rows = list(
        paying.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen", "member")
    )
    assert [(code[:3], d, c, m) for code, d, c, m in rows] == [
        ("114", 75_000, 0, ex.wang.pk),
        ("114", 33_765, 0, ex.li.pk),
        ("114", 11_783, 0, ex.zhang.pk),
        ("102", 0, 120_548, None),
    ]
    assert posted(ex.book, "114", ex.li) == (33_765, 33_765)  # owed, then paid: the member is square
    income = list(
        HouseholdIncome.objects.order_by("household_id", "amount_fen").values_list(
            "household_id", "kind", "amount_fen", "year", "on", "body_id"
        )
    )
    on = dt.date(YEAR + 1, 1, 10)
    body = ex.cooperative.pk
    assert income == [
        (ex.wang.household_id, IncomeKind.GUARANTEED_PAYMENT, 75_000, YEAR, on, body),
        (ex.li.household_id, IncomeKind.GUARANTEED_PAYMENT, 3_765, YEAR, on, body),
        (ex.li.household_id, IncomeKind.GUARANTEED_PAYMENT, 30_000, YEAR, on, body),
        (ex.zhang.household_id, IncomeKind.GUARANTEED_PAYMENT, 1_883, YEAR, on, body),
        (ex.zhang.household_id, IncomeKind.GUARANTEED_PAYMENT, 9_900, YEAR, on, body),
    ]
    assert all(x.guarantee_id is not None for x in HouseholdIncome.objects.all())


@pytest.mark.django_db
def test_the_guarantee_is_a_cost_the_years_distribution_starts_after(personas):
    """Booked and paid in one step on 31 December, the surplus the run reads from the books is net of it."""
    ex = build_example(personas)
    post_year(personas, ex.book, income_fen=15_000_000, cost_fen=5_000_000)
    booking = guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR, pay=True)
    assert booking.paid_on == dt.date(YEAR, 12, 31) and HouseholdIncome.objects.count() == 5
    assert posted(ex.book, "521") == (5_000_000 + 120_548, 0)
    assert posted(ex.book, "102") == (15_000_000, 5_000_000 + 120_548)
    run = run_compute(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert run.inputs["surplus_fen"] == 10_000_000 - 120_548


@pytest.mark.django_db
def test_a_second_booking_of_the_year_is_refused_until_the_first_is_reversed(personas):
    ex = build_example(personas)
    first = guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    before = counts()
    with pytest.raises(Conflict) as caught:
        guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert caught.value.code == "guarantees_already_booked"
    assert counts() == before

    reversed_ = guarantees_reverse(user=personas.cadre_a, booking=first)
    assert reversed_.reversed_on == dt.date(YEAR, 12, 31)
    assert posted(ex.book, "521") == (0, 0)  # red ink: the cost is gone
    again = guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR, on=dt.date(YEAR, 12, 30))
    assert again.pk != first.pk and again.total_fen == 120_548
    assert posted(ex.book, "521") == (120_548, 0)


@pytest.mark.django_db
def test_a_paid_booking_is_neither_paid_again_nor_reversed(personas):
    ex = build_example(personas)
    booking = guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR, pay=True)
    before = counts()
    with pytest.raises(Conflict) as caught:
        guarantees_pay(user=personas.cadre_a, booking=booking)
    assert caught.value.code == "guarantees_already_paid"
    with pytest.raises(Conflict) as caught:
        guarantees_reverse(user=personas.cadre_a, booking=booking)
    assert caught.value.code == "guarantees_paid"
    assert counts() == before


@pytest.mark.django_db
def test_refusals_name_the_bylaws_and_change_nothing(personas):
    ex = build_example(personas, guarantees=())
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert caught.value.code == "no_guarantees"
    assert "保底收益" in caught.value.message_zh and "2017-04-01" in caught.value.message_zh
    assert "guaranteed payments" in caught.value.message_en
    with pytest.raises(InvalidInput) as caught:
        guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=2016)
    assert caught.value.code == "no_bylaws"
    assert counts() == before


@pytest.mark.django_db
def test_bad_dates_closed_years_other_regions_and_a_posted_distribution_are_refused(personas):
    ex = build_example(personas)
    before = counts()
    cases = [
        (dict(on=dt.date(YEAR + 1, 1, 5)), "date_outside_year"),
        (dict(on="2025-12-31"), "date_invalid"),
        (dict(year=1800), "year_invalid"),
    ]
    for kwargs, code in cases:
        args = {"user": personas.cadre_a, "body": ex.cooperative, "year": YEAR, **kwargs}
        with pytest.raises(TongzhouError) as caught:
            guarantees_book(**args)
        assert caught.value.code == code, kwargs
    with pytest.raises(TongzhouError) as caught:
        guarantees_book(user=personas.cadre_b, body=ex.cooperative, year=YEAR)
    assert caught.value.code == "forbidden"
    with pytest.raises(TongzhouError) as caught:
        guarantees_book(
            user=personas.cadre_a, body=ex.cooperative, year=YEAR, pay=True, paid_on=dt.date(YEAR, 1, 1)
        )
    assert caught.value.code == "paid_before_booked"
    assert counts() == before

    # The year's distribution already in the books: the guarantee comes too late.
    post_year(personas, ex.book, income_fen=1_000_000, cost_fen=0)
    run = run_compute(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    run_publish(user=personas.cadre_a, run=run, on=dt.date(YEAR + 1, 1, 5))
    run_approve(
        user=personas.cadre_a,
        run=run,
        assembly_on=dt.date(YEAR + 1, 1, 20),
        votes_for=3,
        votes_against=0,
        members_entitled=3,
    )
    run_post(user=personas.cadre_a, run=run)
    before = counts()
    with pytest.raises(Conflict) as caught:
        guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert caught.value.code == "distribution_already_posted"
    assert counts() == before


@pytest.mark.django_db
def test_a_closed_year_refuses_the_booking(personas):
    ex = build_example(personas)
    ex.cooperative.closed_through_year = YEAR
    ex.cooperative.save(update_fields=["closed_through_year"])
    before = counts()
    with pytest.raises(TongzhouError) as caught:
        guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
    assert caught.value.code == "year_closed"
    assert counts() == before


# ---- PostgreSQL: two bookings at once ----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_year_leave_exactly_one(personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions: PostgreSQL")
    ex = build_example(personas)
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def book():
        try:
            barrier.wait()
            guarantees_book(user=personas.cadre_a, body=ex.cooperative, year=YEAR)
            outcomes.append("booked")
        except Exception as exc:  # surfaced by the assertions below
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [o for o in outcomes if o != "booked"]
    assert outcomes.count("booked") == 1, outcomes
    assert len(refused) == 1 and isinstance(refused[0], Conflict)
    assert refused[0].code == "guarantees_already_booked"
    assert GuaranteeBooking.objects.filter(body=ex.cooperative).count() == 1
    assert posted(ex.book, "521") == (120_548, 0)


@pytest.mark.django_db
def test_a_collective_books_on_its_own_chart(personas):
    """A collective (农村集体经济组织会计制度): Dr 511 经营支出 / Cr 113 内部往来 per member; paid Dr 113 / Cr 102."""
    from tongzhou.coops.models import Bylaws

    from .runs_builders import build_collective_year

    body = build_collective_year(personas)
    Bylaws.objects.filter(cooperative=body.cooperative).update(
        guaranteed_payments=[{"share_class": "collective_assets", "basis": "per_unit", "amount_fen": 5_000}]
    )
    booking = guarantees_book(user=personas.cadre_a, body=body.cooperative, year=YEAR, pay=True)
    assert booking.standard == "collective_organisation" and booking.total_fen == 20_000
    (voucher,) = booking.vouchers.all()
    rows = list(
        voucher.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen", "member")
    )
    assert [(code[:3], d, c, m) for code, d, c, m in rows] == [
        ("511", 20_000, 0, None),
        ("113", 0, 15_000, body.wang.pk),
        ("113", 0, 5_000, body.li.pk),
    ]
    assert posted(body.book, "113") == (20_000, 20_000) and posted(body.book, "102")[1] == 2_000_000 + 20_000
    assert sorted(HouseholdIncome.objects.values_list("amount_fen", flat=True)) == [5_000, 15_000]
