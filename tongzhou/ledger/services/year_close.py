"""Year close (年终结账), per 农民专业合作社会计制度 and 农村集体经济组织会计制度.

On 31 December two closing vouchers are posted: the first carries the balance of every profit-and-loss account
into the year's result (本年盈余 331 / 本年收益 321); the second carries that result into its distribution
(盈余分配 332 / 收益分配 322, the 未分配盈余 / 未分配收益 sub-account where the book keeps one). December is then
closed and `Cooperative.closed_through_year` set to the year, which closes the year to vouchers (check_date_in_book)
and to member transactions and share entries alike (they read the same field).

Every earlier month of the year must be closed and December must hold no draft. December may already be closed:
the closing vouchers are the one thing still posted into it. They are made, checked and posted by the one user who
closes the year (system vouchers, `source = "ledger.year_close:<year>"`), numbered after December's last voucher.
One transaction: a refusal changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Cooperative
from tongzhou.core.errors import Conflict
from tongzhou.regions.scope import require_write

from ..domain.vouchers import voucher_error
from ..models import Book, BookAccount, Period, PeriodStatus, Voucher, VoucherLine, VoucherStatus
from ..selectors import posted_balances
from ..statements.data import PROFIT_AND_LOSS, ROLE_CODES, YEAR_CLOSE_SOURCE
from .balances import balances_keep
from .periods import ensure_periods_through, lock_period

UNDISTRIBUTED = ("未分配盈余", "未分配收益")


def _leaf_for(book: Book, code: str) -> BookAccount:
    """The account that takes the closing line: the account itself, or its 未分配… sub-account."""
    account = BookAccount.objects.filter(book=book, code=code).first()
    if account is None:
        raise voucher_error(
            "account", f"本账套没有科目 {code}。", f"The books have no account {code}.", "account_unknown"
        )
    if account.is_leaf:
        return account
    child = BookAccount.objects.filter(
        book=book, parent=account, name__in=UNDISTRIBUTED, is_leaf=True
    ).first()
    if child is None:
        raise voucher_error(
            "account",
            f"科目 {code} 已设下级科目，年结需要其“未分配”明细科目。",
            f"The account {code} has sub-accounts; the year close needs its 未分配 sub-account.",
            "closing_account_missing",
        )
    return child


def _post_closing(book: Book, period: Period, user, on: dt.date, summary: str, lines: list[tuple]) -> Voucher:
    """Write one posted closing voucher: a draft, its lines, then posted with December's next number (the order
    the PostgreSQL triggers ask for)."""
    actor = user if getattr(user, "is_authenticated", False) else None
    now = timezone.now()
    voucher = Voucher.objects.create(
        book=book,
        date=on,
        summary=summary,
        source=f"{YEAR_CLOSE_SOURCE}:{on.year}",
        maker=actor,
        region_code=book.region_code,
        county_code=book.county_code,
    )
    VoucherLine.objects.bulk_create(
        [
            VoucherLine(
                voucher=voucher,
                line_no=n,
                account=account,
                summary=summary,
                debit_fen=debit,
                credit_fen=credit,
                book=book,
                region_code=book.region_code,
                county_code=book.county_code,
            )
            for n, (account, debit, credit) in enumerate(lines, start=1)
        ]
    )
    period.last_number += 1
    period.save(update_fields=["last_number"])
    voucher.status = VoucherStatus.POSTED
    voucher.period = period
    voucher.number = period.last_number
    voucher.checker = voucher.poster = actor
    voucher.checked_at = voucher.posted_at = now
    voucher.save()
    balances_keep(voucher_ids=[voucher.pk])
    return voucher


@transaction.atomic
def year_close(*, user, book: Book, year: int, via: str = "web") -> list[Voucher]:
    """Close the year of a book: the closing vouchers, December closed, the year marked closed. Returns the
    closing vouchers (none when every profit-and-loss account and the year's result are already zero)."""
    book = Book.objects.select_related("cooperative", "chart").get(pk=book.pk)
    require_write(user, book.region_code)
    cooperative = Cooperative.objects.select_for_update().get(pk=book.cooperative_id)
    if not isinstance(year, int) or isinstance(year, bool) or not book.start_year <= year <= 2100:
        raise voucher_error(
            "year",
            f"年度须不早于账套启用年度 {book.start_year}。",
            f"The year is not before the books' first year ({book.start_year}).",
            "year_invalid",
            value=str(year),
        )
    closed = cooperative.closed_through_year
    if closed is not None and year <= closed:
        raise Conflict(
            f"{year} 年已年结。",
            f"The year {year} is already closed.",
            code="year_closed",
            details={"year": year},
        )
    expected = (closed + 1) if closed is not None and closed >= book.start_year else book.start_year
    if year != expected:
        raise Conflict(
            f"请先年结 {expected} 年。",
            f"Close {expected} first; years close in order.",
            code="earlier_year_open",
            details={"year": expected},
        )
    roles = ROLE_CODES.get(book.chart.standard)
    if roles is None:
        raise voucher_error(
            "book", "该账套的会计制度不做年结。", "This chart has no year close.", "standard_unknown"
        )
    ensure_periods_through(book, year, 12)
    december = lock_period(book, year, 12)
    first_month = book.start_month if year == book.start_year else 1
    still_open = (
        Period.objects.filter(book=book, year=year, month__gte=first_month, month__lt=12)
        .exclude(status=PeriodStatus.CLOSED)
        .order_by("month")
        .first()
    )
    if still_open is not None:
        raise Conflict(
            f"请先结账 {year} 年 {still_open.month} 月。",
            f"Close {year}-{still_open.month:02d} first; the year closes after its months.",
            code="earlier_period_open",
            details={"period": f"{year}-{still_open.month:02d}"},
        )
    drafts = Voucher.objects.filter(book=book, status=VoucherStatus.DRAFT, date__year=year).count()
    if drafts:
        raise Conflict(
            f"{year} 年还有 {drafts} 张未记账凭证，请先记账或删除。",
            f"The year still has {drafts} unposted voucher(s); post or delete them first.",
            code="period_has_drafts",
            details={"drafts": drafts},
        )

    on = dt.date(year, 12, 31)
    balances = posted_balances(book=book, date_to=on)
    accounts = {a.pk: a for a in BookAccount.objects.filter(book=book)}
    current = _leaf_for(book, roles["current"])
    distribution = _leaf_for(book, roles["distribution"])
    vouchers = []

    # 1. Every profit-and-loss account's balance into the year's result.
    pl_lines = []
    result = 0  # credit positive: a surplus
    for pk, (debit, credit) in sorted(balances.items(), key=lambda kv: accounts[kv[0]].code):
        account = accounts[pk]
        net = debit - credit
        if account.account_class != PROFIT_AND_LOSS or net == 0:
            continue
        pl_lines.append((account, 0, net) if net > 0 else (account, -net, 0))
        result -= net
    if pl_lines:
        word = "盈余" if roles["current"] == "331" else "收益"
        pl_lines.append((current, 0, result) if result > 0 else (current, -result, 0))
        if result == 0:  # income and costs cancel: the result line would be empty
            pl_lines.pop()
        if len(pl_lines) >= 2:
            vouchers.append(_post_closing(book, december, user, on, f"结转本年损益至本年{word}", pl_lines))

    # 2. The year's result into its distribution.
    d, c = posted_balances(book=book, date_to=on).get(current.pk, (0, 0))
    standing = c - d
    if standing:
        word = "盈余" if roles["current"] == "331" else "收益"
        lines = (
            [(current, standing, 0), (distribution, 0, standing)]
            if standing > 0
            else [(distribution, -standing, 0), (current, 0, -standing)]
        )
        vouchers.append(_post_closing(book, december, user, on, f"结转本年{word}至未分配{word}", lines))

    if december.status != PeriodStatus.CLOSED:
        december.status = PeriodStatus.CLOSED
        december.closed_at = timezone.now()
        december.closed_by = user if getattr(user, "is_authenticated", False) else None
        december.save(update_fields=["status", "closed_at", "closed_by"])
    cooperative.closed_through_year = year
    cooperative.save(update_fields=["closed_through_year", "updated_at"])
    audit_record(
        user=user,
        action="ledger.year_close",
        obj=book,
        region_code=book.region_code,
        via=via,
        details={"year": year, "vouchers": [v.number for v in vouchers], "result_fen": standing},
    )
    return vouchers
