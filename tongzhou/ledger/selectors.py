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


# -- Statements (ledger/statements/): the movements they are built from, one SUM … GROUP BY over the lines --------


def _movements(lines, key: str, date_from: dt.date, date_to: dt.date) -> dict:
    """Per `key`: the balance before `date_from` (debit positive), the debits and credits of the period and those of
    the year-close vouchers among them; and per `key` of a member account the (opening, closing) of each member.
    One aggregate query over posted lines, grouped by account and member."""
    from django.db.models import BigIntegerField, Case, F, Q, Value, When

    from .statements.data import YEAR_CLOSE_SOURCE, Movement

    big = BigIntegerField()
    zero = Value(0, output_field=big)
    before = Q(voucher__date__lt=date_from)
    within = Q(voucher__date__gte=date_from)
    closing = within & Q(voucher__source__startswith=YEAR_CLOSE_SOURCE)
    rows = (
        lines.filter(voucher__status=VoucherStatus.POSTED, voucher__date__lte=date_to)
        .order_by()
        .values(key, "member_id")
        .annotate(
            opening=Sum(
                Case(When(before, then=F("debit_fen") - F("credit_fen")), default=zero, output_field=big)
            ),
            debit=Sum(Case(When(within, then=F("debit_fen")), default=zero, output_field=big)),
            credit=Sum(Case(When(within, then=F("credit_fen")), default=zero, output_field=big)),
            close_debit=Sum(Case(When(closing, then=F("debit_fen")), default=zero, output_field=big)),
            close_credit=Sum(Case(When(closing, then=F("credit_fen")), default=zero, output_field=big)),
        )
    )
    movements: dict = {}
    members: dict = {}
    for row in rows:
        m = Movement(
            row["opening"] or 0,
            row["debit"] or 0,
            row["credit"] or 0,
            row["close_debit"] or 0,
            row["close_credit"] or 0,
        )
        k = row[key]
        had = movements.get(k)
        movements[k] = m if had is None else had.plus(m)
        if row["member_id"] is not None:
            members.setdefault(k, []).append((m.opening, m.closing))
    return movements, members


def _distribution_flows(lines, distribution_ids, date_from: dt.date, date_to: dt.date) -> dict[int, tuple]:
    """(debit, credit) per chart account of the lines of the period's vouchers that touch the distribution account
    (盈余分配 / 收益分配), its own lines and the year-close vouchers left out."""
    from .statements.data import YEAR_CLOSE_SOURCE

    touching = lines.filter(account__chart_account_id__in=distribution_ids).values("voucher_id")
    rows = (
        lines.filter(
            voucher__status=VoucherStatus.POSTED,
            voucher__date__gte=date_from,
            voucher__date__lte=date_to,
            voucher_id__in=touching,
        )
        .exclude(voucher__source__startswith=YEAR_CLOSE_SOURCE)
        .exclude(account__chart_account_id__in=distribution_ids)
        .order_by()
        .values("account__chart_account_id")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    return {row["account__chart_account_id"]: (row["d"] or 0, row["c"] or 0) for row in rows}


def _chart_codes(chart_id: int) -> dict[int, object]:
    from .models import ChartAccount

    return {a.pk: a for a in ChartAccount.objects.filter(chart_id=chart_id)}


def statement_data_of_book(*, book: Book, date_from: dt.date, date_to: dt.date):
    """The `LedgerData` of one book: its accounts (sub-accounts included) and their movements. Not scoped:
    callers check the user."""
    from .statements.data import ROLE_CODES, LedgerData, StatementAccount

    accounts = list(BookAccount.objects.filter(book=book).select_related("parent", "member"))
    code_of = {a.pk: a.code for a in accounts}
    chart = _chart_codes(book.chart_id)
    standard = book.chart.standard
    distribution = [pk for pk, a in chart.items() if a.code == ROLE_CODES[standard]["distribution"]]
    lines = VoucherLine.objects.filter(book=book)
    movements, members = _movements(lines, "account_id", date_from, date_to)
    flows = _distribution_flows(lines, distribution, date_from, date_to)
    return LedgerData(
        standard=standard,
        entity=book.cooperative.name,
        date_from=date_from,
        date_to=date_to,
        accounts=tuple(
            StatementAccount(
                a.code,
                a.name,
                a.normal_balance,
                a.account_class,
                a.parent.code if a.parent else "",
                str(a.member) if a.member_id else "",
            )
            for a in accounts
        ),
        movements={code_of[pk]: m for pk, m in movements.items()},
        member_balances={code_of[pk]: tuple(v) for pk, v in members.items()},
        flows={chart[pk].code: v for pk, v in flows.items()},
    )


def statement_data_of_region(*, region_code: str, chart, entity: str, date_from: dt.date, date_to: dt.date):
    """The `LedgerData` of every book kept to `chart` under a region (prefix of its code), summed per account of
    the chart: the same one SUM … GROUP BY, grouped by the chart account. Not scoped: callers check the user."""
    from tongzhou.regions.scope import code_prefix_q

    from .statements.data import ROLE_CODES, LedgerData, StatementAccount

    chart_accounts = _chart_codes(chart.pk)
    standard = chart.standard
    distribution = [pk for pk, a in chart_accounts.items() if a.code == ROLE_CODES[standard]["distribution"]]
    lines = VoucherLine.objects.filter(
        code_prefix_q("region_code", region_code), account__chart_account_id__in=list(chart_accounts)
    )
    movements, members = _movements(lines, "account__chart_account_id", date_from, date_to)
    flows = _distribution_flows(lines, distribution, date_from, date_to)
    books = Book.objects.filter(code_prefix_q("region_code", region_code), chart=chart).count()
    return LedgerData(
        standard=standard,
        entity=entity,
        date_from=date_from,
        date_to=date_to,
        accounts=tuple(
            StatementAccount(a.code, a.name, a.normal_balance, a.account_class, a.parent_code)
            for a in sorted(chart_accounts.values(), key=lambda a: a.code)
        ),
        movements={chart_accounts[pk].code: m for pk, m in movements.items()},
        member_balances={chart_accounts[pk].code: tuple(v) for pk, v in members.items()},
        flows={chart_accounts[pk].code: v for pk, v in flows.items()},
        books=books,
    )


def monthly_movements(lines, key: str, code_of: dict, date_from: dt.date, date_to: dt.date) -> dict:
    """(debit, credit) per (account code, year, month) of posted lines in the period: the general ledger's
    本月合计. Grouped by the voucher's period row (its year and month)."""
    rows = (
        lines.filter(
            voucher__status=VoucherStatus.POSTED, voucher__date__gte=date_from, voucher__date__lte=date_to
        )
        .order_by()
        .values(key, "voucher__period__year", "voucher__period__month")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    return {
        (code_of[r[key]], r["voucher__period__year"], r["voucher__period__month"]): (r["d"] or 0, r["c"] or 0)
        for r in rows
    }


def account_entries(
    *, book: Book, codes: list[str], member_id: int | None, date_from: dt.date, date_to: dt.date
):
    """The opening balance and every posted line in the period of the accounts `codes` of a book (one member's
    lines only, given `member_id`), in date and voucher-number order: the subsidiary ledger."""
    lines = VoucherLine.objects.filter(
        book=book, account__code__in=codes, voucher__status=VoucherStatus.POSTED
    )
    if member_id is not None:
        lines = lines.filter(member_id=member_id)
    opening = lines.filter(voucher__date__lt=date_from).aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    entries = (
        lines.filter(voucher__date__gte=date_from, voucher__date__lte=date_to)
        .order_by("voucher__date", "voucher__number", "voucher_id", "line_no")
        .values_list("voucher__date", "voucher__number", "summary", "debit_fen", "credit_fen")
    )
    return (opening["d"] or 0) - (opening["c"] or 0), list(entries)
