"""A region's runs posted, or paid, at once (issue 5, points 3 and 8): the township's agency (村账乡代管) keeps every
village body's books, and at year end its accountant posts every run the assemblies approved, then pays them.

    runs_post_batch(user=…, region_code=…, year=…, on=None)  → BatchResult   every approved run of the region
    runs_pay_batch(user=…, region_code=…, year=…, on=…)      → BatchResult   every posted run's cash due, in full

Each is one transaction and leaves the books, the runs, the payments and the households' income lines exactly as
`run_post` / `run_pay(payments=None)` would, called run by run in the order of the runs' ids — the same vouchers
(a book numbers its own vouchers, so one body's numbers do not depend on the others), lines, payments and income
lines. What the batch saves is the per-run round trips: the runs, their lines, the books, the payments so far and the
households are read once for the region, the rows written in bulk, and each body's vouchers go through one
`post_operation_vouchers` call (a voucher belongs to one book: one call per body, not per region).

The refusals are the single-run services': the user's write scope over the region, a closed month or year, a date
before the assembly or the year, a body without books, a run of the year already in the books, nothing to do. All or
nothing: the first refusal names the body and the run, and nothing changes.

Locks: the bodies' rows (by id), then the runs' (by id), the order `run_post` takes them in (body, then run), so a
batch and a single post of the same region wait for each other instead of deadlocking.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Sum
from django.utils import timezone

from tongzhou.accounts.models import AuditEvent
from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Cooperative
from tongzhou.core.bulk import append_rows
from tongzhou.core.errors import Conflict, TongzhouError
from tongzhou.households.models import Household
from tongzhou.ledger.domain.auto import AutoLine, keeps_books
from tongzhou.ledger.models import Book
from tongzhou.ledger.services.auto import AutoOperation, post_operation_vouchers
from tongzhou.ledger.services.periods import check_date_in_book
from tongzhou.regions.scope import code_prefix_q, require_write

from ..models import (
    BOOKED_STATUSES,
    DistributionLine,
    DistributionRun,
    HouseholdIncome,
    IncomeKind,
    Payment,
    PaymentMethod,
    RunStatus,
)
from .common import ACCOUNTS, COLLECTIVE, actor, check_date, field_error
from .lifecycle import _already_booked, _distribution_operations

BATCH_ROWS = 1000


@dataclass
class BatchResult:
    """What a batch did: the runs (in id order), how many vouchers and payments it wrote, the cash paid."""

    region_code: str
    year: int
    runs: list[DistributionRun] = field(default_factory=list)
    vouchers: int = 0
    payments: int = 0
    amount_fen: int = 0
    paid_runs: int = 0


def _check_region(region_code: object) -> str:
    code = "" if region_code is None else str(region_code).strip()
    if not (code.isdigit() and len(code) in (2, 4, 6, 9, 12)):
        raise field_error(
            "region_code",
            "地区代码须为 2、4、6、9 或 12 位数字。",
            "The region code must be 2, 4, 6, 9 or 12 digits.",
            "region_code_invalid",
            value=code,
        )
    return code


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise field_error("year", "年度不正确。", "The year is not valid.", "year_invalid", value=repr(year))
    return year


def _naming(exc: TongzhouError, run: DistributionRun) -> TongzhouError:
    """The refusal of one run, its message prefixed with the body and the run, its details naming both."""
    details = exc.details if isinstance(exc.details, dict) else {"error": exc.details}
    named = type(exc).__new__(type(exc))
    TongzhouError.__init__(
        named,
        f"{run.body.name}（分配方案 {run.pk}）：{exc.message_zh}",
        f"{run.body.name} (run {run.pk}): {exc.message_en}",
        code=exc.code,
        details={**details, "run": run.pk, "body": run.body_id, "body_name": run.body.name},
        http_status=exc.http_status,
    )
    return named


def _nothing(region_code: str, year: int, zh: str, en: str, code: str) -> Conflict:
    return Conflict(
        f"地区 {region_code} {year} 年度没有{zh}的分配方案。",
        f"Region {region_code} has no run of {year} {en}.",
        code=code,
        details={"region_code": region_code, "year": year},
    )


def _books(runs: list[DistributionRun]) -> dict[int, Book]:
    """Each body's book, read once for the region (a body keeps one)."""
    books: dict[int, Book] = {}
    for book in Book.objects.filter(cooperative_id__in={r.body_id for r in runs}).select_related(
        "cooperative", "chart"
    ):
        books.setdefault(book.cooperative_id, book)
    return books


def _book_checked(run: DistributionRun, books: dict[int, Book], on: dt.date) -> Book | None:
    """As `lifecycle.book_for_posting`, from the books read once."""
    if not keeps_books(run.body.legal_form):
        return None
    book = books.get(run.body_id)
    if book is None:
        raise Conflict(
            "该组织尚未建账，分配方案无法记账。",
            "The organisation has no books to post the distribution to.",
            code="no_book",
        )
    check_date_in_book(book, on, field="on")
    return book


def _audit_runs(user, action: str, runs: list[DistributionRun], details: dict[int, dict], via: str) -> None:
    """One audit record per run (what `run_post` / `run_pay` record, marked as the batch's), in one insert."""
    who = actor(user)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                user=who,
                action=action,
                object_type=DistributionRun.__name__,
                object_id=str(run.pk),
                region_code=run.region_code,
                via=via,
                details={**details[run.pk], "batch": True},
            )
            for run in runs
        ],
        batch_size=BATCH_ROWS,
    )


PAYMENT_COLUMNS = (
    "run_id", "line_id", "on", "amount_fen", "return_fen", "share_fen", "method", "reference", "paid_by_id",
    "voucher_id", "region_code", "county_code", "created_at",
)  # fmt: skip
INCOME_COLUMNS = (
    "household_id", "year", "kind", "amount_fen", "on", "body_id", "run_id", "payment_id", "village_code",
    "county_code", "created_at",
)  # fmt: skip


def _write_payments(payments: list[Payment], on: dt.date) -> None:
    """The payments, then an income line per part paid to a household, raw (`core.bulk.append_rows`): Django's
    bulk_create spent more compiling a township's INSERTs than the database spent on its rows. Each payment's id is
    read back by its line (the runs and lines are locked: the batch's payments are the ones above the runs' last)."""
    if not payments:
        return
    ops = connection.ops
    day, now = ops.adapt_datefield_value(on), ops.adapt_datetimefield_value(timezone.now())
    run_ids = sorted({p.run_id for p in payments})
    before = Payment.objects.filter(run_id__in=run_ids).aggregate(last=Max("pk"))["last"] or 0
    append_rows(
        Payment._meta.db_table,
        PAYMENT_COLUMNS,
        [
            (p.run_id, p.line_id, day, p.amount_fen, p.return_fen, p.share_fen, p.method, p.reference,
             p.paid_by_id, p.voucher.pk if p.voucher else None, p.region_code, p.county_code, now)
            for p in payments
        ],
    )  # fmt: skip
    ids = dict(Payment.objects.filter(run_id__in=run_ids, pk__gt=before).values_list("line_id", "pk"))
    codes = {
        pk: (village, county)
        for pk, village, county in Household.objects.filter(
            pk__in={p.line.household_id for p in payments if p.line.household_id}
        ).values_list("pk", "village_code", "county_code")
    }
    incomes = []
    for p in payments:
        p.pk = ids[p.line_id]
        household_id = p.line.household_id
        if household_id is None:
            continue
        village, county = codes[household_id]
        for kind, amount in ((IncomeKind.PATRONAGE_RETURN, p.return_fen), (IncomeKind.DIVIDEND, p.share_fen)):
            if amount:
                incomes.append(
                    (household_id, p.run.year, str(kind), amount, day, p.run.body_id, p.run_id, p.pk, village,
                     county, now)
                )  # fmt: skip
    append_rows(HouseholdIncome._meta.db_table, INCOME_COLUMNS, incomes)


@transaction.atomic
def runs_post_batch(
    *, user, region_code: str, year: int, on: dt.date | None = None, via: str = "web"
) -> BatchResult:
    """Post every approved, unreversed run of the year of the bodies in the region, as `run_post` posts one:
    dated `on` (each run's assembly date by default)."""
    region_code = _check_region(region_code)
    year = _check_year(year)
    require_write(user, region_code)
    if on is not None:
        on = check_date(on, "on")
    approved = DistributionRun.objects.filter(
        code_prefix_q("region_code", region_code), year=year, status=RunStatus.APPROVED, reverses__isnull=True
    )
    body_ids = sorted(set(approved.values_list("body_id", flat=True)))
    if not body_ids:
        raise _nothing(
            region_code,
            year,
            "待记账（已经成员大会通过）",
            "approved and waiting to be posted",
            "nothing_to_post",
        )
    # The bodies first, then the runs, each by id: the order run_post locks them in.
    bodies = {b.pk: b for b in Cooperative.objects.select_for_update().filter(pk__in=body_ids).order_by("pk")}
    runs = list(
        approved.filter(body_id__in=body_ids)
        .select_for_update(of=("self",))
        .select_related("body")
        .order_by("pk")
    )
    for run in runs:
        run.body = bodies[run.body_id]
    booked = dict(
        DistributionRun.objects.filter(
            body_id__in=body_ids, year=year, status__in=BOOKED_STATUSES, reverses__isnull=True
        ).values_list("body_id", "pk")
    )
    books = _books(runs)
    dates: dict[int, dt.date] = {}
    seen: set[int] = set()
    for run in runs:
        try:
            require_write(user, run.region_code)
            if (
                run.body_id in booked or run.body_id in seen
            ):  # posted earlier, or twice approved in this batch
                raise _already_booked(run)
            seen.add(run.body_id)
            run_on = check_date(on or run.assembly_on, "on")
            if run_on < run.assembly_on:
                raise field_error(
                    "on",
                    "记账日期不能早于成员大会通过分配方案的日期。",
                    "The posting date cannot be before the assembly approved the plan.",
                    "posted_before_approval",
                    value=run_on.isoformat(),
                )
            if run_on.year < run.year:
                raise field_error(
                    "on",
                    f"{run.year} 年度的分配不能记在 {run_on.year} 年。",
                    f"The distribution of {run.year} cannot be posted in {run_on.year}.",
                    "posted_before_year",
                    value=run_on.isoformat(),
                )
            _book_checked(run, books, run_on)
        except TongzhouError as exc:
            raise _naming(exc, run) from None
        dates[run.pk] = run_on
    # Every run's lines in one read, by run and key (the order _distribution_operations reads one run's in).
    lines: dict[int, list] = defaultdict(list)
    for run_id, *values in (
        DistributionLine.objects.filter(run_id__in=[r.pk for r in runs])
        .order_by("run_id", "key")
        .values_list(
            "run_id", "member_id", "payable_return_fen", "payable_share_fen", "converted_to_capital_fen"
        )
        .iterator(chunk_size=5000)
    ):
        lines[run_id].append(tuple(values))
    # One post_operation_vouchers call per body (its book), the runs' operations in id order.
    per_body: dict[int, list[tuple[DistributionRun, list[AutoOperation]]]] = defaultdict(list)
    for run in runs:
        if run.pk in dates and books.get(run.body_id) is not None and keeps_books(run.body.legal_form):
            per_body[run.body_id].append((run, _distribution_operations(run, dates[run.pk], lines[run.pk])))
    vouchers_of: dict[int, list] = defaultdict(list)
    for body_id, planned in per_body.items():
        try:
            posted = post_operation_vouchers(
                cooperative=bodies[body_id],
                user=user,
                operations=[op for _run, ops in planned for op in ops],
                via=via,
            )
        except TongzhouError as exc:
            raise _naming(exc, planned[0][0]) from None
        by_source = {v.source: v for v in posted}
        for run, ops in planned:
            vouchers_of[run.pk] = [by_source[op.source[:60]] for op in ops if op.source[:60] in by_source]
    now = timezone.now()
    who = actor(user)
    for run in runs:
        run.status = RunStatus.POSTED
        run.posted_on = dates[run.pk]
        run.posted_by = who
        run.posted_at = now
        run.updated_at = now
    try:
        with transaction.atomic():
            DistributionRun.objects.bulk_update(
                runs, ["status", "posted_on", "posted_by", "posted_at", "updated_at"], batch_size=BATCH_ROWS
            )
    except IntegrityError:
        raise _already_booked(runs[0]) from None
    through = DistributionRun.vouchers.through
    through.objects.bulk_create(
        [through(distributionrun_id=run.pk, voucher_id=v.pk) for run in runs for v in vouchers_of[run.pk]],
        batch_size=BATCH_ROWS,
    )
    _audit_runs(
        user,
        "distribution.run_post",
        runs,
        {
            r.pk: {"posted_on": dates[r.pk].isoformat(), "vouchers": [v.pk for v in vouchers_of[r.pk]]}
            for r in runs
        },
        via,
    )
    result = BatchResult(region_code, year, runs, vouchers=sum(len(v) for v in vouchers_of.values()))
    audit_record(
        user=user,
        action="distribution.runs_post_batch",
        region_code=region_code,
        via=via,
        details={"year": year, "runs": [r.pk for r in runs], "vouchers": result.vouchers},
    )
    return result


@transaction.atomic
def runs_pay_batch(
    *,
    user,
    region_code: str,
    year: int,
    on: dt.date,
    method: str = PaymentMethod.BANK_TRANSFER,
    reference: str = "",
    via: str = "web",
) -> BatchResult:
    """Pay every posted run of the year of the bodies in the region in full, as `run_pay(payments=None)` pays one:
    a payment per line with cash still due, each body's payment vouchers, the households' income lines; a run is
    `paid` once nothing is due. A posted run with nothing due is left as it is (not a refusal: `run_pay` refuses it
    alone, the batch skips it); a region with nothing due at all is refused."""
    region_code = _check_region(region_code)
    year = _check_year(year)
    require_write(user, region_code)
    on = check_date(on, "on")
    if method not in PaymentMethod.values:
        raise field_error(
            "method", "发放方式无效。", "Unknown payment method.", "method_invalid", value=method
        )
    runs = list(
        DistributionRun.objects.filter(
            code_prefix_q("region_code", region_code),
            year=year,
            status=RunStatus.POSTED,
            reverses__isnull=True,
        )
        .select_for_update(of=("self",))
        .select_related("body")
        .order_by("pk")
    )
    run_ids = [r.pk for r in runs]
    lines: dict[int, list[DistributionLine]] = defaultdict(list)
    for line in (
        DistributionLine.objects.select_for_update()
        .filter(run_id__in=run_ids)
        .order_by("run_id", "key")
        .iterator()
    ):
        lines[line.run_id].append(line)
    due = [r for r in runs if any(line.outstanding_fen > 0 for line in lines[r.pk])]
    if not due:
        raise _nothing(region_code, year, "待发放金额", "with cash due", "nothing_due")
    books = _books(due)
    for run in due:
        try:
            require_write(user, run.region_code)
            if on < run.posted_on:
                raise field_error(
                    "on",
                    "发放日期不能早于分配方案的记账日期。",
                    "A payment cannot be dated before the run was posted.",
                    "paid_before_post",
                    value=on.isoformat(),
                )
            _book_checked(run, books, on)
        except TongzhouError as exc:
            raise _naming(exc, run) from None
    paid_return: dict[int, int] = dict(
        Payment.objects.filter(run_id__in=[r.pk for r in due])
        .order_by()
        .values_list("line_id")
        .annotate(total=Sum("return_fen"))
    )
    who = actor(user)
    reference = str(reference)[:60]
    rows_of: dict[int, list[Payment]] = {}
    for run in due:
        rows = []
        for line in lines[run.pk]:
            amount = line.outstanding_fen
            if amount <= 0:
                continue
            # The patronage return is settled first (Art. 44), as run_pay settles it.
            to_return = min(amount, line.payable_return_fen - paid_return.get(line.pk, 0))
            rows.append(
                Payment(
                    run=run,
                    line=line,
                    on=on,
                    amount_fen=amount,
                    return_fen=to_return,
                    share_fen=amount - to_return,
                    method=method,
                    reference=reference,
                    paid_by=who,
                    region_code=run.region_code,
                    county_code=run.county_code,
                )
            )
            line.paid_fen += amount
        rows_of[run.pk] = rows
    # Each body's payment vouchers through one call (a voucher per run, as run_pay posts it).
    per_body: dict[int, list[tuple[DistributionRun, AutoOperation]]] = defaultdict(list)
    for run in due:
        if books.get(run.body_id) is None or not keeps_books(run.body.legal_form):
            continue
        accounts = ACCOUNTS[COLLECTIVE if run.is_collective else "farmers_cooperative"]
        debits = []
        for p in rows_of[run.pk]:
            if p.return_fen:
                debits.append(AutoLine(accounts["return"], p.return_fen, 0, member_id=p.line.member_id))
            if p.share_fen:
                debits.append(AutoLine(accounts["share"], p.share_fen, 0, member_id=p.line.member_id))
        total = sum(p.amount_fen for p in rows_of[run.pk])
        per_body[run.body_id].append(
            (
                run,
                AutoOperation(
                    on=on,
                    summary=f"发放{run.year}年度{'收益' if run.is_collective else '盈余'}分配",
                    lines=[*debits, AutoLine(accounts["bank"], 0, total)],
                    source=f"distribution.Run:{run.pk}:pay",
                ),
            )
        )
    voucher_of: dict[int, object] = {}
    for planned in per_body.values():
        try:
            posted = post_operation_vouchers(
                cooperative=planned[0][0].body, user=user, operations=[op for _r, op in planned], via=via
            )
        except TongzhouError as exc:
            raise _naming(exc, planned[0][0]) from None
        by_source = {v.source: v for v in posted}
        for run, op in planned:
            voucher_of[run.pk] = by_source.get(op.source[:60])
    payments = [p for run in due for p in rows_of[run.pk]]
    for p in payments:
        p.voucher = voucher_of.get(p.run_id)
    _write_payments(payments, on)
    # Every line with cash due is now paid in full (paid = cash), in one statement.
    DistributionLine.objects.filter(run_id__in=[r.pk for r in due], paid_fen__lt=F("cash_fen")).update(
        paid_fen=F("cash_fen")
    )
    still_due = set(
        DistributionLine.objects.filter(run_id__in=[r.pk for r in due], paid_fen__lt=F("cash_fen"))
        .values_list("run_id", flat=True)
        .distinct()
    )
    now = timezone.now()
    paid = [r for r in due if r.pk not in still_due]
    for run in paid:
        run.status = RunStatus.PAID
        run.paid_at = now
        run.updated_at = now
    DistributionRun.objects.bulk_update(paid, ["status", "paid_at", "updated_at"], batch_size=BATCH_ROWS)
    _audit_runs(
        user,
        "distribution.run_pay",
        due,
        {
            r.pk: {
                "on": on.isoformat(),
                "payments": len(rows_of[r.pk]),
                "amount_fen": sum(p.amount_fen for p in rows_of[r.pk]),
                "voucher": voucher_of[r.pk].pk if voucher_of.get(r.pk) else None,
                "status": r.status,
            }
            for r in due
        },
        via,
    )
    result = BatchResult(
        region_code,
        year,
        due,
        vouchers=sum(1 for v in voucher_of.values() if v is not None),
        payments=len(payments),
        amount_fen=sum(p.amount_fen for p in payments),
        paid_runs=len(paid),
    )
    audit_record(
        user=user,
        action="distribution.runs_pay_batch",
        region_code=region_code,
        via=via,
        details={
            "year": year,
            "on": on.isoformat(),
            "runs": [r.pk for r in due],
            "payments": result.payments,
            "amount_fen": result.amount_fen,
        },
    )
    return result


__all__ = ["BatchResult", "runs_pay_batch", "runs_post_batch"]
