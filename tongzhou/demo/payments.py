"""The demo pays its 2025 distribution in January 2026: every posted run with cash due is paid in full, as
`distribution.services.payments.run_pay(payments=None)` would leave it, written in bulk.

It runs after `distribution.demo_distribution_build`. Per county, in one transaction:
- the day: each township's bodies (its union, its village cooperatives and collectives) pay on a seeded day from 10
  to 25 January 2026, the county's platform company on a seeded day from 5 to 9 January (it pays the unions first);
- per run, a payment (银行转账) of every line's outstanding cash (cash − paid), in the order of the lines' keys; each
  settles the patronage return first (应付盈余返还, what is still due of it) and the rest from the remainder share
  (应付剩余盈余; a collective's 内部往来), as `run_pay` splits it. A line between bodies (a village cooperative's
  share to its collective, a union's to its village cooperatives, the platform's to the unions) is paid like any
  other: `run_pay` pays every line;
- per run of a body with a book, the payment voucher `run_pay` posts: one voucher (`run_pay` does not split it by
  members) with a debit per member and part (the member's line of 221 / 222, a collective's 113) and 银行存款 credited
  with the total, summary 发放<year>年度盈余分配 (收益分配), source `distribution.Run:<id>:pay`, numbered on after
  the month's last voucher; the January 2026 period is opened as `lock_period` opens it. The platform keeps no
  books here: its payments have no voucher;
- per member body with a book that was paid (a union by the platform, a village cooperative by its union, a
  collective by its cooperative), the receipt `run_pay` books in its own books (`distribution.services.received`:
  Dr 银行存款 / Cr 应收款, the payer as counterparty, dated the payer's day, source `RECEIVED_SOURCE…:pay`, linked
  to the paying run), so its 31 December receivable is settled; the platform's payments come first in the month;
- an income line per part paid to a household (按交易量返还 `patronage_return`, 分红 `dividend`), of the run's year,
  dated the payment, with the household's village and county;
- the lines' `paid_fen`, and the runs' status `paid`.

A run with nothing due would stay posted, as `run_pay` refuses it (`nothing_due`); the demo's collectives, with
their membership roll, pay their households (分红). The demo reset deletes the income lines and payments before the
lines and runs (`distribution.demo_distribution_reset`). A run's lines are read one run at a time and the vouchers,
payments and income lines written in batches (≈ 50,000 lines), so a county's are never held together.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from tongzhou.coops.models import Cooperative, Level, Member
from tongzhou.distribution.models import (
    DistributionLine,
    DistributionRun,
    HouseholdIncome,
    IncomeKind,
    Payment,
    PaymentMethod,
    RunStatus,
)
from tongzhou.distribution.services.common import ACCOUNTS, COLLECTIVE, COOPERATIVE
from tongzhou.distribution.services.received import payment_operations, receiver_books
from tongzhou.households.models import Household
from tongzhou.ledger.domain.auto import AutoLine, keeps_books
from tongzhou.ledger.models import Book
from tongzhou.ledger.services.auto import AutoOperation

from .books import MAKER
from .coops import YEAR, _Writer
from .distribution import LINES_PER_BATCH, _VoucherWriter, link_vouchers

PAY_YEAR, PAY_MONTH = YEAR + 1, 1
TOWNSHIP_DAYS = (10, 25)  # a township's bodies pay on one day of these (January)
PLATFORM_DAYS = (5, 9)  # the county's platform pays the unions first
PAYMENT_TABLE = Payment._meta.db_table
PAYMENT_COLUMNS = (
    "id", "run_id", "line_id", "on", "amount_fen", "return_fen", "share_fen", "method", "reference", "paid_by_id",
    "voucher_id", "region_code", "county_code", "created_at",
)  # fmt: skip
INCOME_COLUMNS = (
    "household_id", "year", "kind", "amount_fen", "on", "body_id", "run_id", "payment_id", "village_code",
    "county_code", "created_at",
)  # fmt: skip


@dataclass
class PaymentDemoResult:
    runs: int = 0  # runs paid
    nothing_due: int = 0  # posted runs with nothing to pay (left posted, as run_pay leaves them)
    payments: int = 0
    total_fen: int = 0
    to_households_fen: int = 0
    income_lines: int = 0
    vouchers: int = 0  # the payers' payment vouchers and the receivers' receipts
    voucher_lines: int = 0
    receipts: int = 0  # of the vouchers, the receipts in the receiving bodies' books


def pay_day(seed: int, county: str, body: Cooperative) -> dt.date:
    """The day a body pays: its township's seeded day, or the county platform's."""
    if body.level == Level.COUNTY:
        rng = random.Random(f"tongzhou-demo-payments:{seed}:{county}")
        return dt.date(PAY_YEAR, PAY_MONTH, rng.randint(*PLATFORM_DAYS))
    township = body.region_code[:9]
    rng = random.Random(f"tongzhou-demo-payments:{seed}:{township}")
    return dt.date(PAY_YEAR, PAY_MONTH, rng.randint(*TOWNSHIP_DAYS))


def demo_payments_build(*, seed: int = 2026) -> PaymentDemoResult:
    """Pay every posted run of the demo year in full (see the module docstring), county by county, one transaction
    each. Expects the posted runs of `demo_distribution_build`."""
    result = PaymentDemoResult()
    writer = _Writer()
    paid_by = get_user_model().objects.filter(username=MAKER).values_list("pk", flat=True).first()
    counties = sorted(
        set(
            DistributionRun.objects.filter(year=YEAR, status=RunStatus.POSTED).values_list(
                "county_code", flat=True
            )
        )
    )
    for county in counties:
        with transaction.atomic():
            _county(county, seed, writer, result, paid_by)
    return result


def _due_lines(run_id: int) -> list[tuple]:
    """A run's lines as run_pay reads them: by key, each with its outstanding cash (the demo's runs have no payment
    yet)."""
    return list(
        DistributionLine.objects.filter(run_id=run_id, paid_fen__lt=F("cash_fen"))
        .order_by("key")
        .values_list("pk", "member_id", "household_id", "cash_fen", "paid_fen", "payable_return_fen")
    )


def _parts(due: list[tuple], paid_return: dict[int, int]) -> Iterator[tuple[tuple, int, int]]:
    """(line, to the return, to the share) for each line due, as `run_pay` splits the payment: the patronage return
    first, what is still due of it."""
    for line in due:
        amount = line[3] - line[4]
        to_return = min(amount, line[5] - paid_return.get(line[0], 0))
        yield line, to_return, amount - to_return


def _county(county: str, seed: int, writer: _Writer, result: PaymentDemoResult, paid_by: int | None) -> None:
    """What each run pays and to which member bodies (summed in the database); then two passes reading one run's
    lines at a time (a county's collectives pay every household: its lines, payments and voucher lines are not held
    at once): the vouchers, in the order the bodies pay; the payments and income lines, in the runs' order."""
    runs = list(
        DistributionRun.objects.filter(
            county_code=county, year=YEAR, status=RunStatus.POSTED, reverses__isnull=True
        )
        .select_related("body")
        .defer("inputs", "steps")
        .order_by("pk")
    )
    books = {b.cooperative_id: b for b in Book.objects.filter(cooperative_id__in=[r.body_id for r in runs])}
    paid_return = dict(
        Payment.objects.filter(run__in=runs)
        .order_by()
        .values_list("line_id")
        .annotate(total=Sum("return_fen"))
    )
    member_body = dict(
        Member.objects.filter(
            cooperative_id__in=[run.body_id for run in runs], member_cooperative__isnull=False
        ).values_list("pk", "member_cooperative_id")
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {PAYMENT_TABLE}")
        next_id = cursor.fetchone()[0] + 1

    # What each run pays: (run, day, its first payment id, whether it books a payment voucher); what each member
    # body is paid by it (each line due is paid its outstanding cash), summed in the database.
    due = Q(run__in=runs, paid_fen__lt=F("cash_fen"))
    due_count = dict(
        DistributionLine.objects.filter(due).order_by().values_list("run_id").annotate(n=Count("pk"))
    )
    to_bodies: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for run_id, member_id, amount in (
        DistributionLine.objects.filter(due, member_id__in=list(member_body))
        .order_by()
        .values_list("run_id", "member_id")
        .annotate(amount=Sum(F("cash_fen") - F("paid_fen")))
    ):
        to_bodies[run_id][member_body[member_id]] += int(amount)  # a numeric on PostgreSQL
    planned: list[tuple[DistributionRun, dt.date, int, bool]] = []
    paid_to: dict[int, dict[int, int]] = {}
    for run in runs:
        if not due_count.get(run.pk):
            result.nothing_due += 1  # run_pay: 本分配方案没有待发放的金额 (nothing_due)
            continue
        book = books.get(run.body_id)
        if keeps_books(run.body.legal_form) and book is None:
            result.nothing_due += 1  # run_pay refuses a body that keeps books but has none (no_book)
            continue
        paid_to[run.pk] = dict(to_bodies.get(run.pk, {}))
        # the platform keeps no books here: its payments have no voucher
        planned.append((run, pay_day(seed, county, run.body), next_id, book is not None))
        next_id += due_count[run.pk]
    if not planned:
        return

    # The vouchers: the payer's (`run_pay`'s: a debit per member and part, 银行存款 credited with the total) and the
    # receipts each member body with a book books (services/received.py: Dr 银行存款 / Cr 应收款), in the order the
    # bodies pay (day, run id, payer 0 / receiver 1: the platform first), as `run_pay` called day by day, run by run,
    # numbers them; written a batch at a time.
    receiving = receiver_books(b for amounts in paid_to.values() for b in amounts)
    received_sources: dict[str, DistributionRun] = {}
    order: list[tuple[tuple, Book, AutoOperation | None]] = []
    for run, day, _first, has_voucher in planned:
        if has_voucher:
            order.append(((day, run.pk, 0), books[run.body_id], None))
        for body_id, op in payment_operations(run, day, paid_to[run.pk], receiving).items():
            order.append(((day, run.pk, 1), receiving[body_id], op))
            received_sources[op.source] = run
    runs_by_pk = {run.pk: run for run, *_r in planned}
    vouchers = _VoucherWriter(writer, result)
    voucher_of: dict[str, int] = {}
    pending = 0

    def flush() -> None:
        written = vouchers.write()
        voucher_of.update(written)
        link_vouchers(DistributionRun.receiver_vouchers, written, received_sources)
        result.receipts += sum(1 for source, _vid in written if source in received_sources)

    for (day, run_pk, _kind), book, op in sorted(order, key=lambda item: item[0]):
        if op is None:
            run = runs_by_pk[run_pk]
            accounts = ACCOUNTS[COLLECTIVE if run.is_collective else COOPERATIVE]
            debits = []
            for line, to_return, to_share in _parts(_due_lines(run_pk), paid_return):
                if to_return:
                    debits.append(AutoLine(accounts["return"], to_return, 0, member_id=line[1]))
                if to_share:
                    debits.append(AutoLine(accounts["share"], to_share, 0, member_id=line[1]))
            total = sum(d.debit_fen for d in debits)
            op = AutoOperation(
                on=day,
                summary=f"发放{run.year}年度{'收益' if run.is_collective else '盈余'}分配",
                lines=[*debits, AutoLine(accounts["bank"], 0, total)],
                source=f"distribution.Run:{run.pk}:pay",
            )
        vouchers.add_operation(book, op)
        pending += len(op.lines)
        if pending >= LINES_PER_BATCH:
            flush()
            pending = 0
    flush()

    # The county's households (a body's members are of its region): every one of them at county scale, where the
    # collectives pay all 314,000 — an IN list of their ids would pass SQLite's limit on variables.
    households = {
        pk: (village, household_county)
        for pk, village, household_county in Household.objects.filter(county_code=county).values_list(
            "pk", "village_code", "county_code"
        )
    }
    payments, incomes = [], []
    now = writer.now

    def write() -> None:
        writer.write(PAYMENT_TABLE, PAYMENT_COLUMNS, payments)
        writer.write(HouseholdIncome._meta.db_table, INCOME_COLUMNS, incomes)
        result.payments += len(payments)
        result.income_lines += len(incomes)
        payments.clear()
        incomes.clear()

    for run, day, pk, _has_voucher in planned:
        voucher_id = voucher_of.get(f"distribution.Run:{run.pk}:pay")
        for line, to_return, to_share in _parts(_due_lines(run.pk), paid_return):
            payments.append(
                (pk, run.pk, line[0], day.isoformat(), to_return + to_share, to_return, to_share,
                 PaymentMethod.BANK_TRANSFER.value, "", paid_by, voucher_id, run.region_code, run.county_code, now)
            )  # fmt: skip
            result.total_fen += to_return + to_share
            if line[2] is not None:  # a body: no household income
                village, household_county = households[line[2]]
                for kind, amount in (
                    (IncomeKind.PATRONAGE_RETURN, to_return),
                    (IncomeKind.DIVIDEND, to_share),
                ):
                    if amount:
                        incomes.append(
                            (line[2], run.year, kind.value, amount, day.isoformat(), run.body_id, run.pk, pk,
                             village, household_county, now)
                        )  # fmt: skip
                        result.to_households_fen += amount
            pk += 1
        if len(payments) >= LINES_PER_BATCH:
            write()
    write()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{PAYMENT_TABLE}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {PAYMENT_TABLE}))"
            )
    # Every line with cash due is paid in full; the runs are paid.
    paid_runs = [run.pk for run, *_r in planned]
    DistributionLine.objects.filter(run_id__in=paid_runs, paid_fen__lt=F("cash_fen")).update(
        paid_fen=F("cash_fen")
    )
    stamp = timezone.now()
    DistributionRun.objects.filter(pk__in=paid_runs).update(
        status=RunStatus.PAID, paid_at=stamp, updated_at=stamp
    )
    result.runs += len(planned)
