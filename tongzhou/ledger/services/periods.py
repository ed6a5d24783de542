"""Monthly periods: closing a month (月末结账) and reopening it (反结账).

Months close in order: a month closes only when every earlier month of the book is closed and it holds no
unposted voucher; only the latest closed month reopens, and not once its year is closed. So an open month never
follows a closed one, and posting needs to look at its own month only.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.core.errors import Conflict
from tongzhou.regions.scope import require_write

from ..domain.vouchers import voucher_error
from ..models import Book, Period, PeriodStatus, Voucher, VoucherStatus


def _months(from_year: int, from_month: int, to_year: int, to_month: int):
    year, month = from_year, from_month
    while (year, month) <= (to_year, to_month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def ensure_periods_through(book: Book, year: int, month: int) -> None:
    """Create the book's missing period rows from its first month through `year`-`month` (concurrency-safe)."""
    Period.objects.bulk_create(
        [
            Period(book=book, year=y, month=m)
            for y, m in _months(book.start_year, book.start_month, year, month)
        ],
        ignore_conflicts=True,
    )


def check_date_in_book(book: Book, on: object, *, field: str = "date") -> dt.date:
    """A real date, not before the book's first month, in an open month and an open year."""
    _check_date(book, on, field)
    if Period.objects.filter(book=book, year=on.year, month=on.month, status=PeriodStatus.CLOSED).exists():
        raise period_closed_error(on.year, on.month, field=field)
    return on


def lock_open_period(book: Book, on: object, *, field: str = "date") -> Period:
    """The period of `on` for posting into, locked until the transaction ends: the date checked as
    `check_date_in_book` checks it, the month's status read from the locked row (not by a query of its own)."""
    _check_date(book, on, field)
    period = lock_period(book, on.year, on.month)
    if period.status != PeriodStatus.OPEN:
        raise period_closed_error(on.year, on.month, field=field)
    return period


def _check_date(book: Book, on: object, field: str) -> None:
    """A real date, not before the book's first month, in an open year (the month is the caller's to check)."""
    if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
        raise voucher_error(field, "日期无效。", "The date is not valid.", "date_invalid", value=str(on))
    if (on.year, on.month) < (book.start_year, book.start_month):
        raise voucher_error(
            field,
            f"日期早于本账套启用期间 {book.start_year} 年 {book.start_month} 月。",
            f"The date is before the books' first month ({book.start_year}-{book.start_month:02d}).",
            "date_before_book",
            value=on.isoformat(),
        )
    closed_year = book.cooperative.closed_through_year
    if closed_year is not None and on.year <= closed_year:
        raise voucher_error(
            field,
            f"{closed_year} 年及以前的账已结，不能再记。",
            f"The books are closed through {closed_year}.",
            "year_closed",
            value=on.isoformat(),
        )


def period_closed_error(year: int, month: int, *, field: str = "date"):
    return voucher_error(
        field,
        f"{year} 年 {month} 月已结账，不能再记账。",
        f"The period {year}-{month:02d} is closed; nothing may be posted into it.",
        "period_closed",
        period=f"{year}-{month:02d}",
    )


def lock_period(book: Book, year: int, month: int) -> Period:
    """The period row, locked until the transaction ends (the voucher-number counter and the close flag)."""
    ensure_periods_through(book, year, month)
    return Period.objects.select_for_update().get(book=book, year=year, month=month)


def _check_month(month: object, year: object) -> tuple[int, int]:
    if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
        raise voucher_error("year", "年度不正确。", "The year is not valid.", "year_invalid", value=str(year))
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise voucher_error(
            "month", "月份须在 1–12 之间。", "The month is 1 to 12.", "month_invalid", value=str(month)
        )
    return year, month


@transaction.atomic
def period_close(*, user, book: Book, year: int, month: int, via: str = "web") -> Period:
    """Close a month: every earlier month closed, every voucher dated in it posted."""
    require_write(user, book.region_code)
    year, month = _check_month(month, year)
    if (year, month) < (book.start_year, book.start_month):
        raise voucher_error(
            "month",
            "该月份早于账套启用期间。",
            "The month is before the books' first month.",
            "date_before_book",
        )
    period = lock_period(book, year, month)
    if period.status == PeriodStatus.CLOSED:
        raise Conflict(
            f"{year} 年 {month} 月已结账。",
            f"The period {year}-{month:02d} is already closed.",
            code="period_closed",
        )
    earlier_open = (
        Period.objects.filter(book=book, status=PeriodStatus.OPEN)
        .filter(year__lte=year)
        .exclude(year=year, month__gte=month)
        .order_by("year", "month")
        .first()
    )
    if earlier_open is not None:
        raise Conflict(
            f"请先结账 {earlier_open.year} 年 {earlier_open.month} 月。",
            f"Close {earlier_open.year}-{earlier_open.month:02d} first; months close in order.",
            code="earlier_period_open",
            details={"period": f"{earlier_open.year}-{earlier_open.month:02d}"},
        )
    drafts = Voucher.objects.filter(
        book=book, status=VoucherStatus.DRAFT, date__year=year, date__month=month
    ).count()
    if drafts:
        raise Conflict(
            f"本月还有 {drafts} 张未记账凭证，请先记账或删除。",
            f"The month still has {drafts} unposted voucher(s); post or delete them first.",
            code="period_has_drafts",
            details={"drafts": drafts},
        )
    period.status = PeriodStatus.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = user if getattr(user, "is_authenticated", False) else None
    period.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(
        user=user,
        action="ledger.period_close",
        obj=period,
        region_code=book.region_code,
        via=via,
        details={"period": f"{year}-{month:02d}", "vouchers": period.last_number},
    )
    return period


@transaction.atomic
def period_reopen(*, user, book: Book, year: int, month: int, via: str = "web") -> Period:
    """Reopen the latest closed month (反结账), unless its year is closed."""
    require_write(user, book.region_code)
    year, month = _check_month(month, year)
    period = Period.objects.select_for_update().filter(book=book, year=year, month=month).first()
    if period is None or period.status != PeriodStatus.CLOSED:
        raise Conflict(
            f"{year} 年 {month} 月未结账。",
            f"The period {year}-{month:02d} is not closed.",
            code="period_not_closed",
        )
    later_closed = (
        Period.objects.filter(book=book, status=PeriodStatus.CLOSED)
        .filter(year__gte=year)
        .exclude(year=year, month__lte=month)
        .exists()
    )
    if later_closed:
        raise Conflict(
            "只能反结账最近一个已结账的月份。",
            "Only the latest closed month can be reopened.",
            code="later_period_closed",
        )
    closed_year = book.cooperative.closed_through_year
    if closed_year is not None and year <= closed_year:
        raise Conflict(
            f"{closed_year} 年已年结，不能反结账。",
            f"The year {closed_year} is closed; its months cannot be reopened.",
            code="year_closed",
        )
    period.status = PeriodStatus.OPEN
    period.closed_at = None
    period.closed_by = None
    period.save(update_fields=["status", "closed_at", "closed_by"])
    audit_record(
        user=user,
        action="ledger.period_reopen",
        obj=period,
        region_code=book.region_code,
        via=via,
        details={"period": f"{year}-{month:02d}"},
    )
    return period
