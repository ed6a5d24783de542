"""What a body receives from the body above, booked in its own books (issue 5): when a run is posted, paid or
reversed, every line whose member is another body that keeps books here (a village collective in its village
cooperative, a village cooperative in its township union, a union in the county platform: `Member.member_cooperative`
with a `ledger.Book`) books, in that receiving body's book, the other side of what the payer booked.

| | receiving cooperative (农民专业合作社会计制度) | receiving collective (农村集体经济组织会计制度) |
|---|---|---|
| posting: the cash part of its line | Dr 113 应收款 (counterparty: the payer) | Dr 112 应收款 (counterparty: the payer) |
| posting: the part converted into capital | Dr 131 对外投资 | Dr 141 长期投资 |
| posting: the whole amount | Cr 511 投资收益 | Cr 502 投资收益 |
| payment: what was paid | Dr 102 银行存款 / Cr 113 应收款 | Dr 102 银行存款 / Cr 112 应收款 |

Why so: the receiver holds capital in (or is a member of) the payer, and what the payer's assembly allocates to it is
income from that investment when it is declared (对外投资取得的收益 → 投资收益), the whole amount: the part paid in cash
is a receivable until paid; the part the assembly turns into the receiver's capital (转为成员出资, Art. 44) is never
paid out but raises its investment in the payer (对外投资 / 长期投资), as the payer credits it to 股金. The cascade
counts the same whole amount as the receiver's income from above.

Sources start with `RECEIVED_SOURCE` (`distribution.received:<year>:<payer id>:<run id>`, `…:pay` for a receipt,
`…:r` for a red-ink reversal), so the cascade keeps leaving them out of the receiver's own surplus (it adds what comes
from above itself), while the receiver's surplus statement — and so `run_compute` and `surplus_in_books_now` — counts
them. The vouchers are linked to the paying run (`DistributionRun.receiver_vouchers`).

A receiving body without a book (a platform company keeps none here, a body whose books are not opened yet) is
skipped, as the payer side skips a company; a date before its book's first month books nothing (it belongs in the
opening balances, as every automatic voucher). A receiver whose month or year is closed on the date refuses the whole
operation, naming the receiving body.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from tongzhou.coops.models import Member
from tongzhou.core.errors import TongzhouError
from tongzhou.ledger.domain.auto import AutoLine, keeps_books
from tongzhou.ledger.models import Book, Voucher
from tongzhou.ledger.services.auto import AutoOperation, post_operation_vouchers
from tongzhou.ledger.services.periods import check_date_in_book

from ..models import DistributionLine
from .cascade import RECEIVED_SOURCE
from .common import COLLECTIVE, COOPERATIVE

# Per receiving body's standard: the first-level accounts of its side.
RECEIVED_ACCOUNTS = {
    COOPERATIVE: {"receivable": "113", "investment": "131", "income": "511", "bank": "102"},
    COLLECTIVE: {"receivable": "112", "investment": "141", "income": "502", "bank": "102"},
}
REVERSAL_SUFFIX = ":r"


def received_source(*, year: int, payer_id: int, run_id: int, payment: bool = False) -> str:
    return f"{RECEIVED_SOURCE}:{year}:{payer_id}:{run_id}{':pay' if payment else ''}"


def receiving_amounts(lines: Iterable[tuple[int | None, int, int]]) -> dict[int, tuple[int, int]]:
    """{receiving body id: (cash, converted)} from a run's lines as (member's body id or None, cash, converted to
    capital): a body that is a member twice is summed."""
    found: dict[int, list[int]] = {}
    for body_id, cash, converted in lines:
        if body_id is None or not (cash or converted):
            continue
        figures = found.setdefault(body_id, [0, 0])
        figures[0] += cash
        figures[1] += converted
    return {body_id: (cash, converted) for body_id, (cash, converted) in found.items()}


def _kind(payer_is_collective: bool) -> str:
    return "收益" if payer_is_collective else "盈余"


def received_operation(
    *,
    standard: str,
    payer_id: int,
    payer_name: str,
    payer_is_collective: bool,
    year: int,
    run_id: int,
    on: dt.date,
    cash_fen: int,
    converted_fen: int,
) -> AutoOperation:
    """The receiver's voucher on posting: Dr 应收款 (cash) and 对外投资 / 长期投资 (converted), Cr 投资收益 (both)."""
    accounts = RECEIVED_ACCOUNTS[standard]
    lines = []
    if cash_fen:
        lines.append(AutoLine(accounts["receivable"], cash_fen, 0, counterparty=payer_name[:60]))
    if converted_fen:
        lines.append(AutoLine(accounts["investment"], converted_fen, 0))
    lines.append(AutoLine(accounts["income"], 0, cash_fen + converted_fen))
    return AutoOperation(
        on=on,
        summary=f"应收{payer_name}{year}年度{_kind(payer_is_collective)}分配（投资收益）",
        lines=lines,
        source=received_source(year=year, payer_id=payer_id, run_id=run_id),
    )


def receipt_operation(
    *,
    standard: str,
    payer_id: int,
    payer_name: str,
    payer_is_collective: bool,
    year: int,
    run_id: int,
    on: dt.date,
    amount_fen: int,
) -> AutoOperation:
    """The receiver's voucher on payment: Dr 银行存款 / Cr 应收款 (counterparty: the payer)."""
    accounts = RECEIVED_ACCOUNTS[standard]
    return AutoOperation(
        on=on,
        summary=f"收到{payer_name}{year}年度{_kind(payer_is_collective)}分配",
        lines=[
            AutoLine(accounts["bank"], amount_fen, 0),
            AutoLine(accounts["receivable"], 0, amount_fen, counterparty=payer_name[:60]),
        ],
        source=received_source(year=year, payer_id=payer_id, run_id=run_id, payment=True),
    )


# ---- the database side --------------------------------------------------------------------------------------------


def member_bodies(member_ids: Iterable[int]) -> dict[int, int]:
    """{member id: the body it is} for the members given that are bodies."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    return dict(
        Member.objects.filter(pk__in=ids, member_cooperative__isnull=False).values_list(
            "pk", "member_cooperative_id"
        )
    )


def receiver_books(body_ids: Iterable[int]) -> dict[int, Book]:
    """{body id: its book} for the receiving bodies that keep books here and have one (others are skipped)."""
    books: dict[int, Book] = {}
    ids = sorted(set(body_ids))
    if not ids:
        return books
    for book in (
        Book.objects.filter(cooperative_id__in=ids).select_related("cooperative", "chart").order_by("pk")
    ):
        if keeps_books(book.cooperative.legal_form):
            books.setdefault(book.cooperative_id, book)
    return books


def _in_book(book: Book, on: dt.date) -> bool:
    return (on.year, on.month) >= (book.start_year, book.start_month)


def receiver_refusal(exc: TongzhouError, book: Book) -> TongzhouError:
    """A refusal in a receiving body's book, its message naming that body, its details naming it."""
    name = book.cooperative.name
    return exc.within(
        f"接收分配的成员组织“{name}”的账簿：",
        f"The books of the receiving member body {name}: ",
        receiver=book.cooperative_id,
        receiver_name=name,
    )


def check_receivers(books: Iterable[Book], on: dt.date) -> None:
    """Each receiving book open on `on` (month and year), or refused naming the receiving body. A date before a
    book's first month passes: nothing is booked there."""
    for book in books:
        if not _in_book(book, on):
            continue
        try:
            check_date_in_book(book, on, field="on")
        except TongzhouError as exc:
            raise receiver_refusal(exc, book) from None


def _per_receiver(run, on: dt.date, amounts: Mapping[int, Any], books: Mapping[int, Book], operation) -> dict:
    """{receiving body id: `operation(standard, payer and run figures, amount)`} in body order, the receivers
    without a book, whose book starts later, or with nothing to book left out."""
    operations = {}
    for body_id in sorted(amounts):
        book = books.get(body_id)
        if book is None or not amounts[body_id] or not _in_book(book, on):
            continue
        operations[body_id] = operation(
            amounts[body_id],
            standard=book.chart.standard,
            payer_id=run.body_id,
            payer_name=run.body.name,
            payer_is_collective=run.is_collective,
            year=run.year,
            run_id=run.pk,
            on=on,
        )
    return operations


def posting_operations(
    run, on: dt.date, amounts: Mapping[int, tuple[int, int]], books: Mapping[int, Book]
) -> dict[int, AutoOperation]:
    """{receiving body id: its voucher's operation} for a run posted on `on` ((cash, converted) per body)."""
    return _per_receiver(
        run, on, amounts, books, lambda a, **kw: received_operation(cash_fen=a[0], converted_fen=a[1], **kw)
    )


def payment_operations(
    run, on: dt.date, paid: Mapping[int, int], books: Mapping[int, Book]
) -> dict[int, AutoOperation]:
    """{receiving body id: its receipt's operation} for the cash paid to each receiving body on `on`."""
    return _per_receiver(run, on, paid, books, lambda a, **kw: receipt_operation(amount_fen=a, **kw))


def post_in_run_order(
    *,
    user,
    cooperatives: Mapping[int, object],
    planned: Sequence[tuple[int, int, AutoOperation]],
    refusal: Callable[[TongzhouError, int, int], TongzhouError],
    via: str,
) -> dict[tuple[int, int], list[Voucher]]:
    """Post (body id, run id, operation) in each body's book, in the order given (the runs' order); returns {(body
    id, run id): vouchers}. One `post_operation_vouchers` call per book and stretch of operations whose dates do not
    go back (it numbers by date), so each book's numbers are what posting them one run at a time gives.
    `refusal(error, body id, run id)` names a refusal."""
    by_body: dict[int, list[tuple[int, AutoOperation]]] = defaultdict(list)
    for body_id, run_id, op in planned:
        by_body[body_id].append((run_id, op))
    out: dict[tuple[int, int], list[Voucher]] = defaultdict(list)
    for body_id, ops in by_body.items():
        stretches: list[list[tuple[int, AutoOperation]]] = [[]]
        for run_id, op in ops:
            if stretches[-1] and op.on < stretches[-1][-1][1].on:
                stretches.append([])
            stretches[-1].append((run_id, op))
        for stretch in stretches:
            try:
                posted = post_operation_vouchers(
                    cooperative=cooperatives[body_id],
                    user=user,
                    operations=[op for _r, op in stretch],
                    via=via,
                )
            except TongzhouError as exc:
                raise refusal(exc, body_id, stretch[0][0]) from None
            by_source = {v.source: v for v in posted}
            for run_id, op in stretch:
                voucher = by_source.get(op.source[:60])
                if voucher is not None:
                    out[(body_id, run_id)].append(voucher)
    return out


def run_received_amounts(run_lines: Iterable[tuple[int, int, int]]) -> dict[int, tuple[int, int]]:
    """`receiving_amounts` from lines as (member id, cash, converted): the members resolved to the bodies they are."""
    rows = list(run_lines)
    bodies = member_bodies(m for m, _c, _v in rows)
    return receiving_amounts((bodies.get(m), cash, converted) for m, cash, converted in rows)


def _post_one_run(*, user, run, operations: dict[int, AutoOperation], books, via: str) -> list[Voucher]:
    posted = post_in_run_order(
        user=user,
        cooperatives={body_id: books[body_id].cooperative for body_id in operations},
        planned=[(body_id, run.pk, op) for body_id, op in operations.items()],
        refusal=lambda exc, body_id, _run: receiver_refusal(exc, books[body_id]),
        via=via,
    )
    return [v for body_id in operations for v in posted.get((body_id, run.pk), [])]


class RunReceivers:
    """A run's receiving bodies with books, read and checked before anything is written, then booked. `amounts`:
    {body id: (cash, converted)} on posting, {body id: paid} on payment."""

    def __init__(self, run, on: dt.date, amounts: Mapping[int, Any]) -> None:
        self.run = run
        self.on = on
        self.amounts = amounts
        self.books = receiver_books(amounts)
        check_receivers(self.books.values(), on)

    @classmethod
    def for_posting(cls, run, on: dt.date) -> RunReceivers:
        lines = DistributionLine.objects.filter(run=run).values_list(
            "member_id", "cash_fen", "converted_to_capital_fen"
        )
        return cls(run, on, run_received_amounts(lines))

    @classmethod
    def for_payments(cls, run, on: dt.date, paid: Iterable[tuple[int, int]]) -> RunReceivers:
        """`paid`: (member id, amount) per payment."""
        rows = list(paid)
        bodies = member_bodies(m for m, _a in rows)
        amounts: dict[int, int] = defaultdict(int)
        for member_id, amount in rows:
            if member_id in bodies:
                amounts[bodies[member_id]] += amount
        return cls(run, on, dict(amounts))

    def post_received(self, *, user, via: str) -> list[Voucher]:
        ops = posting_operations(self.run, self.on, self.amounts, self.books)
        return _post_one_run(user=user, run=self.run, operations=ops, books=self.books, via=via)

    def post_receipts(self, *, user, via: str) -> list[Voucher]:
        ops = payment_operations(self.run, self.on, self.amounts, self.books)
        return _post_one_run(user=user, run=self.run, operations=ops, books=self.books, via=via)


def check_receiver_reversals(vouchers: Iterable[Voucher], on: dt.date) -> None:
    """The receivers' books open on the reversal's date, or refused naming the receiving body."""
    books = {v.book_id: v.book for v in vouchers}
    check_receivers(books.values(), on)


__all__ = [
    "RECEIVED_ACCOUNTS",
    "RunReceivers",
    "check_receiver_reversals",
    "check_receivers",
    "payment_operations",
    "post_in_run_order",
    "posting_operations",
    "receipt_operation",
    "received_operation",
    "received_source",
    "receiver_books",
    "receiving_amounts",
    "run_received_amounts",
]
