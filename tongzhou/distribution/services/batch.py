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
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q, Sum
from django.utils import timezone

from tongzhou.accounts.models import AuditEvent
from tongzhou.accounts.services import audit_record
from tongzhou.coops.domain.bylaws import bylaws_in_force
from tongzhou.coops.domain.shares import Holding, member_account
from tongzhou.coops.models import Bylaws, Cooperative, Member, MemberTransaction, ShareClass, ShareEntry
from tongzhou.coops.selectors.cooperatives import bylaws_terms
from tongzhou.coops.selectors.shares import ACCOUNT_STATUSES
from tongzhou.core.bulk import append_rows
from tongzhou.core.errors import Conflict, NotFound, TongzhouError
from tongzhou.ledger.domain.auto import keeps_books
from tongzhou.ledger.models import Book, VoucherLine, VoucherStatus
from tongzhou.ledger.services.auto import AutoOperation
from tongzhou.ledger.services.periods import check_date_in_book
from tongzhou.ledger.statements.read import statements_for_books
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
from . import received as received_mod
from .common import (
    COLLECTIVE,
    actor,
    check_date,
    check_year,
    field_error,
    given_surplus,
    standard_of,
    wrong_status,
)
from .compute import (
    RESULT_FIGURE,
    _coop_lines,
    _ledger_surplus,
    _steps_json,
    collective_sheet,
    cooperative_sheet,
    line_rows_write,
)
from .lifecycle import _already_booked, _distribution_operations
from .payments import pay_operation_of

BATCH_ROWS = 1000
# Bodies read and computed at a time by `runs_compute_batch` (a county's ≈ 950 in about ten chunks).
COMPUTE_CHUNK = 100
# Rows appended at a time by the pay batch (payments, income lines).
WRITE_CHUNK = 20_000


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
    lines: int = 0
    # Vouchers booked in the receiving member bodies' books (received.py).
    receiver_vouchers: int = 0
    # The bodies left out (compute): {body, body_name, code, message_zh, message_en[, run, status]}.
    skipped: list[dict] = field(default_factory=list)


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


def _member_bodies(bodies: Mapping[int, Cooperative]) -> dict[int, int]:
    """{member id: the body it is} for the members of the paying bodies that are bodies, one read."""
    return dict(
        Member.objects.filter(cooperative_id__in=list(bodies), member_cooperative__isnull=False).values_list(
            "pk", "member_cooperative_id"
        )
    )


def _post_planned(user, runs, bodies, receiving, planned, via: str) -> dict:
    """`received.post_in_run_order` over the payers' and the receivers' books; a refusal names the run (and the
    receiving body)."""
    run_of = {r.pk: r for r in runs}
    cooperatives = {**{b: book.cooperative for b, book in receiving.items()}, **bodies}

    def refusal(exc: TongzhouError, body_id: int, run_id: int) -> TongzhouError:
        run = run_of[run_id]
        if body_id != run.body_id and body_id in receiving:
            exc = received_mod.receiver_refusal(exc, receiving[body_id])
        return _naming(exc, run)

    return received_mod.post_in_run_order(
        user=user, cooperatives=cooperatives, planned=planned, refusal=refusal, via=via
    )


def _link_receiver_vouchers(of: Mapping[int, list]) -> None:
    through = DistributionRun.receiver_vouchers.through
    through.objects.bulk_create(
        [
            through(distributionrun_id=run_id, voucher_id=v.pk)
            for run_id, vouchers in of.items()
            for v in vouchers
        ],
        batch_size=BATCH_ROWS,
    )


def _pay_operation(run: DistributionRun, rows: list[tuple], books: dict[int, Book], on: dt.date):
    """(body id, operation) of the run's payment voucher, none for a body without books here. `rows`: the run's
    payments as `_PaidLine`s."""
    if books.get(run.body_id) is None or not keeps_books(run.body.legal_form):
        return []
    return [
        (run.body_id, pay_operation_of(run, [(p.member_id, p.return_fen, p.share_fen) for p in rows], on))
    ]


PAYMENT_COLUMNS = (
    "run_id", "line_id", "on", "amount_fen", "return_fen", "share_fen", "method", "reference", "paid_by_id",
    "voucher_id", "region_code", "county_code", "created_at",
)  # fmt: skip
INCOME_COLUMNS = (
    "household_id", "year", "kind", "amount_fen", "on", "body_id", "run_id", "payment_id", "village_code",
    "county_code", "created_at",
)  # fmt: skip


class _PaidLine(NamedTuple):
    """A payment the pay batch makes: a line's whole cash due, the patronage return settled first; the household's
    codes for its income lines."""

    line_id: int
    member_id: int
    household_id: int | None
    amount_fen: int
    return_fen: int
    share_fen: int
    village_code: str | None
    county_code: str | None


def _write_payments(
    due: list[DistributionRun],
    rows_of: Mapping[int, list[_PaidLine]],
    voucher_of: Mapping[int, object],
    on: dt.date,
    *,
    method: str,
    reference: str,
    paid_by_id: int | None,
) -> None:
    """The payments, then an income line per part paid to a household, raw (`core.bulk.append_rows`): Django's
    bulk_create spent more compiling a township's INSERTs than the database spent on its rows. Each payment's id is
    read back by its line (the runs and lines are locked: the batch's payments are the ones above the runs' last).
    Written in chunks of about `WRITE_CHUNK` rows: a county's are not all copied into lists at once."""
    if not any(rows_of[run.pk] for run in due):
        return
    ops = connection.ops
    day, now = ops.adapt_datefield_value(on), ops.adapt_datetimefield_value(timezone.now())
    run_ids = sorted(run.pk for run in due)
    before = Payment.objects.filter(run_id__in=run_ids).aggregate(last=Max("pk"))["last"] or 0
    chunk: list[tuple] = []
    for run in due:
        voucher = voucher_of.get(run.pk)
        voucher_id = voucher.pk if voucher is not None else None
        chunk.extend(
            (run.pk, p.line_id, day, p.amount_fen, p.return_fen, p.share_fen, method, reference, paid_by_id,
             voucher_id, run.region_code, run.county_code, now)
            for p in rows_of[run.pk]
        )  # fmt: skip
        if len(chunk) >= WRITE_CHUNK:
            append_rows(Payment._meta.db_table, PAYMENT_COLUMNS, chunk)
            chunk = []
    append_rows(Payment._meta.db_table, PAYMENT_COLUMNS, chunk)
    ids = dict(Payment.objects.filter(run_id__in=run_ids, pk__gt=before).values_list("line_id", "pk"))
    returned, dividend = str(IncomeKind.PATRONAGE_RETURN), str(IncomeKind.DIVIDEND)
    chunk = []
    for run in due:
        for p in rows_of[run.pk]:
            if p.household_id is None:
                continue
            for kind, amount in ((returned, p.return_fen), (dividend, p.share_fen)):
                if amount:
                    chunk.append(
                        (p.household_id, run.year, kind, amount, day, run.body_id, run.pk, ids[p.line_id],
                         p.village_code, p.county_code, now)
                    )  # fmt: skip
        if len(chunk) >= WRITE_CHUNK:
            append_rows(HouseholdIncome._meta.db_table, INCOME_COLUMNS, chunk)
            chunk = []
    append_rows(HouseholdIncome._meta.db_table, INCOME_COLUMNS, chunk)


@transaction.atomic
def runs_post_batch(
    *, user, region_code: str, year: int, on: dt.date | None = None, via: str = "web"
) -> BatchResult:
    """Post every approved, unreversed run of the year of the bodies in the region, as `run_post` posts one:
    dated `on` (each run's assembly date by default)."""
    region_code = _check_region(region_code)
    year = check_year(year)
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
        .defer("inputs")  # every member's snapshot: not needed to post, and a county's are hundreds of MB
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
    # What each run gives its member bodies with books (received.py), their books checked before anything is written.
    member_body = _member_bodies(bodies)
    received = {
        run.pk: received_mod.receiving_amounts(
            (member_body.get(member_id), to_return + to_share, converted)
            for member_id, to_return, to_share, converted in lines[run.pk]
        )
        for run in runs
    }
    receiving = received_mod.receiver_books(b for amounts in received.values() for b in amounts)
    for run in runs:
        try:
            received_mod.check_receivers(
                [receiving[b] for b in received[run.pk] if b in receiving], dates[run.pk]
            )
        except TongzhouError as exc:
            raise _naming(exc, run) from None
    # Each book's operations in the runs' id order (the payer's own, then what its members receive), posted with
    # one post_operation_vouchers call per book where the dates allow (received.post_in_run_order).
    planned: list[tuple[int, int, AutoOperation]] = []
    for run in runs:
        if books.get(run.body_id) is not None and keeps_books(run.body.legal_form):
            for op in _distribution_operations(run, dates[run.pk], lines[run.pk]):
                planned.append((run.body_id, run.pk, op))
        for body_id, op in received_mod.posting_operations(
            run, dates[run.pk], received[run.pk], receiving
        ).items():
            planned.append((body_id, run.pk, op))
    posted = _post_planned(user, runs, bodies, receiving, planned, via)
    vouchers_of = {run.pk: posted.get((run.body_id, run.pk), []) for run in runs}
    receiver_vouchers_of = {
        run.pk: [v for b in received[run.pk] if b != run.body_id for v in posted.get((b, run.pk), [])]
        for run in runs
    }
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
    _link_receiver_vouchers(receiver_vouchers_of)
    _audit_runs(
        user,
        "distribution.run_post",
        runs,
        {
            r.pk: {
                "posted_on": dates[r.pk].isoformat(),
                "vouchers": [v.pk for v in vouchers_of[r.pk]],
                "receiver_vouchers": [v.pk for v in receiver_vouchers_of[r.pk]],
            }
            for r in runs
        },
        via,
    )
    result = BatchResult(
        region_code,
        year,
        runs,
        vouchers=sum(len(v) for v in vouchers_of.values()),
        receiver_vouchers=sum(len(v) for v in receiver_vouchers_of.values()),
    )
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
    year = check_year(year)
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
        .defer("inputs", "steps")  # not needed to pay; a county's members' snapshots are hundreds of MB
        .order_by("pk")
    )
    run_ids = [r.pk for r in runs]
    # What each line's payments so far settled of its patronage return: the return is settled first (Art. 44), as
    # run_pay settles it.
    paid_return: dict[int, int] = dict(
        Payment.objects.filter(run_id__in=run_ids)
        .order_by()
        .values_list("line_id")
        .annotate(total=Sum("return_fen"))
    )
    # The runs' lines locked, and each line with cash still due paid in full, by run and key: plain rows, not model
    # instances (a county has a quarter of a million lines); the households' codes for the income lines read in the
    # same pass (an id list of a county's households is too long for one statement).
    rows_of: dict[int, list[_PaidLine]] = defaultdict(list)
    for run_id, line_id, member_id, household_id, cash, paid, payable_return, village, county in (
        DistributionLine.objects.select_for_update(of=("self",))
        .filter(run_id__in=run_ids)
        .order_by("run_id", "key")
        .values_list(
            "run_id", "pk", "member_id", "household_id", "cash_fen", "paid_fen", "payable_return_fen",
            "household__village_code", "household__county_code",
        )
        .iterator(chunk_size=5000)
    ):  # fmt: skip
        if cash > paid:
            amount = cash - paid
            to_return = min(amount, payable_return - paid_return.get(line_id, 0))
            rows_of[run_id].append(
                _PaidLine(
                    line_id, member_id, household_id, amount, to_return, amount - to_return, village, county
                )
            )
    paid_return = None
    due = [r for r in runs if rows_of.get(r.pk)]
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
    who = actor(user)
    reference = str(reference)[:60]
    # What each member body with books receives (received.py), its book checked before anything is written.
    member_body = _member_bodies({run.body_id: run.body for run in due})
    received: dict[int, dict[int, int]] = {}
    for run in due:
        paid_to: dict[int, int] = defaultdict(int)
        for p in rows_of[run.pk]:
            if p.member_id in member_body:
                paid_to[member_body[p.member_id]] += p.amount_fen
        received[run.pk] = dict(paid_to)
    receiving = received_mod.receiver_books(b for amounts in received.values() for b in amounts)
    for run in due:
        try:
            received_mod.check_receivers([receiving[b] for b in received[run.pk] if b in receiving], on)
        except TongzhouError as exc:
            raise _naming(exc, run) from None
    # Each book's vouchers in the runs' id order: a run's payment voucher (one per run, as run_pay posts it) in its
    # body's book, the receipts in its member bodies' books.
    planned: list[tuple[int, int, AutoOperation]] = []
    for run in due:
        for body_id, op in _pay_operation(run, rows_of[run.pk], books, on):
            planned.append((body_id, run.pk, op))
        for body_id, op in received_mod.payment_operations(run, on, received[run.pk], receiving).items():
            planned.append((body_id, run.pk, op))
    posted = _post_planned(user, due, {run.body_id: run.body for run in due}, receiving, planned, via)
    voucher_of: dict[int, object] = {}
    for run in due:
        found = posted.get((run.body_id, run.pk))
        voucher_of[run.pk] = found[0] if found else None
    receipts_of = {
        run.pk: [v for b in received[run.pk] if b != run.body_id for v in posted.get((b, run.pk), [])]
        for run in due
    }
    _write_payments(
        due,
        rows_of,
        voucher_of,
        on,
        method=method,
        reference=reference,
        paid_by_id=who.pk if who else None,
    )
    _link_receiver_vouchers(receipts_of)
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
                "receiver_vouchers": [v.pk for v in receipts_of[r.pk]],
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
        receiver_vouchers=sum(len(v) for v in receipts_of.values()),
        payments=sum(len(rows_of[r.pk]) for r in due),
        amount_fen=sum(p.amount_fen for r in due for p in rows_of[r.pk]),
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


# -- every body's run computed at once ----------------------------------------------------------------------------

# A body the batch leaves out rather than refusing the region: a year that is a loss (Art. 44), no books to read
# the surplus from, no bylaws in force; `run_compute` refuses each of these alone.
SKIPPED_CODES = ("loss_not_distributable", "no_book", "no_bylaws")


def _body_skip(body: Cooperative, exc: TongzhouError, run: DistributionRun | None = None) -> dict:
    entry = {
        "body": body.pk,
        "body_name": body.name,
        "code": exc.code,
        "message_zh": exc.message_zh,
        "message_en": exc.message_en,
    }
    if run is not None:
        entry.update(run=run.pk, status=run.status)
    return entry


def _naming_body(exc: TongzhouError, body: Cooperative) -> TongzhouError:
    """The refusal of one body's computation, its message prefixed with the body, its details naming it."""
    details = exc.details if isinstance(exc.details, dict) else {"error": exc.details}
    named = type(exc).__new__(type(exc))
    TongzhouError.__init__(
        named,
        f"{body.name}：{exc.message_zh}",
        f"{body.name}: {exc.message_en}",
        code=exc.code,
        details={**details, "body": body.pk, "body_name": body.name},
        http_status=exc.http_status,
    )
    return named


class MemberRow(NamedTuple):
    """What the sheets read of a member (`compute._coop_lines`, `collective_sheet`), read without a model
    instance."""

    pk: int
    cooperative_id: int
    kind: str
    status: str
    household_id: int | None
    display_name: str
    village_code: str
    county_code: str


@dataclass
class RegionInputs:
    """What `run_compute` reads for one body, read once for the region's bodies: one aggregate per kind of figure.
    Each reader groups by body what the per-body reader of `compute.py` reads, with the same filters."""

    books: dict[int, Book] = field(default_factory=dict)
    surplus: dict[int, int] = field(default_factory=dict)  # by book id
    losses: dict[int, int] = field(default_factory=dict)  # by book id
    members: dict[int, list[MemberRow]] = field(default_factory=dict)  # by body, admitted members in id order
    held: dict[int, dict[int, dict[int, Holding]]] = field(default_factory=dict)  # body → member → class
    class_kinds: dict[int, str] = field(default_factory=dict)
    capital_classes: dict[int, set[int]] = field(default_factory=dict)  # by body
    reserve: dict[int, dict[int, int]] = field(default_factory=dict)  # body → member → share
    counted: dict[int, dict[int, tuple[int, Decimal]]] = field(default_factory=dict)  # body → member → sums


def _region_books(user, region_code: str, year: int, bodies: list[Cooperative]) -> RegionInputs:
    """The bodies' books, each book's surplus of the year and losses to make up, read once for the region."""
    ids = [b.pk for b in bodies]
    found = RegionInputs()
    for book in (
        Book.objects.filter(cooperative_id__in=ids)
        .select_related("cooperative", "chart")
        .order_by("region_code", "pk")
    ):
        found.books.setdefault(book.cooperative_id, book)
    # 本年盈余: the books' surplus statements of the region, from one aggregate (`statements_for_books`, the builder
    # `statements_for_book` uses); a book that is not under the region's code is read alone, as run_compute does.
    if found.books:
        statements = statements_for_books(
            user=user,
            region_code=region_code,
            kinds=("surplus",),
            date_from=dt.date(year, 1, 1),
            date_to=dt.date(year, 12, 31),
        )
        for book in found.books.values():
            if book.pk in statements:
                found.surplus[book.pk] = int(
                    statements[book.pk]["surplus"].figures[RESULT_FIGURE[book.chart.standard]][0]
                )
        # Losses: the debit balance of 盈余分配 (332) / 收益分配 (322) on 1 January, per book.
        code_of = {b.pk: {"farmers_cooperative": "332", "collective_organisation": "322"}.get(b.chart.standard)
                   for b in found.books.values()}  # fmt: skip
        net: dict[int, int] = defaultdict(int)
        for book_id, code, debit, credit in (
            VoucherLine.objects.filter(
                book_id__in=list(code_of),
                voucher__status=VoucherStatus.POSTED,
                voucher__date__lt=dt.date(year, 1, 1),
            )
            .filter(Q(account__code__startswith="332") | Q(account__code__startswith="322"))
            .order_by()
            .values_list("book_id", "account__code")
            .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
        ):
            if code_of[book_id] and code.startswith(code_of[book_id]):
                net[book_id] += (debit or 0) - (credit or 0)
        found.losses = {book_id: max(value, 0) for book_id, value in net.items()}
    return found


def _region_inputs(year: int, bodies: list[Cooperative], terms: dict, books: RegionInputs) -> RegionInputs:
    """The members, holdings, reserve shares and counted transactions of some of the region's bodies (a chunk of
    them: a county's are read and computed a chunk at a time), with the region's books from `books`. `terms`: the
    bylaws' terms by body, of these bodies at least."""
    ids = [b.pk for b in bodies]
    found = RegionInputs(books=books.books, surplus=books.surplus, losses=books.losses)
    for row in (
        Member.objects.filter(cooperative_id__in=ids, status__in=ACCOUNT_STATUSES)
        .order_by("pk")
        .values_list(*MemberRow._fields)
        .iterator(chunk_size=5000)
    ):
        member = MemberRow._make(row)
        found.members.setdefault(member.cooperative_id, []).append(member)
    # Holdings on 31 December per (member, class), the empty ones left out (`holdings_at`).
    for body_id, member_id, class_id, units, amount in (
        ShareEntry.objects.filter(cooperative_id__in=ids, on__lte=dt.date(year, 12, 31))
        .order_by()
        .values_list("cooperative_id", "member_id", "share_class_id")
        .annotate(units=Sum("units_centi"), amount=Sum("amount_fen"))
    ):
        holding = Holding(units, amount)
        if not holding.is_empty:
            found.held.setdefault(body_id, {}).setdefault(member_id, {})[class_id] = holding
    for pk, body_id, kind, is_capital in ShareClass.objects.filter(cooperative_id__in=ids).values_list(
        "pk", "cooperative_id", "kind", "is_capital"
    ):
        found.class_kinds[pk] = kind
        if is_capital:
            found.capital_classes.setdefault(body_id, set()).add(pk)
    # Reserve shares (Art. 42): what earlier runs in the books quantified, less what was returned at exit.
    # The member's returned amount read in the same aggregate (an id list of a county's members is too long for one
    # statement).
    reserve: dict[int, dict[int, int]] = defaultdict(dict)
    for body_id, member_id, returned, total in (
        DistributionLine.objects.filter(
            run__body_id__in=ids,
            run__year__lt=year,
            run__status__in=BOOKED_STATUSES,
            run__reverses__isnull=True,
        )
        .order_by()
        .values_list("run__body_id", "member_id", "member__exit_reserve_returned_fen")
        .annotate(total=Sum("reserve_quantified_fen"))
    ):
        reserve[body_id][member_id] = max(total - (returned or 0), 0)
    found.reserve = dict(reserve)
    # Member transactions of the kinds each body's bylaws count: one aggregate per distinct set of kinds.
    by_kinds: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for body_id in ids:
        by_kinds[tuple(sorted(terms[body_id].patronage_transaction_kinds))].append(body_id)
    for kinds, body_ids in by_kinds.items():
        if not kinds:
            continue
        for body_id, member_id, amount, quantity in (
            MemberTransaction.objects.filter(
                cooperative_id__in=body_ids, year=year, is_member=True, kind__in=list(kinds)
            )
            .order_by()
            .values_list("cooperative_id", "member_id")
            .annotate(amount=Sum("amount_fen"), quantity=Sum("quantity"))
        ):
            found.counted.setdefault(body_id, {})[member_id] = (amount or 0, quantity or Decimal("0"))
    return found


def _batch_cooperative(body, year, terms, surplus, losses, found: RegionInputs):
    """`compute._compute_cooperative` from the region's figures: (result, accounts, snapshot)."""
    reserve = found.reserve.get(body.pk, {})
    held = found.held.get(body.pk, {})
    counted = found.counted.get(body.pk, {})
    capital = found.capital_classes.get(body.pk, set())
    accounts = [
        (
            m,
            member_account(
                member_id=m.pk,
                year=year,
                held=held.get(m.pk, {}),
                class_kinds=found.class_kinds,
                capital_classes=capital,
                reserve_share_fen=reserve.get(m.pk, 0),
            ),
        )
        for m in found.members.get(body.pk, [])
    ]
    result, snapshot = cooperative_sheet(
        accounts=accounts, counted=counted, terms=terms, surplus=surplus, losses=losses
    )
    return result, accounts, snapshot


def _batch_collective(body, terms, surplus, losses, found: RegionInputs):
    """`compute._compute_collective` from the region's figures: (result, lines without their run, snapshot)."""
    held = {
        member_id: sum(h.units_centi for h in by_class.values())
        for member_id, by_class in found.held.get(body.pk, {}).items()
    }
    members = [m for m in found.members.get(body.pk, []) if m.pk in held]
    return collective_sheet(
        body=body, terms=terms, surplus=surplus, losses=losses, members=members, held=held
    )


def _compute_chunk(chunk, year, terms, given, drafts, found, result, *, user, now, who) -> list[tuple]:
    """Each body of the chunk computed as `run_compute` computes it: [(run, line rows, audit details)], the run not
    saved; a body left out is added to `result.skipped`."""
    computed: list[tuple[DistributionRun, list[tuple], dict]] = []
    for body, bylaws in chunk:
        body_terms = terms[body.pk]
        standard = standard_of(body)
        book = found.books.get(body.pk)
        try:
            if body.pk in given:
                surplus, surplus_source = given[body.pk], "given"
            elif book is None:
                raise field_error(
                    "surplus_fen",
                    "该组织尚未建账，无法从账簿读取本年盈余，请直接填写本年盈余。",
                    "The organisation has no books to read the year's surplus from; give the surplus instead.",
                    "no_book",
                )
            elif book.pk in found.surplus:
                surplus, surplus_source = found.surplus[book.pk], "ledger"
            else:  # a book outside the region's code: read alone
                surplus, surplus_source = _ledger_surplus(user=user, body=body, year=year), "ledger"
            losses = found.losses.get(book.pk, 0) if book is not None else 0
            inputs = {
                "surplus_fen": surplus,
                "surplus_source": surplus_source,
                "losses_to_make_up_fen": losses,
                "losses_source": "ledger",
                "subsidy_property_fen": 0,
                "conversion_bp": 0,
                "bylaws": {
                    "id": bylaws.pk,
                    "effective_from": bylaws.effective_from.isoformat(),
                    "terms": body_terms.as_row_values(),
                },
            }
            if standard == COLLECTIVE:
                outcome, lines, snapshot = _batch_collective(body, body_terms, surplus, losses, found)
            else:
                outcome, accounts, snapshot = _batch_cooperative(
                    body, year, body_terms, surplus, losses, found
                )
        except TongzhouError as exc:
            if exc.code in SKIPPED_CODES:
                result.skipped.append(_body_skip(body, exc))
                continue
            raise _naming_body(exc, body) from None
        inputs["members"] = snapshot
        run = drafts.get(body.pk) or DistributionRun(
            body=body, year=year, region_code=body.region_code, county_code=body.county_code
        )
        run.body = body
        run.standard = standard
        run.inputs = inputs
        run.steps = _steps_json(outcome.steps)
        run.computed_at = now
        run.computed_by = who
        run.updated_at = now
        if standard != COLLECTIVE:
            lines = _coop_lines(body, accounts, outcome)
        computed.append(
            (run, lines, {"year": year, "surplus_fen": surplus, "surplus_source": surplus_source})
        )
    return computed


def _inputs_let_go(run: DistributionRun) -> DistributionRun:
    """The saved run without its inputs in memory: a field missing from an instance is a deferred field, which
    Django reads again from the database when asked for, so the batch's result does not hold every member's
    snapshot of a county (hundreds of MB) while its caller goes on."""
    run.__dict__.pop("inputs", None)
    return run


def _save_chunk(computed: list[tuple]) -> None:
    """The chunk's runs saved (new ones created, recomputed drafts updated and their old lines deleted), then their
    lines appended raw."""
    fresh = [run for run, _l, _d in computed if run.pk is None]
    recomputed = [run for run, _l, _d in computed if run.pk is not None]
    DistributionRun.objects.bulk_create(fresh, batch_size=BATCH_ROWS)
    if recomputed:
        DistributionRun.objects.bulk_update(
            recomputed,
            ["standard", "inputs", "steps", "computed_at", "computed_by", "updated_at"],
            batch_size=BATCH_ROWS,
        )
        DistributionLine.objects.filter(run_id__in=[r.pk for r in recomputed]).delete()
    line_rows_write([(run.pk, lines) for run, lines, _d in computed])


@transaction.atomic
def runs_compute_batch(
    *,
    user,
    region_code: str,
    year: int,
    surplus_fen: Mapping[int, int] | None = None,
    via: str = "web",
) -> BatchResult:
    """Compute a draft run of `year` for every body of the region, each exactly as `run_compute(user=…, body=…,
    year=…)` computes it with its defaults (the surplus and losses from the body's books, no subsidy-formed
    property, nothing converted to capital): the same inputs, steps and lines. A body's newest draft of the year is
    recomputed; a body with a published, approved, posted or paid run of the year is left alone. `surplus_fen`
    ({body id: fen}) gives a body's surplus instead of its books (as run_compute's `surplus_fen`), e.g. a platform
    company's, which keeps no books here.

    What `run_compute` refuses for one body on its own figures — a loss year (Art. 44), no books to read the surplus
    from, no bylaws in force on 31 December — leaves that body out, reported in `skipped` with the runs left alone
    (as the pay batch skips a run with nothing due); any other refusal (scope, the year, the region's code, a figure
    the domain rejects) refuses the whole batch, naming the body, and nothing changes. A region where no body is
    computed is refused (`nothing_to_compute`), its details listing why each body was left out.
    """
    region_code = _check_region(region_code)
    year = check_year(year)
    require_write(user, region_code)
    given = given_surplus(surplus_fen)
    bodies = list(Cooperative.objects.filter(code_prefix_q("region_code", region_code)).order_by("pk"))
    result = BatchResult(region_code, year)
    # The runs of the year: a body with one past the draft is left alone; its newest draft is recomputed (locked).
    active = (RunStatus.PUBLISHED, RunStatus.APPROVED, RunStatus.POSTED, RunStatus.PAID)
    runs_of = DistributionRun.objects.filter(
        body_id__in=[b.pk for b in bodies], year=year, reverses__isnull=True
    ).order_by("pk")
    left = {r.body_id: r for r in runs_of.filter(status__in=active)}
    drafts = {
        r.body_id: r
        for r in runs_of.filter(status=RunStatus.DRAFT)
        .exclude(body_id__in=list(left))
        .select_for_update(of=("self",))
    }
    year_end = dt.date(year, 12, 31)
    versions: dict[int, list[Bylaws]] = defaultdict(list)
    for bylaws in Bylaws.objects.filter(
        cooperative_id__in=[b.pk for b in bodies], effective_from__lte=year_end
    ):
        versions[bylaws.cooperative_id].append(bylaws)
    todo: list[tuple[Cooperative, Bylaws]] = []
    for body in bodies:
        try:
            require_write(user, body.region_code)
        except TongzhouError as exc:
            raise _naming_body(exc, body) from None
        if body.pk in left:
            run = left[body.pk]
            result.skipped.append(
                _body_skip(
                    body,
                    wrong_status(run, "draft", "重新计算（已公示的方案不能再改）", "recompute"),
                    run,
                )
            )
            continue
        bylaws = bylaws_in_force(versions.get(body.pk, []), year_end)
        if bylaws is None:
            result.skipped.append(
                _body_skip(
                    body,
                    NotFound(
                        f"合作社在{year_end.isoformat()}没有生效的章程。",
                        f"The cooperative had no bylaws in force on {year_end.isoformat()}.",
                        code="no_bylaws",
                    ),
                )
            )
            continue
        todo.append((body, bylaws))
    terms = {body.pk: bylaws_terms(bylaws) for body, bylaws in todo}
    books = _region_books(user, region_code, year, [b for b, _ in todo])
    now = timezone.now()
    who = actor(user)
    runs: list[DistributionRun] = []
    details: dict[int, dict] = {}
    # A chunk of bodies at a time: read, computed and written before the next is read, so that a county's members,
    # holdings and lines are never all in memory at once. One transaction: a refusal in a later chunk undoes all.
    for first in range(0, len(todo), COMPUTE_CHUNK):
        chunk = todo[first : first + COMPUTE_CHUNK]
        found = _region_inputs(year, [b for b, _ in chunk], terms, books)
        computed = _compute_chunk(
            chunk, year, terms, given, drafts, found, result, user=user, now=now, who=who
        )
        _save_chunk(computed)
        for run, lines, audit in computed:
            details[run.pk] = {**audit, "lines": len(lines)}
            result.lines += len(lines)
            runs.append(_inputs_let_go(run))
        computed = found = None
    result.skipped.sort(key=lambda entry: entry["body"])
    if not runs:
        raise Conflict(
            f"地区 {region_code} {year} 年度没有可以计算分配方案的组织。",
            f"Region {region_code} has no body whose run of {year} can be computed.",
            code="nothing_to_compute",
            details={"region_code": region_code, "year": year, "skipped": result.skipped},
        )
    result.runs = sorted(runs, key=lambda r: r.body_id)
    _audit_runs(user, "distribution.run_compute", result.runs, details, via)
    audit_record(
        user=user,
        action="distribution.runs_compute_batch",
        region_code=region_code,
        via=via,
        details={
            "year": year,
            "runs": [r.pk for r in result.runs],
            "lines": result.lines,
            "skipped": [{"body": s["body"], "code": s["code"]} for s in result.skipped],
            "given": {str(k): v for k, v in given.items()},
        },
    )
    return result


__all__ = ["BatchResult", "runs_compute_batch", "runs_pay_batch", "runs_post_batch"]
