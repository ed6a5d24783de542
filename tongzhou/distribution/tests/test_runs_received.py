"""What a body receives from the body above is booked in its own books (services/received.py): posting a union's run
books Dr 应收款 / Cr 投资收益 in each member village cooperative's book, paying it books the receipt, reversing it
reverses both sides, a closed month of a receiver refuses the whole post, the region's batch books exactly what posting
run by run books, and a receiver's draft computed before the post sees its books' surplus move.

The county of `test_cascade_db.build_county` (2025, fen): the union 阳头镇联合社 has 本年盈余 ¥50,000 (income 80,000 −
costs 30,000), 10% reserve, 60% by transactions, the rest by capital; its members are 白马村合作社 (sales ¥300,000,
capital ¥200,000) and 青山村合作社 (sales ¥100,000, capital ¥200,000). So:
- reserve 500,000; distributable 4,500,000; patronage 2,700,000 split 3 : 1 → 白马 2,025,000, 青山 675,000;
- the reserve is quantified to the members by transactions (Art. 42): 白马 375,000, 青山 125,000;
- remainder 1,800,000 split by capital + reserve share, 20,375,000 : 20,125,000 → 白马 905,556, 青山 894,444;
- 白马 receives 2,930,556 (¥29,305.56), 青山 1,569,444 (¥15,694.44).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import Client

from tongzhou.api.tests.calling import Caller
from tongzhou.core.errors import InvalidInput
from tongzhou.core.testing import TOWNSHIP
from tongzhou.distribution.models import DistributionRun, RunStatus
from tongzhou.distribution.services import (
    run_approve,
    run_compute,
    run_pay,
    run_post,
    run_publish,
    run_reverse,
    runs_pay_batch,
    runs_post_batch,
    surplus_in_books_now,
)
from tongzhou.distribution.services.cascade import RECEIVED_SOURCE, county_chain, member_key
from tongzhou.ledger.models import Book, Voucher, VoucherLine
from tongzhou.ledger.services import period_close

from .runs_builders import YEAR, counts, run_state
from .test_cascade_db import build_county
from .test_distribute_command import distribute

pytestmark = pytest.mark.django_db

POST_ON = dt.date(YEAR, 12, 31)
PAY_ON = dt.date(YEAR + 1, 1, 10)
UNION = "阳头镇联合社"


def approved_run(user, body, *, conversion_bp: int = 0, surplus_fen: int | None = None) -> DistributionRun:
    """A run published 1 December, approved by the assembly on 20 December (after the 15 days of Art. 40)."""
    run = run_compute(user=user, body=body, year=YEAR, conversion_bp=conversion_bp, surplus_fen=surplus_fen)
    run = run_publish(user=user, run=run, on=dt.date(YEAR, 12, 1))
    return run_approve(
        user=user,
        run=run,
        assembly_on=dt.date(YEAR, 12, 20),
        votes_for=2,
        votes_against=0,
        members_entitled=2,
    )


def received_lines(body, run: DistributionRun, *, payment: bool = False) -> list[tuple]:
    """(account, debit, credit, counterparty) of what `run` booked in `body`'s book, by line."""
    source = f"{RECEIVED_SOURCE}:{YEAR}:{run.body_id}:{run.pk}{':pay' if payment else ''}"
    return list(
        VoucherLine.objects.filter(book__cooperative=body, voucher__source=source)
        .order_by("voucher_id", "line_no")
        .values_list("account__code", "debit_fen", "credit_fen", "counterparty")
    )


def balance(body, code: str) -> int:
    """Debits less credits of an account in the body's book, every posted voucher."""
    totals = VoucherLine.objects.filter(
        book__cooperative=body, account__code__startswith=code, voucher__status="posted"
    ).aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    return (totals["d"] or 0) - (totals["c"] or 0)


def test_posting_a_unions_run_books_receivable_and_investment_income_in_each_member_cooperatives_book(
    personas,
):
    c = build_county(personas)
    run = run_post(user=personas.township, run=approved_run(personas.township, c.union), on=POST_ON)

    # 白马村合作社: Dr 113 应收款 (the union) 29,305.56 / Cr 511 投资收益 29,305.56; 青山村合作社: 15,694.44.
    assert received_lines(c.coop_a, run) == [("113", 2_930_556, 0, UNION), ("511", 0, 2_930_556, "")]
    assert received_lines(c.coop_b, run) == [("113", 1_569_444, 0, UNION), ("511", 0, 1_569_444, "")]
    # The union's own voucher pays the same amounts to the two members' payables.
    assert run.vouchers.count() == 1
    received = list(run.receiver_vouchers.order_by("book__cooperative_id"))
    assert [v.book.cooperative_id for v in received] == [c.coop_a.pk, c.coop_b.pk]
    assert all(v.date == POST_ON and v.status == "posted" and v.number for v in received)
    # The receivers' 本年盈余 now includes what the union gives them; the cascade still leaves it out of their own.
    assert balance(c.coop_a, "511") == -2_930_556
    chain = county_chain(
        county_code=c.platform.county_code, year=YEAR, surplus_fen={c.platform.pk: 10_000_000}
    )
    assert chain.inputs[member_key(c.m["a@union"].pk)].surplus_fen == 10_000_000


def test_what_the_assembly_converts_into_capital_becomes_the_receivers_investment_not_a_receivable(personas):
    c = build_county(personas)
    # 20% of each member's amount converted: 白马 586,111 of 2,930,556, 青山 313,889 of 1,569,444.
    run = run_post(
        user=personas.township, run=approved_run(personas.township, c.union, conversion_bp=2000), on=POST_ON
    )
    assert received_lines(c.coop_a, run) == [
        ("113", 2_344_445, 0, UNION),
        ("131", 586_111, 0, ""),
        ("511", 0, 2_930_556, ""),
    ]
    assert received_lines(c.coop_b, run) == [
        ("113", 1_255_555, 0, UNION),
        ("131", 313_889, 0, ""),
        ("511", 0, 1_569_444, ""),
    ]


def test_paying_the_run_books_the_receipt_and_settles_the_receivable(personas):
    c = build_county(personas)
    run = run_post(user=personas.township, run=approved_run(personas.township, c.union), on=POST_ON)
    run_pay(user=personas.township, run=run, on=PAY_ON)

    assert received_lines(c.coop_a, run, payment=True) == [
        ("102", 2_930_556, 0, ""),
        ("113", 0, 2_930_556, UNION),
    ]
    assert received_lines(c.coop_b, run, payment=True) == [
        ("102", 1_569_444, 0, ""),
        ("113", 0, 1_569_444, UNION),
    ]
    assert balance(c.coop_a, "113") == 0 and balance(c.coop_b, "113") == 0
    receipts = run.receiver_vouchers.filter(source__endswith=":pay")
    assert receipts.count() == 2 and set(receipts.values_list("date", flat=True)) == {PAY_ON}


def test_a_partial_payment_books_only_what_was_paid(personas):
    c = build_county(personas)
    run = run_post(user=personas.township, run=approved_run(personas.township, c.union), on=POST_ON)
    run_pay(
        user=personas.township,
        run=run,
        on=PAY_ON,
        payments=[{"member": c.m["a@union"], "amount_fen": 1_000_000}],
    )
    assert received_lines(c.coop_a, run, payment=True) == [
        ("102", 1_000_000, 0, ""),
        ("113", 0, 1_000_000, UNION),
    ]
    assert received_lines(c.coop_b, run, payment=True) == []
    assert balance(c.coop_a, "113") == 1_930_556


def test_reversing_the_run_reverses_both_sides_in_red_ink(personas):
    c = build_county(personas)
    run = run_post(user=personas.township, run=approved_run(personas.township, c.union), on=POST_ON)
    reversing = run_reverse(user=personas.township, run=run, on=dt.date(YEAR + 1, 1, 5))

    assert reversing.vouchers.count() == 1 and reversing.receiver_vouchers.count() == 2
    for body, amount in ((c.coop_a, 2_930_556), (c.coop_b, 1_569_444)):
        (red,) = reversing.receiver_vouchers.filter(book__cooperative=body)
        assert red.source.startswith(RECEIVED_SOURCE) and red.source.endswith(":r")
        assert red.reverses.source == f"{RECEIVED_SOURCE}:{YEAR}:{c.union.pk}:{run.pk}"
        assert sorted(red.lines.values_list("account__code", "debit_fen", "credit_fen")) == [
            ("113", -amount, 0),
            ("511", 0, -amount),
        ]
        assert balance(body, "113") == 0
    # The cascade leaves the red ink out of the receivers' own surplus too.
    chain = county_chain(county_code=c.platform.county_code, year=YEAR, surplus_fen={c.platform.pk: 0})
    assert chain.inputs[member_key(c.m["a@union"].pk)].surplus_fen == 10_000_000


def test_a_closed_month_in_a_receivers_book_refuses_the_post_and_nothing_changes(personas):
    c = build_county(personas)
    run = approved_run(personas.township, c.union)
    book_b = Book.objects.get(cooperative=c.coop_b)
    for month in range(1, 13):
        period_close(user=personas.admin, book=book_b, year=YEAR, month=month)
    before, state = counts(), run_state(run)

    with pytest.raises(InvalidInput) as caught:
        run_post(user=personas.township, run=run, on=POST_ON)
    assert caught.value.code == "period_closed"
    assert "青山村合作社" in caught.value.message_zh and "青山村合作社" in caught.value.message_en
    assert caught.value.details["receiver"] == c.coop_b.pk
    assert counts() == before and run_state(run) == state
    # In January, an open month, it posts.
    run_post(user=personas.township, run=run, on=dt.date(YEAR + 1, 1, 2))
    assert received_lines(c.coop_b, run)[0] == ("113", 1_569_444, 0, UNION)


def test_the_platform_company_keeps_no_book_but_the_union_books_what_it_receives(personas):
    c = build_county(personas)
    # The platform's surplus ¥100,000 given: reserve 10,000.00, all of the 90,000.00 left to its one member.
    run = run_post(
        user=personas.county,
        run=approved_run(personas.county, c.platform, surplus_fen=10_000_000),
        on=POST_ON,
    )
    assert run.vouchers.count() == 0
    assert received_lines(c.union, run) == [
        ("113", 9_000_000, 0, "七星关区农业发展投资有限公司"),
        ("511", 0, 9_000_000, ""),
    ]


def test_a_receivers_draft_computed_before_the_post_reports_the_new_surplus_after_it(personas):
    c = build_county(personas)
    draft = run_compute(user=personas.township, body=c.coop_a, year=YEAR)
    assert draft.inputs["surplus_fen"] == 10_000_000
    assert surplus_in_books_now(user=personas.township, run=draft) is None
    run_post(user=personas.township, run=approved_run(personas.township, c.union), on=POST_ON)
    # 100,000.00 of its own + 29,305.56 from the union.
    assert surplus_in_books_now(user=personas.township, run=draft) == 12_930_556


class _Rollback(Exception):
    pass


def snapshot() -> dict:
    """The vouchers the post and pay write in every book, by book and number, with their lines; the runs' links."""
    vouchers = sorted(
        Voucher.objects.values_list(
            "book_id", "date", "number", "status", "summary", "source", "reverses__number"
        )
    )
    lines = sorted(
        VoucherLine.objects.values_list(
            "voucher__book_id", "voucher__number", "line_no", "account__code", "debit_fen", "credit_fen",
            "member_id", "counterparty", "summary",
        )
    )  # fmt: skip
    links = sorted(
        DistributionRun.receiver_vouchers.through.objects.values_list(
            "distributionrun_id", "voucher__book_id", "voucher__number", "voucher__source"
        )
    )
    runs = sorted(DistributionRun.objects.values_list("pk", "status", "posted_on"))
    return {"vouchers": vouchers, "lines": lines, "links": links, "runs": runs}


def test_the_batch_books_the_receivers_exactly_as_posting_and_paying_run_by_run(personas):
    c = build_county(personas)
    user = personas.township
    # The union's run first, then 白马村合作社's: 白马's book takes what the union gives it, then its own voucher (a
    # batch that posted every payer's vouchers before the receivers' would number them the other way); the
    # collective receives its 25% of 白马's remainder.
    runs = [approved_run(user, body) for body in (c.union, c.coop_a, c.coop_b, c.collective)]
    one_by_one = None
    try:
        with transaction.atomic():
            for run in runs:
                run_post(user=user, run=run, on=POST_ON)
            for run in runs:
                run = DistributionRun.objects.get(pk=run.pk)
                if run.lines.filter(cash_fen__gt=0).exists():
                    run_pay(user=user, run=run, on=PAY_ON)
            one_by_one = snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert not Voucher.objects.filter(source__startswith=RECEIVED_SOURCE).exists()

    posted = runs_post_batch(user=user, region_code=TOWNSHIP, year=YEAR, on=POST_ON)
    paid = runs_pay_batch(user=user, region_code=TOWNSHIP, year=YEAR, on=PAY_ON)
    batch = snapshot()
    for key in one_by_one:
        assert batch[key] == one_by_one[key], key
    # The union gives 白马 and 青山, 白马 its collective: three receivers, booked on posting and on payment.
    assert posted.receiver_vouchers == 3 and paid.receiver_vouchers == 3
    # 白马's December: what the union gives it first (the union's run has the lower id), then its own voucher.
    sources = list(
        Voucher.objects.filter(book__cooperative=c.coop_a, date=POST_ON)
        .order_by("number")
        .values_list("source")
    )
    assert [s[0].rsplit(":", 1)[0] for s in sources] == [
        f"{RECEIVED_SOURCE}:{YEAR}:{c.union.pk}",
        f"distribution.Run:{runs[1].pk}",
    ]


def test_a_closed_month_in_a_receivers_book_refuses_the_whole_batch_naming_the_run_and_the_receiver(personas):
    c = build_county(personas)
    user = personas.township
    runs = [approved_run(user, body) for body in (c.coop_a, c.union)]
    book_b = Book.objects.get(cooperative=c.coop_b)  # 青山村合作社 has no run here: it only receives
    for month in range(1, 13):
        period_close(user=personas.admin, book=book_b, year=YEAR, month=month)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        runs_post_batch(user=user, region_code=TOWNSHIP, year=YEAR, on=POST_ON)
    assert caught.value.code == "period_closed"
    assert caught.value.details["run"] == runs[1].pk and caught.value.details["receiver"] == c.coop_b.pk
    assert UNION in caught.value.message_zh and "青山村合作社" in caught.value.message_zh
    assert counts() == before
    assert DistributionRun.objects.filter(status=RunStatus.APPROVED).count() == 2


def test_the_run_page_the_api_and_show_list_the_receivers_vouchers(personas):
    c = build_county(personas)
    run = run_post(user=personas.township, run=approved_run(personas.township, c.union), on=POST_ON)
    run_pay(user=personas.township, run=run, on=PAY_ON)
    numbers = dict(run.receiver_vouchers.filter(book__cooperative=c.coop_a).values_list("source", "number"))

    detail = Caller(personas.township).get(f"/distribution-runs/{run.pk}").json()
    shown = [
        (v["body_name"], v["date"], v["number"], v["amount"], v["amount_fen"])
        for v in detail["receiver_vouchers"]
    ]
    assert shown == [
        (
            "白马村合作社",
            "2025-12-31",
            numbers[f"{RECEIVED_SOURCE}:{YEAR}:{c.union.pk}:{run.pk}"],
            "29305.56",
            2_930_556,
        ),
        (
            "白马村合作社",
            "2026-01-10",
            numbers[f"{RECEIVED_SOURCE}:{YEAR}:{c.union.pk}:{run.pk}:pay"],
            "29305.56",
            2_930_556,
        ),
        ("青山村合作社", "2025-12-31", shown[2][2], "15694.44", 1_569_444),
        ("青山村合作社", "2026-01-10", shown[3][2], "15694.44", 1_569_444),
    ]

    client = Client()
    client.force_login(personas.township)
    html = client.get(f"/coops/{c.union.pk}/distribution/{YEAR}/", {"run": run.pk}).content.decode()
    assert "成员组织账上的凭证" in html and "青山村合作社" in html and "29,305.56" in html

    out = distribute("--run", run.pk, "--show", user=personas.township)
    assert "白马村合作社 账上：2025-12-31" in out and "29,305.56 元" in out
