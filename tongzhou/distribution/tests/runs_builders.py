"""Builders for the run tests: a cooperative and a collective with books, a year of postings, member capital and
member transactions, written directly or through the ledger's services (no scope checks on the direct rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tongzhou.coops.models import (
    Cooperative,
    EntryType,
    Member,
    MemberTransaction,
    ShareClass,
    ShareClassKind,
    ShareEntry,
)
from tongzhou.coops.testing import build_bylaws, build_cooperative, build_member, build_share_class
from tongzhou.core.testing import VILLAGE_A, build_household
from tongzhou.distribution.models import DistributionLine, DistributionRun, HouseholdIncome, Payment
from tongzhou.ledger.models import Book, Voucher, VoucherLine
from tongzhou.ledger.services import book_open, charts_load_shipped
from tongzhou.ledger.testing import build_small_coop, post_voucher

YEAR = 2025


def subscribe(member: Member, share_class: ShareClass, *, units: int, on=dt.date(2024, 6, 1)) -> ShareEntry:
    """Shares held before the year (an entry dated before the books, so it books no voucher)."""
    return ShareEntry.objects.create(
        cooperative=member.cooperative,
        member=member,
        share_class=share_class,
        entry_type=EntryType.SUBSCRIPTION,
        on=on,
        units_centi=units * 100,
        amount_fen=units * share_class.unit_value_fen,
        reason="认购",
        village_code=member.village_code,
        county_code=member.county_code,
    )


def sale(member: Member, amount_fen: int, *, on=dt.date(YEAR, 6, 15), kind: str = "sale_to_coop"):
    """A member transaction of the year written directly (its voucher is no income: the test posts the year's
    income and costs itself)."""
    return MemberTransaction.objects.create(
        cooperative=member.cooperative,
        member=member,
        kind=kind,
        on=on,
        year=on.year,
        product="鲜茧",
        quantity=Decimal("100"),
        unit="kg",
        unit_price_fen=amount_fen // 100,
        amount_fen=amount_fen,
        source_key=f"test:{member.pk}:{kind}:{on}:{amount_fen}",
        village_code=member.village_code,
        county_code=member.county_code,
    )


def post_cost(
    personas, book: Book, *, fen: int, on: dt.date, summary: str = "经营支出", cost: str = "521"
) -> None:
    """One more cost paid from the bank (a late voucher, or the one that makes a year a loss)."""
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=book,
        date=on,
        summary=summary,
        lines=[{"account": cost, "debit_fen": fen}, {"account": "102", "credit_fen": fen}],
    )


def post_year(personas, book: Book, *, income_fen: int, cost_fen: int, income="501", cost="521") -> None:
    """A year of postings: income received into the bank, costs paid from it."""
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=book,
        date=dt.date(YEAR, 9, 30),
        summary="销售收入",
        lines=[{"account": "102", "debit_fen": income_fen}, {"account": income, "credit_fen": income_fen}],
    )
    if cost_fen:
        post_voucher(
            maker=personas.cadre_a,
            checker=personas.secretary_a,
            book=book,
            date=dt.date(YEAR, 10, 31),
            summary="经营支出",
            lines=[{"account": cost, "debit_fen": cost_fen}, {"account": "102", "credit_fen": cost_fen}],
        )


@dataclass
class CoopYear:
    cooperative: Cooperative
    book: Book
    wang: Member
    li: Member


def build_coop_year(personas, *, region_code: str = VILLAGE_A, number: str = "0001") -> CoopYear:
    """The worked example's cooperative: 本年盈余 ¥100,000 (income 150,000, costs 50,000), capital Wang ¥20,000 and
    Li ¥60,000, member sales Wang ¥30,000 and Li ¥10,000 (plus Wang's ¥5,000 of inputs bought, not counted)."""
    small = build_small_coop(personas.cadre_a, region_code=region_code, start_year=YEAR, number=number)
    build_bylaws(small.cooperative, reserve_rate_bp=1000, patronage_share_bp=6000)
    cash = build_share_class(small.cooperative, kind=ShareClassKind.CASH, unit_value_fen=100_00)
    subscribe(small.wang, cash, units=200)
    subscribe(small.li, cash, units=600)
    sale(small.wang, 3_000_000)
    sale(small.li, 1_000_000)
    sale(small.wang, 500_000, kind="purchase_from_coop")
    post_year(personas, small.book, income_fen=15_000_000, cost_fen=5_000_000)
    return CoopYear(small.cooperative, small.book, small.wang, small.li)


def build_collective_year(personas) -> CoopYear:
    """白马村股份经济合作社 (a collective): 本年收益 ¥50,000, income-right shares Wang 3 and Li 1, 公积公益金 20%."""
    charts_load_shipped()
    body = build_cooperative(
        name="白马村股份经济合作社", legal_form="collective_organisation", industry="mixed"
    )
    wang = build_member(body, build_household(number="0101", head_name="王大山"))
    li = build_member(body, build_household(number="0102", head_name="李小花"))
    build_bylaws(body, reserve_rate_bp=2000, patronage_share_bp=6000)
    shares = build_share_class(body, kind=ShareClassKind.COLLECTIVE_ASSETS, unit_value_fen=1_000_00)
    subscribe(wang, shares, units=3)
    subscribe(li, shares, units=1)
    book = book_open(user=personas.cadre_a, cooperative=body, start_year=YEAR, start_month=1)
    post_year(personas, book, income_fen=7_000_000, cost_fen=2_000_000, income="501", cost="511")
    return CoopYear(body, book, wang, li)


def counts() -> dict[str, int]:
    """Row counts of everything a run service writes: a refusal must leave them all unchanged."""
    return {
        "runs": DistributionRun.objects.count(),
        "lines": DistributionLine.objects.count(),
        "payments": Payment.objects.count(),
        "income": HouseholdIncome.objects.count(),
        "vouchers": Voucher.objects.count(),
        "voucher_lines": VoucherLine.objects.count(),
    }


def run_state(run: DistributionRun) -> tuple:
    run = DistributionRun.objects.get(pk=run.pk)
    return (run.status, run.published_on, run.assembly_on, run.posted_on, run.votes_for, run.reversed_at)
