"""The statements' aggregate (ledger.selectors): what it sums in the database — each account's movements per period
and its members' balances split by sign as of each period's opening and closing day — equals the same sums worked
out line by line in Python — read with the kept balances (whole years) and the lines (the ragged ends), and from the
lines alone."""

import datetime as dt
from collections import defaultdict

import pytest
from django.db import models

from tongzhou.core.testing import TOWNSHIP, VILLAGE_B
from tongzhou.ledger import selectors
from tongzhou.ledger.models import BookAccount, ChartAccount, Voucher, VoucherLine, VoucherStatus
from tongzhou.ledger.selectors import statement_data_of_books, statement_data_of_regions
from tongzhou.ledger.services import voucher_check, voucher_post, voucher_reverse
from tongzhou.ledger.services.balances import balances_check
from tongzhou.ledger.services.charts import chart_in_force
from tongzhou.ledger.services.year_close import year_close
from tongzhou.ledger.statements.data import YEAR_CLOSE_SOURCE
from tongzhou.ledger.testing import post_voucher

from .worked_example import build_worked_year, close_months

pytestmark = pytest.mark.django_db

D = dt.date
PERIODS = [
    (D(2025, 1, 1), D(2025, 12, 31)),
    (D(2025, 4, 1), D(2025, 6, 30)),
    (D(2025, 2, 10), D(2025, 8, 20)),
    (D(2025, 12, 31), D(2025, 12, 31)),
    (D(2024, 1, 1), D(2024, 12, 31)),
    # across years: kept 2025 with ragged ends in 2024 and 2026; whole 2026; a month; from before the books on
    (D(2025, 7, 1), D(2026, 6, 30)),
    (D(2026, 1, 1), D(2026, 12, 31)),
    (D(2026, 2, 1), D(2026, 2, 28)),
    (D(2024, 6, 1), D(2026, 3, 31)),
    (D(2026, 3, 10), D(2026, 3, 10)),
]
# The year and the one before (a balance sheet and surplus statement of 2025): no voucher lies before the latest
# bucket, so the aggregate sums the lines without a date test per line.
YEARS = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31))]


@pytest.fixture(params=["periods", "years"])
def periods(request):
    return PERIODS if request.param == "periods" else YEARS


@pytest.fixture(params=["kept", "lines"])
def reading(request, monkeypatch):
    """Whole years from the kept balances and the rest from the lines, or every figure from the lines."""
    monkeypatch.setattr(selectors, "KEPT_READS", request.param == "kept")
    return request.param


@pytest.fixture
def two_books(personas):
    """The worked year in two books, one of them closed; in 2026 both move on (王大山 paid 5,000 and 李小花
    repaying 2,000 in the closed book, the other's 2-10 purchase reversed on 2026-01-15) — so the kept balances
    hold 2025 and 2026, year-close rows among them."""
    closed = build_worked_year(personas)
    close_months(personas, closed.book)
    year_close(user=personas.cadre_a, book=closed.book, year=2025)
    other = build_worked_year(personas, region_code=VILLAGE_B, number="0101")
    wang, li = closed.wang, closed.li
    for day, lines in (
        (D(2026, 3, 10), [{"account": "114001", "debit_fen": 500000, "member": wang},
                          {"account": "102", "credit_fen": 500000}]),
        (D(2026, 7, 1), [{"account": "102", "debit_fen": 200000},
                         {"account": "114002", "credit_fen": 200000, "member": li}]),
    ):  # fmt: skip
        post_voucher(
            maker=personas.cadre_a, checker=personas.secretary_a, book=closed.book, date=day,
            summary="成员往来", lines=lines,
        )  # fmt: skip
    purchase = Voucher.objects.get(book=other.book, date=D(2025, 2, 10))
    reversal = voucher_reverse(user=personas.cadre_b, voucher=purchase, date=D(2026, 1, 15))
    voucher_check(user=personas.admin, voucher=reversal)
    voucher_post(user=personas.admin, voucher=reversal)
    assert balances_check().agree
    return closed.book, other.book


def _lines():
    return list(
        VoucherLine.objects.filter(voucher__status=VoucherStatus.POSTED).values_list(
            "account_id",
            "account__chart_account_id",
            "member_id",
            "voucher__date",
            "voucher__source",
            "debit_fen",
            "credit_fen",
        )
    )


def _expected(lines, key_of, period):
    """Per key: (opening, debit, credit, close debit, close credit) and (open +, open −, close +, close −), line
    by line; a member is (key, member), the lines naming no member one more member per key."""
    first, last = period
    movement = defaultdict(lambda: [0, 0, 0, 0, 0])
    balances = defaultdict(lambda: [0, 0])  # (key, member): [at opening, at closing]
    for line in lines:
        key, member, day, source, debit, credit = key_of(line), line[2], line[3], line[4], line[5], line[6]
        if day > last:
            continue
        m = movement[key]
        b = balances[(key, member)]
        if day < first:
            m[0] += debit - credit
            b[0] += debit - credit
        else:
            m[1] += debit
            m[2] += credit
            if source.startswith(YEAR_CLOSE_SOURCE):
                m[3] += debit
                m[4] += credit
        b[1] += debit - credit
    sides = defaultdict(lambda: [0, 0, 0, 0])
    for (key, _member), (opening, closing) in balances.items():
        s = sides[key]
        s[0 if opening > 0 else 1] += opening
        s[2 if closing > 0 else 3] += closing
    return dict(movement), {k: tuple(v) for k, v in sides.items()}


def test_each_books_sums_and_sides_equal_the_lines_summed_one_by_one(two_books, periods, reading):
    lines = _lines()
    codes = dict(BookAccount.objects.values_list("pk", "code"))
    book_of = dict(BookAccount.objects.values_list("pk", "book_id"))
    data = statement_data_of_books(periods=periods, region_code=TOWNSHIP)
    assert set(data) == {b.pk for b in two_books}
    for i, period in enumerate(periods):
        movement, sides = _expected(lines, lambda line: line[0], period)
        for account_id, expected in movement.items():
            ours = data[book_of[account_id]][i]
            code = codes[account_id]
            m = ours.movements[code]
            assert (m.opening, m.debit, m.credit, m.close_debit, m.close_credit) == tuple(expected), (
                period,
                code,
            )
            assert tuple(ours.sides[code]) == sides[account_id], (period, code)
        shown = sum(len(data[b.pk][i].movements) for b in two_books)
        assert shown == len(movement)


def test_the_roll_up_sums_per_chart_account_and_nets_each_member_across_its_accounts(
    two_books, periods, reading
):
    lines = _lines()
    chart = chart_in_force("farmers_cooperative", D(2025, 12, 31))
    chart_codes = dict(ChartAccount.objects.filter(chart=chart).values_list("pk", "code"))
    data = statement_data_of_regions(region_code=TOWNSHIP, charts=[chart], entity="t", periods=periods)[
        chart.pk
    ]
    for i, period in enumerate(periods):
        movement, sides = _expected(
            [ln for ln in lines if ln[1] in chart_codes], lambda line: line[1], period
        )
        assert {chart_codes[k] for k in movement} == set(data[i].movements)
        for ca, expected in movement.items():
            code = chart_codes[ca]
            m = data[i].movements[code]
            assert (m.opening, m.debit, m.credit, m.close_debit, m.close_credit) == tuple(expected), (
                period,
                code,
            )
            assert tuple(data[i].sides[code]) == sides[ca], (period, code)


def test_whole_years_are_read_from_the_kept_balances_and_ragged_ends_from_the_lines(two_books, monkeypatch):
    """A kept row of 2025 moved by 1 fen (as a kept balance out of step would be) shows in the year 2025 and in
    what opens 2026 (2025 lies whole before the first quarter of 2026), and not in a span within 2025, which reads
    the year's lines (a cut falls inside 2025)."""
    from tongzhou.ledger.models import AccountBalance

    monkeypatch.setattr(selectors, "KEPT_READS", True)
    closed, _other = two_books
    bank = BookAccount.objects.get(book=closed, code="102")
    years = [(D(2025, 1, 1), D(2025, 12, 31)), (D(2026, 1, 1), D(2026, 3, 31))]
    span = [(D(2025, 2, 10), D(2025, 8, 20))]
    before = statement_data_of_books(periods=years + span, books=[closed])[closed.pk]
    AccountBalance.objects.filter(account=bank, year=2025, year_close=False).update(
        debit_fen=models.F("debit_fen") + 1
    )
    after = statement_data_of_books(periods=years, books=[closed])[closed.pk]
    assert after[0].movements["102"].debit == before[0].movements["102"].debit + 1
    assert after[1].movements["102"].opening == before[1].movements["102"].opening + 1
    within = statement_data_of_books(periods=span, books=[closed])[closed.pk]
    assert within[0].movements["102"] == before[2].movements["102"]
    assert not balances_check().agree
