"""Reads of the books, always given the user and scoped to the book's region."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet, Sum

from tongzhou.regions.scope import readable, require_read

from .domain.balances import AccountInfo, Posting, TrialBalance, trial_balance
from .models import Book, BookAccount, Voucher, VoucherLine, VoucherStatus


def book_list(*, user) -> QuerySet[Book]:
    return readable(Book.objects.select_related("cooperative", "chart"), user, field="region_code")


def voucher_list(*, user, book: Book, status: str | None = None) -> QuerySet[Voucher]:
    require_read(user, book.region_code)
    qs = Voucher.objects.filter(book=book).select_related("maker", "checker", "poster", "period")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("date", "number", "id")


def posted_balances(
    *,
    book: Book,
    before: dt.date | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> dict[int, tuple[int, int]]:
    """(debit, credit) per account id over posted lines in a date range. Not scoped: callers check the user."""
    qs = VoucherLine.objects.filter(book=book, voucher__status=VoucherStatus.POSTED)
    if before is not None:
        qs = qs.filter(voucher__date__lt=before)
    if date_from is not None:
        qs = qs.filter(voucher__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(voucher__date__lte=date_to)
    return {
        row["account_id"]: (row["d"] or 0, row["c"] or 0)
        for row in qs.values("account_id").annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    }


def trial_balance_of(*, user, book: Book, date_from: dt.date, date_to: dt.date) -> TrialBalance:
    """The trial balance (发生额及余额表) of posted vouchers dated `date_from`..`date_to`, with the opening balances
    of everything posted before."""
    require_read(user, book.region_code)
    accounts = list(BookAccount.objects.filter(book=book).select_related("parent"))
    code_of = {a.pk: a.code for a in accounts}
    infos = [
        AccountInfo(a.code, a.name, a.normal_balance, a.parent.code if a.parent else "") for a in accounts
    ]
    opening = {
        code_of[pk]: d - c for pk, (d, c) in posted_balances(book=book, before=date_from).items() if d != c
    }
    postings = [
        Posting(code_of[pk], d, c)
        for pk, (d, c) in posted_balances(book=book, date_from=date_from, date_to=date_to).items()
    ]
    return trial_balance(infos, opening=opening, postings=postings)
