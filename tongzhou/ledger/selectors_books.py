"""Reads of one book for the web, API and CLI: the book of an organisation, its accounts with balances, account
search for voucher entry, one voucher, the voucher list by month and status, and the months. Scoped on the
book's region like every selector: a missing row is NotFound, one out of scope ScopeDenied."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tongzhou.coops.models import Cooperative, Member
from tongzhou.core.errors import NotFound
from tongzhou.regions.scope import require_read

from .models import Book, BookAccount, Period, PeriodStatus, Voucher, VoucherStatus
from .selectors import posted_balances

SEARCH_LIMIT = 20


def book_get(*, user, book_id: int) -> Book:
    try:
        book = Book.objects.select_related("cooperative", "chart").get(pk=book_id)
    except (Book.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该账套。", "No such book.", details={"id": book_id}) from None
    require_read(user, book.region_code)
    return book


def book_of_cooperative(*, user, cooperative: Cooperative) -> Book | None:
    """The book of an organisation the caller has read (through the scoped cooperative_get), or None."""
    require_read(user, cooperative.region_code)
    return Book.objects.select_related("cooperative", "chart").filter(cooperative=cooperative).first()


@dataclass(frozen=True)
class AccountRow:
    """An account with the balance of every posted line on it and below it, on its normal side."""

    account: BookAccount
    debit_fen: int
    credit_fen: int

    @property
    def balance_fen(self) -> int:
        """Positive on the account's normal side (借 for a debit account), negative on the other."""
        net = self.debit_fen - self.credit_fen
        return net if self.account.normal_balance == "debit" else -net

    @property
    def side(self) -> str:
        net = self.debit_fen - self.credit_fen
        return "debit" if net > 0 else ("credit" if net < 0 else "")


def account_rows(*, user, book: Book, through: dt.date | None = None) -> list[AccountRow]:
    """Every account of the book in code order, each with the posted debits and credits of its subtree
    (dated up to `through` if given)."""
    require_read(user, book.region_code)
    accounts = list(BookAccount.objects.filter(book=book).select_related("member").order_by("code"))
    sums = posted_balances(book=book, date_to=through)
    by_id = {a.pk: a for a in accounts}
    totals = {a.pk: [0, 0] for a in accounts}
    for pk, (debit, credit) in sums.items():
        node = by_id.get(pk)
        while node is not None:
            totals[node.pk][0] += debit
            totals[node.pk][1] += credit
            node = by_id.get(node.parent_id) if node.parent_id else None
    return [AccountRow(a, totals[a.pk][0], totals[a.pk][1]) for a in accounts]


def account_search(*, user, book: Book, text: str, limit: int = SEARCH_LIMIT) -> list[BookAccount]:
    """Leaf, active accounts whose code starts with `text` or whose name contains it: what a line may take."""
    require_read(user, book.region_code)
    text = (text or "").strip()
    qs = BookAccount.objects.filter(book=book, is_leaf=True, is_active=True).select_related("member")
    if text:
        qs = qs.filter(Q(code__startswith=text) | Q(name__icontains=text))
    return list(qs.order_by("code")[:limit])


def account_get(*, user, book: Book, code: str) -> BookAccount:
    require_read(user, book.region_code)
    found = BookAccount.objects.filter(book=book, code=str(code or "").strip()).first()
    if found is None:
        raise NotFound(f"本账套没有科目 {code}。", f"The book has no account {code}.", code="account_unknown")
    return found


def book_members(*, user, book: Book) -> QuerySet[Member]:
    """The organisation's members a member line may name, in id order."""
    require_read(user, book.region_code)
    return Member.objects.filter(cooperative_id=book.cooperative_id).order_by("id")


def voucher_get(*, user, voucher_id: int) -> Voucher:
    try:
        voucher = Voucher.objects.select_related(
            "book__cooperative", "book__chart", "maker", "checker", "poster", "period", "reverses"
        ).get(pk=voucher_id)
    except (Voucher.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该凭证。", "No such voucher.", details={"id": voucher_id}) from None
    require_read(user, voucher.region_code)
    return voucher


def voucher_reversal(voucher: Voucher) -> Voucher | None:
    """The voucher that reverses `voucher` (read through voucher_get), if any."""
    return Voucher.objects.select_related("maker").filter(reverses=voucher).first()


def voucher_rows(
    *, user, book: Book, year: int | None = None, month: int | None = None, status: str | None = None
) -> QuerySet[Voucher]:
    """The book's vouchers, optionally of one month and status: posted by number, drafts after, by date."""
    require_read(user, book.region_code)
    qs = Voucher.objects.filter(book=book).select_related("maker", "checker", "poster", "reverses")
    if year is not None:
        qs = qs.filter(date__year=year)
        if month is not None:
            qs = qs.filter(date__month=month)
    if status in (VoucherStatus.DRAFT, VoucherStatus.POSTED):
        qs = qs.filter(status=status)
    return qs.order_by("date", "number", "id")


@dataclass(frozen=True)
class MonthRow:
    year: int
    month: int
    period: Period | None  # None: no voucher was posted in it yet, so no row exists; it is open
    drafts: int

    @property
    def closed(self) -> bool:
        return self.period is not None and self.period.status == PeriodStatus.CLOSED

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


def month_rows(*, user, book: Book, through: dt.date | None = None) -> list[MonthRow]:
    """Every month from the book's first through the later of `through` (today) and its last period row."""
    require_read(user, book.region_code)
    through = through or dt.date.today()
    periods = {(p.year, p.month): p for p in Period.objects.filter(book=book).select_related("closed_by")}
    last = max([(through.year, through.month), *periods.keys()])
    drafts: dict[tuple[int, int], int] = {}
    for date in Voucher.objects.filter(book=book, status=VoucherStatus.DRAFT).values_list("date", flat=True):
        drafts[(date.year, date.month)] = drafts.get((date.year, date.month), 0) + 1
    rows = []
    year, month = book.start_year, book.start_month
    while (year, month) <= last:
        rows.append(MonthRow(year, month, periods.get((year, month)), drafts.get((year, month), 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return rows
