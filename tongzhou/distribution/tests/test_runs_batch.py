"""A township's runs posted and paid at once (issue 5, points 3 and 8): the books, payments and income lines are
exactly what posting and paying each run alone leaves; every refusal names the body and run and changes nothing."""

import datetime as dt

import pytest
from django.db import transaction

from tongzhou.accounts.models import AuditEvent
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import TOWNSHIP, VILLAGE_A
from tongzhou.distribution.models import (
    DistributionLine,
    DistributionRun,
    HouseholdIncome,
    Payment,
    RunStatus,
)
from tongzhou.distribution.services import batch as batch_services
from tongzhou.distribution.services import run_pay, run_post, runs_pay_batch, runs_post_batch
from tongzhou.ledger.models import Book, Voucher, VoucherLine
from tongzhou.ledger.services import period_close

from .runs_builders import YEAR, build_collective_year, build_coop_year, counts
from .test_runs_refusals import approved

PAY_ON = dt.date(2026, 1, 25)


class _Rollback(Exception):
    pass


def township_runs(personas) -> list[DistributionRun]:
    """Three approved runs in the township: two cooperatives and a collective."""
    a = build_coop_year(personas, region_code=VILLAGE_A, number="0001")
    b = build_coop_year(personas, region_code=VILLAGE_A, number="0011")
    c = build_collective_year(personas)
    return [approved(personas.township, body.cooperative) for body in (a, b, c)]


def snapshot() -> dict:
    """Everything the post and pay write, without ids or timestamps: vouchers by book and number (with their lines),
    runs, payments and income lines by run and member."""
    vouchers = {
        (v.book_id, v.date, v.number): (v.status, v.summary, v.source, v.maker_id, v.checker_id, v.poster_id)
        for v in Voucher.objects.filter(source__startswith="distribution.Run:")
    }
    lines = sorted(
        VoucherLine.objects.filter(voucher__source__startswith="distribution.Run:").values_list(
            "voucher__book_id", "voucher__number", "line_no", "account__code", "summary", "debit_fen", "credit_fen",
            "member_id", "book_id", "region_code", "county_code",
        )
    )  # fmt: skip
    runs = sorted(
        DistributionRun.objects.values_list("pk", "status", "posted_on", "posted_by_id", "reverses_id")
    )
    run_vouchers = sorted(
        DistributionRun.vouchers.through.objects.values_list(
            "distributionrun_id", "voucher__number", "voucher__source"
        )
    )
    payments = sorted(
        Payment.objects.values_list(
            "run_id", "line__member_id", "on", "amount_fen", "return_fen", "share_fen", "method", "reference",
            "paid_by_id", "voucher__number", "voucher__source", "region_code", "county_code",
        )
    )  # fmt: skip
    income = sorted(
        HouseholdIncome.objects.values_list(
            "household_id", "year", "kind", "amount_fen", "on", "body_id", "run_id", "payment__line__member_id",
            "village_code", "county_code",
        )
    )  # fmt: skip
    paid = sorted(DistributionLine.objects.values_list("run_id", "member_id", "paid_fen", "cash_fen"))
    return {
        "vouchers": vouchers,
        "lines": lines,
        "runs": runs,
        "run_vouchers": run_vouchers,
        "payments": payments,
        "income": income,
        "paid": paid,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("chunk", [20_000, 1], ids=["in_one_chunk", "row_by_row"])
def test_the_batch_leaves_exactly_what_posting_and_paying_each_run_alone_leaves(personas, monkeypatch, chunk):
    monkeypatch.setattr(batch_services, "WRITE_CHUNK", chunk)  # a county's payments are written by chunks
    runs = township_runs(personas)
    user = personas.township
    one_by_one = None
    try:
        with transaction.atomic():
            for run in runs:
                run_post(user=user, run=run, on=dt.date(2026, 1, 20))
            for run in runs:
                run_pay(user=user, run=DistributionRun.objects.get(pk=run.pk), on=PAY_ON)
            one_by_one = snapshot()
            raise _Rollback
    except _Rollback:
        pass
    assert (
        Payment.objects.count() == 0
        and DistributionRun.objects.filter(status=RunStatus.APPROVED).count() == 3
    )

    posted = runs_post_batch(user=user, region_code=TOWNSHIP, year=YEAR, on=dt.date(2026, 1, 20), via="cli")
    assert [r.pk for r in posted.runs] == [r.pk for r in runs]
    assert posted.vouchers == 3
    paid = runs_pay_batch(user=user, region_code=TOWNSHIP, year=YEAR, on=PAY_ON, via="cli")
    assert (paid.payments, paid.paid_runs) == (6, 3)
    batch = snapshot()
    for key in one_by_one:
        assert batch[key] == one_by_one[key], key
    # Exact figures: the worked example pays Wang and Li of each cooperative, and the collective's two members.
    assert paid.amount_fen == sum(p[3] for p in one_by_one["payments"]) > 0
    assert all(status == RunStatus.PAID for _pk, status, *_rest in batch["runs"])
    assert sum(1 for v in batch["vouchers"].values() if v[2].endswith(":pay")) == 3
    # One audit record per run and step, and one per batch naming its runs.
    assert AuditEvent.objects.filter(action="distribution.run_post", details__batch=True).count() == 3
    event = AuditEvent.objects.get(action="distribution.runs_pay_batch")
    assert event.details["runs"] == [r.pk for r in runs] and event.region_code == TOWNSHIP


@pytest.mark.django_db
def test_the_batch_amounts_are_the_worked_examples(personas):
    township_runs(personas)
    runs_post_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR)
    paid = runs_pay_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR, on=PAY_ON)
    cash = sorted(DistributionLine.objects.values_list("paid_fen", flat=True))
    assert paid.amount_fen == sum(cash) == sum(DistributionLine.objects.values_list("cash_fen", flat=True))
    assert HouseholdIncome.objects.count() > 0
    assert sum(HouseholdIncome.objects.values_list("amount_fen", flat=True)) == paid.amount_fen


@pytest.mark.django_db
def test_a_closed_month_in_one_body_refuses_the_whole_batch_and_names_it(personas):
    runs = township_runs(personas)
    second = runs[1]
    book = Book.objects.get(cooperative=second.body)
    for month in range(1, 13):
        period_close(user=personas.cadre_a, book=book, year=YEAR, month=month)
    period_close(user=personas.cadre_a, book=book, year=2026, month=1)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        runs_post_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR, on=dt.date(2026, 1, 20))
    assert caught.value.code == "period_closed"
    assert caught.value.details["run"] == second.pk and second.body.name in caught.value.message_zh
    assert counts() == before
    assert DistributionRun.objects.filter(status=RunStatus.APPROVED).count() == 3


@pytest.mark.django_db
def test_refusals_change_nothing(personas):
    runs = township_runs(personas)
    before = counts()
    with pytest.raises(ScopeDenied):
        runs_post_batch(user=personas.cadre_a, region_code=TOWNSHIP, year=YEAR)
    with pytest.raises(InvalidInput) as caught:
        runs_post_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR, on=dt.date(2026, 1, 10))
    assert caught.value.code == "posted_before_approval" and caught.value.details["run"] == runs[0].pk
    with pytest.raises(InvalidInput) as caught:
        runs_post_batch(user=personas.township, region_code="52x", year=YEAR)
    assert caught.value.code == "region_code_invalid"
    with pytest.raises(Conflict) as caught:
        runs_pay_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR, on=PAY_ON)
    assert caught.value.code == "nothing_due"
    assert counts() == before
    # A run of the year already in the books (one body posted alone first): the batch refuses the second.
    run_post(user=personas.township, run=runs[0])
    second = approved(personas.township, runs[0].body)
    before = counts()
    with pytest.raises(Conflict) as caught:
        runs_post_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR)
    assert caught.value.code == "run_already_posted" and caught.value.details["run"] == second.pk
    assert counts() == before
    # Paying before the posting date is refused and names the run.
    DistributionRun.objects.filter(pk=second.pk).delete()
    runs_post_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR)
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        runs_pay_batch(user=personas.township, region_code=TOWNSHIP, year=YEAR, on=dt.date(2026, 1, 19))
    assert caught.value.code == "paid_before_post"
    assert counts() == before


@pytest.mark.django_db
def test_after_a_partial_payment_the_batch_pays_the_rest_as_run_pay_pays_it(personas):
    """Wang was paid ¥10,000 of the first cooperative's run and Li all of hers before the batch: the batch pays
    only Wang's rest, the patronage return first (¥40,500 less the ¥10,000 already settled, then the
    remainder share of ¥11,000), nothing to Li, and leaves what run_pay(payments=None) run by run leaves."""
    runs = township_runs(personas)
    user = personas.township
    runs_post_batch(user=user, region_code=TOWNSHIP, year=YEAR, on=dt.date(2026, 1, 20))
    first = DistributionRun.objects.get(pk=runs[0].pk)
    wang, li = (
        DistributionLine.objects.get(run=first, member__display_name__contains=n) for n in ("王", "李")
    )
    assert (wang.payable_return_fen, wang.payable_share_fen) == (4_050_000, 1_100_000)
    run_pay(
        user=user,
        run=first,
        on=PAY_ON,
        payments=[{"member": wang.member_id, "amount_fen": 1_000_000}, {"member": li.member_id}],
    )
    one_by_one = None
    try:
        with transaction.atomic():
            for run in runs:
                run_pay(user=user, run=DistributionRun.objects.get(pk=run.pk), on=dt.date(2026, 1, 26))
            one_by_one = snapshot()
            raise _Rollback
    except _Rollback:
        pass

    paid = runs_pay_batch(user=user, region_code=TOWNSHIP, year=YEAR, on=dt.date(2026, 1, 26))

    batch = snapshot()
    for key in one_by_one:
        assert batch[key] == one_by_one[key], key
    assert paid.payments == 5 and paid.paid_runs == 3
    rest = Payment.objects.filter(line=wang, on=dt.date(2026, 1, 26)).values_list(
        "amount_fen", "return_fen", "share_fen"
    )
    assert list(rest) == [(4_150_000, 3_050_000, 1_100_000)]
    assert not Payment.objects.filter(line=li, on=dt.date(2026, 1, 26)).exists()
