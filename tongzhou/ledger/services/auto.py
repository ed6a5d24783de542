"""Automatic vouchers: the coops services post one voucher per operation, in the operation's own transaction.

    post_operation_voucher(cooperative=…, on=…, summary=…, lines=[AutoLine…], user=…, source=…)  → Voucher | None
    post_operation_vouchers(cooperative=…, user=…, operations=[AutoOperation…])                   → [Voucher]

The accounts come from `ledger.domain.auto` (pure). An automatic voucher is a system voucher, like the year close's:
made, checked and posted by the user who records the operation, at once, with its month's next gapless number.
`source` names the operation ("coops.ShareEntry:12", "coops.MemberTransaction:7", "coops.Member:3:exit").

- **No book yet**: the organisation's book is opened from January of the operation's year (启用期间 YYYY-01),
  so a later operation of the same year, dated earlier, still fits.
- **Before the books**: an operation dated before the book's first month, or before the organisation's chart took
  effect (cooperatives 2023-01-01, collectives 2024-01-01) when it has no book, gets no voucher: it belongs in the
  opening balances (期初余额) the accountant enters when the books start.
- **Closed month or year, or a date before the book's first month**: refused with the ledger's error; raised
  inside the operation's transaction, so the operation is not recorded either.
- **A company** (legal form `company`) keeps no book in Tongzhou: no voucher. Nor when the lines are empty
  (a zero amount, a movement within 311, an in leg of a two-leg movement).
- **Per-member sub-accounts**: where the book keeps one per member under a member account (e.g. 114001 张三), the
  line goes to the member's sub-account, added when missing. Under any other account with sub-accounts (e.g.
  102 per bank account) it goes to the first active leaf below, by code.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Cooperative, Member, MemberTransaction, ShareEntry
from tongzhou.core.bulk import append_rows

from ..domain.auto import (
    EXIT_RESERVE,
    AutoLine,
    TransactionTotals,
    exit_reserve_lines,
    keeps_books,
    share_entry_lines,
    summary_of,
    transaction_lines,
    transaction_summary_lines,
)
from ..domain.vouchers import AccountFacts, LineDraft, check_voucher_lines, voucher_error
from ..models import Book, BookAccount, Chart, Party, Period, Voucher, VoucherLine, VoucherStatus
from .balances import balances_keep
from .books import book_account_add, book_open
from .charts import charts_load_shipped
from .periods import lock_open_period

BATCH_ROWS = 1000


@dataclass(frozen=True)
class AutoOperation:
    """One operation for the bulk path: its date, summary, lines and source."""

    on: dt.date
    summary: str
    lines: Sequence[AutoLine]
    source: str


def _actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def _book_for(*, user, cooperative: Cooperative, on: dt.date, via: str) -> Book | None:
    """The organisation's book, opened from January of `on`'s year if it has none. None when no chart is in force
    on that January (before the standard took effect): the operation stays outside the books."""
    book = Book.objects.filter(cooperative=cooperative).select_related("cooperative", "chart").first()
    if book is None:
        first = dt.date(on.year, 1, 1)
        if not Chart.objects.filter(standard=cooperative.legal_form, effective_from__lte=first).exists():
            if Chart.objects.exists():  # (a transactional test may have flushed the charts: load them)
                return None
            charts_load_shipped()
            return _book_for(user=user, cooperative=cooperative, on=on, via=via)
        # Two first operations at once must not both open it: lock the organisation, then look again.
        list(Cooperative.objects.select_for_update().filter(pk=cooperative.pk).values_list("pk", flat=True))
        book = Book.objects.filter(cooperative=cooperative).first()
        if book is None:
            book = book_open(user=user, cooperative=cooperative, start_year=on.year, start_month=1, via=via)
        book = Book.objects.select_related("cooperative", "chart").get(pk=book.pk)
    return book


def _in_book(book: Book | None, on: dt.date) -> bool:
    """Whether the date is in the book's time (an earlier operation is in its opening balances)."""
    return book is not None and (on.year, on.month) >= (book.start_year, book.start_month)


class _Accounts:
    """The book's accounts by code, resolving a first-level code (and member) to the leaf that takes the line."""

    def __init__(self, *, user, book: Book, via: str) -> None:
        self.user = user
        self.book = book
        self.via = via
        self.all = list(BookAccount.objects.filter(book=book).order_by("code"))
        self.by_code = {a.code: a for a in self.all}
        self.per_member: dict[tuple[int, int], BookAccount] = {
            (a.parent_id, a.member_id): a for a in self.all if a.member_id is not None
        }

    def leaf(self, code: str, member_id: int | None) -> BookAccount:
        account = self.by_code.get(code)
        if account is None:
            raise voucher_error(
                "account", f"本账套没有科目 {code}。", f"The books have no account {code}.", "account_unknown"
            )
        if account.is_leaf:
            return account
        if account.party == Party.MEMBER and member_id is not None:
            child = self.per_member.get((account.pk, member_id))
            if child is None:
                member = Member.objects.get(pk=member_id)
                child = book_account_add(
                    user=self.user, parent=account, name=member.display_name[:60], member=member, via=self.via
                )
                self.per_member[(account.pk, member_id)] = child
            return child
        below = [
            a
            for a in self.all
            if a.code.startswith(code)
            and a.code != code
            and a.is_leaf
            and a.is_active
            and a.member_id is None
        ]
        if not below:
            raise voucher_error(
                "account",
                f"科目 {code} 没有可用的末级科目。",
                f"The account {code} has no active leaf account.",
                "account_not_leaf",
            )
        return below[0]


def _resolve(accounts: _Accounts, lines: Sequence[AutoLine]) -> list[tuple[BookAccount, AutoLine]]:
    resolved = [(accounts.leaf(line.account_code, line.member_id), line) for line in lines]
    check_voucher_lines(
        [
            LineDraft(
                account=AccountFacts(
                    code=a.code,
                    name=a.name,
                    is_leaf=a.is_leaf,
                    is_active=a.is_active,
                    party=a.party,
                    member_id=a.member_id,
                ),
                debit_fen=line.debit_fen,
                credit_fen=line.credit_fen,
                member_id=line.member_id,
                counterparty=line.counterparty,
                account_ref=line.account_code,
            )
            for a, line in resolved
        ]
    )
    return resolved


LINE_COLUMNS = (
    "voucher_id", "line_no", "account_id", "summary", "debit_fen", "credit_fen", "member_id", "counterparty",
    "book_id", "region_code", "county_code",
)  # fmt: skip


def _line_tuples(voucher: Voucher, book: Book, summary: str, resolved) -> list[tuple]:
    return [
        (voucher.pk, n, account.pk, summary, line.debit_fen, line.credit_fen, line.member_id, line.counterparty,
         book.pk, book.region_code, book.county_code)
        for n, (account, line) in enumerate(resolved, start=1)
    ]  # fmt: skip


def _open_period(book: Book, on: dt.date) -> Period:
    return lock_open_period(book, on, field="on")


@transaction.atomic
def post_operation_voucher(
    *,
    cooperative: Cooperative,
    on: dt.date,
    summary: str,
    lines: Sequence[AutoLine],
    user,
    source: str,
    via: str = "web",
    accounts: _Accounts | None = None,
) -> Voucher | None:
    """Post the voucher of one operation (see the module's rules). None when there is nothing to book.
    `accounts`: the book's accounts already read (a caller posting several vouchers to one book reads them once)."""
    if not lines or not keeps_books(cooperative.legal_form):
        return None
    book = (
        accounts.book
        if accounts is not None
        else _book_for(user=user, cooperative=cooperative, on=on, via=via)
    )
    if not _in_book(book, on):
        return None
    period = _open_period(book, on)
    resolved = _resolve(accounts or _Accounts(user=user, book=book, via=via), lines)
    summary = str(summary).strip()[:200]
    actor = _actor(user)
    voucher = Voucher.objects.create(
        book=book,
        date=on,
        summary=summary,
        source=source[:60],
        maker=actor,
        region_code=book.region_code,
        county_code=book.county_code,
    )
    # The raw path: a month's summary voucher of an import has a line per member (Django's bulk_create spent
    # more time compiling those INSERTs than the import spent on its rows).
    append_rows(VoucherLine._meta.db_table, LINE_COLUMNS, _line_tuples(voucher, book, summary, resolved))
    period.last_number += 1
    period.save(update_fields=["last_number"])
    now = timezone.now()
    voucher.status = VoucherStatus.POSTED
    voucher.period = period
    voucher.number = period.last_number
    voucher.checker = voucher.poster = actor
    voucher.checked_at = voucher.posted_at = now
    voucher.save()
    balances_keep(voucher_ids=[voucher.pk])
    audit_record(
        user=user,
        action="ledger.voucher_auto",
        obj=voucher,
        region_code=book.region_code,
        via=via,
        details={"source": voucher.source, "period": str(period), "number": voucher.number},
    )
    return voucher


def _mark_posted(vouchers: Sequence[Voucher]) -> None:
    """Write the posting the vouchers were given in memory (status, period, number, checker, poster, times): one
    `UPDATE … WHERE id IN (…)` per month and chunk, everything but the number a constant — the number is the id
    plus an offset where the month's ids run without a gap (the usual case: one insert gave them), else a CASE on
    the number alone. Django's bulk_update wrote a CASE of every voucher for each of the seven fields."""
    table = Voucher._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    groups: dict[int, list[Voucher]] = defaultdict(list)
    for voucher in vouchers:
        groups[voucher.period_id].append(voucher)
    with connection.cursor() as cursor:
        for group in groups.values():
            for start in range(0, len(group), BATCH_ROWS):
                chunk = group[start : start + BATCH_ROWS]
                first = chunk[0]
                params: list = [
                    VoucherStatus.POSTED.value,
                    first.period_id,
                    first.checker_id,
                    first.poster_id,
                    adapt(first.checked_at),
                    adapt(first.posted_at),
                ]
                ids = [v.pk for v in chunk]
                if all(v.pk - first.pk == v.number - first.number for v in chunk):
                    number = "id + %s"
                    params.append(first.number - first.pk)
                else:
                    number = f"CASE id {' '.join(['WHEN %s THEN %s'] * len(chunk))} END"
                    params += [x for v in chunk for x in (v.pk, v.number)]
                cursor.execute(
                    f"UPDATE {table} SET status = %s, period_id = %s, checker_id = %s, poster_id = %s,"
                    f" checked_at = %s, posted_at = %s, number = {number}"
                    f" WHERE id IN ({', '.join(['%s'] * len(ids))})",
                    params + ids,
                )


@transaction.atomic
def post_operation_vouchers(
    *, cooperative: Cooperative, user, operations: Sequence[AutoOperation], via: str = "cli"
) -> list[Voucher]:
    """The bulk path of the imports: one posted voucher per operation with lines, written with bulk inserts.
    Numbers follow the operations' order (by date, then as given) within each month, gapless after the month's
    last voucher. Any closed month refuses the whole batch."""
    operations = [op for op in operations if op.lines]
    if not operations or not keeps_books(cooperative.legal_form):
        return []
    ordered = sorted(operations, key=lambda op: op.on)
    book = None
    for year in sorted({op.on.year for op in ordered}):  # opened from the first year with a chart in force
        book = _book_for(user=user, cooperative=cooperative, on=dt.date(year, 1, 1), via=via)
        if book is not None:
            break
    ordered = [op for op in ordered if _in_book(book, op.on)]
    if not ordered:
        return []
    periods: dict[tuple[int, int], Period] = {}
    for op in ordered:
        key = (op.on.year, op.on.month)
        if key not in periods:
            periods[key] = _open_period(book, op.on)
    accounts = _Accounts(user=user, book=book, via=via)
    resolved = [_resolve(accounts, op.lines) for op in ordered]
    actor = _actor(user)
    vouchers = [
        Voucher(
            book=book,
            date=op.on,
            summary=str(op.summary).strip()[:200],
            source=op.source[:60],
            maker=actor,
            region_code=book.region_code,
            county_code=book.county_code,
        )
        for op in ordered
    ]
    # Drafts first, then their lines, then posted: the order the PostgreSQL triggers ask for.
    Voucher.objects.bulk_create(vouchers, batch_size=BATCH_ROWS)
    # The lines raw (a month's summary voucher of an import has a line per member; bulk_create's per-field
    # adaptation cost more than the import's own rows).
    append_rows(
        VoucherLine._meta.db_table,
        LINE_COLUMNS,
        [row for v, r in zip(vouchers, resolved, strict=True) for row in _line_tuples(v, book, v.summary, r)],
    )
    now = timezone.now()
    numbered: dict[tuple[int, int], int] = defaultdict(int)
    for voucher in vouchers:
        period = periods[(voucher.date.year, voucher.date.month)]
        numbered[(period.year, period.month)] += 1
        voucher.status = VoucherStatus.POSTED
        voucher.period = period
        voucher.number = period.last_number + numbered[(period.year, period.month)]
        voucher.checker = voucher.poster = actor
        voucher.checked_at = voucher.posted_at = now
    _mark_posted(vouchers)
    balances_keep(voucher_ids=[v.pk for v in vouchers])
    for key, count in numbered.items():
        period = periods[key]
        period.last_number += count
        period.save(update_fields=["last_number"])
    audit_record(
        user=user,
        action="ledger.voucher_auto_bulk",
        obj=book,
        region_code=book.region_code,
        via=via,
        details={
            "vouchers": len(vouchers),
            "periods": {f"{y}-{m:02d}": n for (y, m), n in sorted(numbered.items())},
        },
    )
    return vouchers


# ---- the operations of coops -----------------------------------------------------------------------------------


def share_entry_operation(entry: ShareEntry) -> AutoOperation:
    """The voucher of one share entry (lines empty for an in leg, a movement within 311, a company)."""
    cooperative = entry.cooperative
    share_class = entry.share_class
    lines = share_entry_lines(
        standard=cooperative.legal_form,
        entry_kind=entry.entry_type,
        class_kind=share_class.kind,
        amount_fen=entry.amount_fen,
        member_id=entry.member_id,
        counter_member_id=entry.counterparty_id,
        is_capital=share_class.is_capital,
    )
    summary = ""
    if lines:
        summary = summary_of(
            entry.entry_type,
            member_name=entry.member.display_name,
            counter_name=entry.counterparty.display_name if entry.counterparty_id else "",
            class_name=share_class.name,
        )
    return AutoOperation(on=entry.on, summary=summary, lines=lines, source=f"coops.ShareEntry:{entry.pk}")


def share_entry_voucher(*, user, entry: ShareEntry, via: str = "web") -> Voucher | None:
    """Post the voucher of one share entry in the caller's transaction."""
    op = share_entry_operation(entry)
    return post_operation_voucher(
        cooperative=entry.cooperative,
        on=op.on,
        summary=op.summary,
        lines=op.lines,
        user=user,
        source=op.source,
        via=via,
    )


def exit_reserve_voucher(
    *, user, member: Member, on: dt.date, amount_fen: int, via: str = "web"
) -> Voucher | None:
    """Post the voucher of the reserve share returned to a member at exit (nothing when it is zero)."""
    cooperative = member.cooperative
    lines = exit_reserve_lines(standard=cooperative.legal_form, amount_fen=amount_fen, member_id=member.pk)
    return post_operation_voucher(
        cooperative=cooperative,
        on=on,
        summary=summary_of(EXIT_RESERVE, member_name=member.display_name),
        lines=lines,
        user=user,
        source=f"coops.Member:{member.pk}:exit_reserve",
        via=via,
    )


def transaction_voucher(*, user, row: MemberTransaction, via: str = "web") -> Voucher | None:
    """Post the voucher of one member (or non-member) transaction in the caller's transaction."""
    lines = transaction_lines(
        standard=row.cooperative.legal_form,
        kind=row.kind,
        amount_fen=row.amount_fen,
        member_id=row.member_id,
        counterparty=row.counterparty_name,
    )
    name = row.member.display_name if row.member_id else row.counterparty_name
    return post_operation_voucher(
        cooperative=row.cooperative,
        on=row.on,
        summary=summary_of(row.kind, member_name=name, product=row.product) if lines else "",
        lines=lines,
        user=user,
        source=f"coops.MemberTransaction:{row.pk}",
        via=via,
    )


def transaction_summary_vouchers(
    *, cooperative: Cooperative, user, totals: TransactionTotals, source: str, label: str, via: str = "cli"
) -> list[Voucher]:
    """The vouchers of an imported file of member transactions: one summary voucher (汇总记账凭证) per month, dated
    the month's last transaction, with each member's (or non-member's) total per kind on the lines the mapping
    gives — so 成员往来 stays per member — written in the import's transaction. A file of a year of cocoon
    purchases is booked as twelve vouchers, not one per row."""
    operations = [
        AutoOperation(
            on=last_day,
            summary=f"{label}（{year}年{month}月汇总）",
            lines=lines,
            source=f"{source}:{year}-{month:02d}",
        )
        for year, month, last_day, lines in transaction_summary_lines(
            standard=cooperative.legal_form, totals=totals
        )
    ]
    # One batch: the months' periods locked once each, the drafts in one insert, every line in one raw write.
    return post_operation_vouchers(cooperative=cooperative, user=user, operations=operations, via=via)
