"""Reads of the books, always given the user and scoped to the book's region."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.expressions import BaseExpression

from tongzhou.regions.scope import readable, require_read

from .domain.balances import AccountInfo, Posting, TrialBalance, trial_balance
from .models import AccountBalance, Book, BookAccount, Voucher, VoucherLine, VoucherStatus

# The statements read whole years from the kept balances (`AccountBalance`) and the rest from the lines; False: from
# the lines alone (the tests and the bench compare both).
KEPT_READS = True


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
    """(debit, credit) per account id over posted lines in a date range: the whole years in it from the kept
    balances, the rest from the lines, in one query. Not scoped: callers check the user."""
    qs = VoucherLine.objects.filter(book=book, voucher__status=VoucherStatus.POSTED)
    ends = [d for d in (before, date_to and date_to + dt.timedelta(days=1)) if d is not None]
    first, end = date_from, min(ends) if ends else None
    years, days = _split(first, end) if KEPT_READS else (None, [(first, end)])
    lines = Q()
    for lo, hi in days:
        lines |= (Q(voucher__date__gte=lo) if lo else Q()) & (Q(voucher__date__lt=hi) if hi else Q())
    qs = (
        qs.filter(lines)
        .order_by()
        .values_list("account_id")
        .annotate(d=_sum("debit_fen"), c=_sum("credit_fen"))
    )
    if years is not None:
        lo, hi = years
        kept = AccountBalance.objects.filter(county_code=book.county_code, book=book)
        kept = kept.filter(year__gte=lo) if lo is not None else kept
        kept = kept.filter(year__lt=hi) if hi is not None else kept
        kept = kept.order_by().values_list("account_id").annotate(d=_sum("debit_fen"), c=_sum("credit_fen"))
        qs = kept.union(qs, all=True) if days else kept
    out: dict[int, tuple[int, int]] = {}
    for account_id, d, c in qs:
        had = out.get(account_id, (0, 0))
        out[account_id] = (had[0] + d, had[1] + c)
    return out


def _split(first: dt.date | None, end: dt.date | None) -> tuple[tuple | None, list[tuple]]:
    """The days from `first` before `end` (either open): (the whole years among them, as [first year, year after]
    with None for open, or None; the spans of days left, a ragged end at either side, as [first day, day after])."""
    year = _first_year_on(first) if first is not None else None
    if year is not None and end is not None and year >= end.year:  # no whole year: the days
        return None, [(first, end)]
    days = []
    if first is not None and first < dt.date(year, 1, 1):
        days.append((first, dt.date(year, 1, 1)))
    if end is not None and dt.date(end.year, 1, 1) < end:
        days.append((dt.date(end.year, 1, 1), end))
    return (year, end.year if end is not None else None), days


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
#
# Every statement of a book, or of a region rolled up per chart, reads `LedgerData` (ledger/statements/data.py):
# the accounts and, per account, the balance before the period, the period's debits and credits and what the
# year-close vouchers moved. All of it, for every book under a region and for several periods at once (the
# balance sheet's year, the surplus statement's same period a year earlier), comes from one aggregate over the
# posted lines, nested three deep so that only one row per account leaves the database:
#   1. per (book, account, member), in the order of the index on those, so SQLite needs no sort: the debits and
#      credits of each date bucket (the spans between the periods' first days and the days after their last),
#      summed with a date test per line and bucket — or, where no posted voucher lies before the latest bucket
#      (the books' first year read for the year), plain sums, as the bare SQL's (see `_account_rows`);
#   2. for the roll-up, per (chart account, member);
#   3. per account: the sums of those, and the member's balance through each bucket (so as of each period's
#      opening and closing day) split by sign: Σ of the members' balances that are
#      positive and Σ of those that are negative (the account's lines that name no member count as one more
#      member), which is what the balance sheet needs of an account kept per member (a member who owes and one
#      who is owed stand apart: 成员往来 / 内部往来).
# Whole years are read from the kept balances (`AccountBalance`, ledger/services/balances.py: the posted lines summed
# per book, account, member and year, kept by every posting) instead of their lines: each bucket's years that no cut
# splits come from there, the rest (the ragged ends: the days of a year a cut falls in) from the lines, both summed
# per (book, account, member) into step 1 (see `_kept_years`, `_account_rows`).
# The year-close vouchers' share of the debits and credits is a second, small aggregate over those vouchers only
# (found through the (book, status, date) index: they are posted on 31 December), and the counter lines of the
# vouchers that touch the distribution account (盈余分配 / 收益分配) a third.

Period = tuple[dt.date, dt.date]


def _cuts(periods: list[Period]) -> list[dt.date]:
    """The days a date bucket starts on: each period's first day and the day after its last."""
    return sorted({p[0] for p in periods} | {p[1] + dt.timedelta(days=1) for p in periods})


def _bucket(cuts: list[dt.date]):
    """A SQL expression: the number of `cuts` on or before the voucher's date, for a voucher dated before the last
    cut (every read filters on the periods' last day). Latest first: most lines fall in the latest bucket, so most
    lines are decided by one comparison."""
    from django.db.models import Case, IntegerField, Value, When

    if len(cuts) < 2:
        return Value(0, output_field=IntegerField())
    return Case(
        *(When(voucher__date__gte=cuts[i - 1], then=Value(i)) for i in range(len(cuts) - 1, 0, -1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _sum(field, **extra):
    """SUM cast to BIGINT, so PostgreSQL hands back an int, not a Decimal; 0 over no line."""
    from django.db.models import BigIntegerField
    from django.db.models.functions import Cast

    return Cast(Sum(field, default=0, **extra), BigIntegerField())


def _raw(qs):
    """The rows of a values_list query as the database cursor gives them, without the ORM's per-value converters
    (the sums are cast to BIGINT, so both databases give ints)."""
    sql, params = qs.query.sql_with_params()
    yield from _raw_sql(qs.db, sql, params)


def _raw_sql(db: str, sql: str, params) -> Iterator[tuple]:
    from django.db import connections

    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(20000):
            yield from chunk


def _spans(cuts: list[dt.date], periods: list[Period]) -> list[tuple[set[int], set[int]]]:
    """Per period: the buckets before it (its opening) and those within it."""
    spans = []
    for first, last in periods:
        lo = cuts.index(first) + 1  # buckets from `first` on
        hi = cuts.index(last + dt.timedelta(days=1))  # the bucket ending on `last`
        spans.append((set(range(lo)), set(range(lo, hi + 1))))
    return spans


def _lines_under(region_code: str | None, book_ids: list[int] | None, rows: QuerySet | None = None):
    """The lines (or the kept balances, `rows`) under a region (by its county code, exact, then the village code's
    range) or of some books."""
    from tongzhou.regions.scope import code_prefix_q

    lines = VoucherLine.objects.all() if rows is None else rows
    if book_ids is not None:
        lines = (
            lines.filter(book_id__in=book_ids) if len(book_ids) != 1 else lines.filter(book_id=book_ids[0])
        )
    if region_code:
        if len(region_code) >= 6:
            lines = lines.filter(county_code=region_code[:6])
            if len(region_code) > 6:
                lines = lines.filter(code_prefix_q("region_code", region_code))
        else:
            lines = lines.filter(code_prefix_q("county_code", region_code))
    return lines


def _kept_under(region_code: str | None, book_ids: list[int] | None):
    """The kept balances under a region or of some books; of books, with their counties, the first column of the
    kept balances' key."""
    kept = _lines_under(region_code, book_ids, AccountBalance.objects.all())
    if book_ids is not None and not region_code:
        kept = kept.filter(county_code__in=Book.objects.filter(pk__in=book_ids).values("county_code"))
    return kept


@dataclass(frozen=True)
class _AccountRows:
    """Per key (a book account's id, or a chart account's): a `Movement` per period (None where the key has no
    line before the period's end), and per period (Σ positive, Σ negative) of the members' balances when it opens
    and when it closes."""

    movements: dict[int, list]
    sides: dict[int, list[tuple[int, int, int, int]]]


@dataclass(frozen=True)
class _Source:
    """Rows to sum per (book, account, member): posted lines, or kept balances (whole years). `within(j)`: the
    test that a row lies in bucket j; `through(j)`: that it lies before bounds[j]; `member`: the member column."""

    rows: QuerySet
    within: Callable[[int], Q | None]
    through: Callable[[int], Q]
    member: str | BaseExpression = "member_id"


def _line_source(lines, bounds: list[dt.date], *, member=None) -> _Source:
    m = len(bounds)

    def within(j: int) -> Q | None:
        when = Q(voucher__date__gte=bounds[j - 1]) if j else Q()
        if j < m:
            when &= Q(voucher__date__lt=bounds[j])
        return when or None

    return _Source(lines, within, lambda j: Q(voucher__date__lt=bounds[j]), member or "member_id")


def _kept_source(kept, bounds: list[dt.date]) -> _Source:
    """Kept rows of whole years only (see `_kept_years`): a year lies in the bucket its 1 January does."""
    m = len(bounds)

    def within(j: int) -> Q | None:
        when = Q(year__gte=_first_year_on(bounds[j - 1])) if j else Q()
        if j < m:
            when &= Q(year__lt=bounds[j].year)
        return when or None

    return _Source(kept, within, lambda j: Q(year__lt=bounds[j].year), "member_key")


def _first_year_on(day: dt.date) -> int:
    """The first year that starts on or after `day`."""
    return day.year if (day.month, day.day) == (1, 1) else day.year + 1


def _kept_years(cuts: list[dt.date]) -> tuple[Q | None, Q | None]:
    """How the buckets between `cuts` (see `_cuts`) are read: (the kept balances' years that lie wholly in one
    bucket, the lines' dates that don't: the periods' ragged ends), each a filter, None where there is nothing to
    read. A year is read kept if no cut falls inside it and it ends by the last cut."""
    years: list[list] = []  # [first year or None, year after], adjacent spans merged
    days: list[list] = []  # [first day or None, day after]

    def add(spans: list[list], lo, hi) -> None:
        if spans and spans[-1][1] == lo:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])

    for j, hi in enumerate(cuts):
        whole, ragged = _split(cuts[j - 1] if j else None, hi)  # in date order, as the buckets are
        if whole is not None:
            add(years, *whole)
        for span in ragged:
            add(days, *span)

    def q(spans: list[list], field: str) -> Q | None:
        out = Q()
        for lo, hi in spans:
            out |= Q(**{f"{field}__lt": hi}) & (Q(**{f"{field}__gte": lo}) if lo is not None else Q())
        return out or None

    return q(years, "year"), q(days, "voucher__date")


def _bucket_sums(
    sources: list[_Source],
    m: int,
    counted: list[int],
    *,
    net_first: bool,
    per_chart: bool,
    pad: tuple = (0, 0, 0),
):
    """SQL and parameters of one aggregate over `sources` (lines, kept balances), a row per key (book account, or
    chart account `per_chart`): the key, then per bucket j (0 … m: before bounds[0], from bounds[j-1] before
    bounds[j], from the last bound on) Σ positive and Σ negative of the members' balances through bucket j, then
    the buckets' debits and credits (bucket 0's net only, `net_first`), then per bucket in `counted` the number of
    rows through it; `pad`: how many zeros go before the balances, before the debits and credits, and after the
    counts. Nested three deep (see above); each source is grouped per (book, account, member), the order of the
    index `voucher_line_book_acct_member` (and of the kept balances' key), so SQLite sums them as it reads them
    instead of sorting them first (an account lies in one book: the book only orders). Two sources (kept years and
    the lines of ragged ends) are summed per (book, account, member) once more, over their UNION ALL."""
    from django.db.models import F

    parts, params, db, member = [], [], None, None
    for source in sources:
        sums = {}
        for j in range(m + 1):
            if j == 0 and net_first:
                sums["n0"] = _sum(F("debit_fen") - F("credit_fen"), filter=source.within(0))
            else:
                sums[f"d{j}"] = _sum("debit_fen", filter=source.within(j))
                sums[f"c{j}"] = _sum("credit_fen", filter=source.within(j))
        for j in counted:
            sums[f"e{j}"] = Count("pk", filter=source.through(j) if j < m else None)
        inner = source.rows.order_by().values_list("book_id", "account_id", source.member).annotate(**sums)
        sql, p = inner.query.sql_with_params()
        parts.append(sql)
        params.extend(p)
        db = inner.db
        member = member or source.member
    if len(parts) == 1:
        sql = parts[0]
    else:
        regrouped = ", ".join(f"CAST(SUM(u.{c}) AS BIGINT) AS {c}" for c in sums)
        union = " UNION ALL ".join(f"SELECT * FROM ({part}) p{i}" for i, part in enumerate(parts))
        sql = (
            f"SELECT u.book_id, u.account_id, u.{member}, {regrouped} FROM ({union}) u"
            f" GROUP BY u.book_id, u.account_id, u.{member}"
        )
    if per_chart:
        # Per (chart account, member): a member of several books' accounts, and the lines naming no member of every
        # book, are one member of the chart account.
        accounts = BookAccount._meta.db_table
        summed = ", ".join(f"CAST(SUM(t.{c}) AS BIGINT) AS {c}" for c in sums)
        sql = (
            f"SELECT a.chart_account_id AS k, {summed} FROM ({sql}) t"
            f' INNER JOIN "{accounts}" a ON a.id = t.account_id GROUP BY a.chart_account_id, t.{member}'
        )
    else:
        sql = f"SELECT t.account_id AS k, {', '.join(f't.{c}' for c in sums)} FROM ({sql}) t"
    balances = ["m.n0" if net_first else "m.d0 - m.c0"]
    for j in range(1, m + 1):
        balances.append(f"{balances[-1]} + m.d{j} - m.c{j}")
    split = [
        f"CAST(SUM(CASE WHEN {b} {op} 0 THEN {b} ELSE 0 END) AS BIGINT)" for b in balances for op in "><"
    ]
    moved = [f"CAST(SUM(m.{c}) AS BIGINT)" for c in sums if c != "n0"]
    columns = ["0"] * pad[0] + split + ["0"] * pad[1] + moved + ["0"] * pad[2]
    return f"SELECT m.k, {', '.join(columns)} FROM ({sql}) m GROUP BY m.k", params, db


def _account_rows(
    lines, book_ids: list[int], periods: list[Period], *, per_chart: bool = False, kept=None
) -> _AccountRows:
    """The one aggregate over the posted lines (see above), per book account or, `per_chart`, per chart account:
    then the lines that name no member are one member per chart account, across the books, as the roll-up
    sums them. `book_ids`: the books the lines are of.

    Where the books have no posted voucher before the latest bucket (their first year, read for the whole year),
    every line lies in that bucket and is summed without a date test: plain sums per member, as the bare SQL's.
    Otherwise each line's date is tested per bucket. Both are one statement, each of its two halves guarded by
    whether such a voucher exists (looked up once, through the (book, status, date) index), so the database runs
    one half only.

    `kept`: the kept balances of the same books (`AccountBalance`, None to read the lines alone). The years that
    lie wholly in one bucket are read from them, and only the rest (the periods' ragged ends: a quarter, a span
    within a month) from the lines: both summed per (book, account, member) into the same aggregate."""
    from django.db.models import Exists, Value
    from django.db.models.functions import Coalesce

    from .models import NO_MEMBER
    from .statements.data import Movement

    cuts = _cuts(periods)
    n = len(cuts)  # buckets 0 … n-1: every line is dated before the last cut
    posted = lines.filter(voucher__status=VoucherStatus.POSTED, voucher__date__lte=max(p[1] for p in periods))
    # Per period: the bucket its opening balance runs through, and the one its closing balance does (the buckets
    # between, the first excluded, are the period's).
    ends = [(cuts.index(first), cuts.index(last + dt.timedelta(days=1))) for first, last in periods]
    # The periods' ends before the latest bucket: whether a key has a line through them is counted.
    early = sorted({hi for _lo, hi in ends if hi < n - 1})
    before = Exists(
        Voucher.objects.filter(book_id__in=book_ids, status=VoucherStatus.POSTED, date__lt=cuts[n - 2])
    )
    years, days = _kept_years(cuts) if kept is not None and KEPT_READS else (None, None)

    def sources(guard, bounds: list[dt.date]) -> list[_Source]:
        if years is None:
            return [_line_source(posted.filter(guard), bounds)]
        out = [_kept_source(kept.filter(years, guard), bounds)]
        if days is not None:  # the ragged ends, their "no member" the kept rows' NO_MEMBER, to sum with them
            member = Coalesce("member_id", Value(NO_MEMBER))
            out.append(_line_source(posted.filter(days, guard), bounds, member=member))
        return out

    dated, dated_params, db = _bucket_sums(
        sources(before, cuts[: n - 1]), n - 1, early, net_first=True, per_chart=per_chart
    )
    # The plain half in the dated half's columns: nothing before the latest bucket, no line through an early end.
    plain, plain_params, _db = _bucket_sums(
        sources(~before, []), 0, [], net_first=False, per_chart=per_chart,
        pad=(2 * (n - 1), 2 * (n - 2), len(early)),
    )  # fmt: skip
    rows: dict[int, tuple[list, list, dict]] = {}
    for row in _raw_sql(db, f"{dated} UNION ALL {plain}", (*dated_params, *plain_params)):
        values = row[1:]
        at = [(values[2 * j], values[2 * j + 1]) for j in range(n)]
        flows = values[2 * n : 2 * n + 2 * (n - 1)]
        moved = [(0, 0)] + [(flows[2 * j], flows[2 * j + 1]) for j in range(n - 1)]
        rows[row[0]] = (at, moved, dict(zip(early, values[2 * n + 2 * (n - 1) :], strict=True)))

    movements: dict[int, list] = {}
    sides: dict[int, list[tuple[int, int, int, int]]] = {}
    for key_id, (at, moved, lines_through) in rows.items():
        per_period, per_sides = [], []
        for lo, hi in ends:
            if not lines_through.get(hi, 1):  # no line before the period's end: no movement, as if read alone
                per_period.append(None)
                per_sides.append((0, 0, 0, 0))
                continue
            debit = sum(moved[j][0] for j in range(lo + 1, hi + 1))
            credit = sum(moved[j][1] for j in range(lo + 1, hi + 1))
            per_period.append(Movement(at[lo][0] + at[lo][1], debit, credit))
            per_sides.append((at[lo][0], at[lo][1], at[hi][0], at[hi][1]))
        movements[key_id] = per_period
        sides[key_id] = per_sides
    return _AccountRows(movements, sides)


def _flow_and_close_rows(
    book_ids: list[int], distribution_ids: list[int], periods: list[Period]
) -> tuple[dict[int, list[list[int]]], dict[int, list[list[int]]]]:
    """Two small aggregates in one query, each {account id: [[debit, credit] per period]}:
    the flows: the lines of the periods' vouchers that touch a distribution account (`distribution_ids`, one per
    book), their own lines and the year-close vouchers left out;
    the closes: the lines of the year-close vouchers of the books `book_ids` in each period."""
    from .statements.data import YEAR_CLOSE_SOURCE

    first, last = min(p[0] for p in periods), max(p[1] for p in periods)
    # The year close posts on 31 December (services/year_close.py): its vouchers are looked for on the periods'
    # 31 Decembers, through the (book, status, date) index, not among all the vouchers.
    days = [dt.date(y, 12, 31) for y in range(first.year, last.year + 1)]
    days = [day for day in days if first <= day <= last]
    # The vouchers touching a distribution account, found through the account index (by account alone: given the
    # books too, SQLite scans every line rather than look up hundreds of (book, account) pairs): a handful per book
    # and year. Both sets are worked out once, before the aggregate reads their lines: on PostgreSQL as ARRAY(…) init
    # plans, so no plan (on a table not analysed yet, say) can loop over the region's lines; SQLite always runs an
    # uncorrelated IN (…) once.
    sets = []
    if distribution_ids:
        sets.append(
            VoucherLine.objects.filter(account_id__in=distribution_ids).order_by().values("voucher_id")
        )
    if days and book_ids:
        sets.append(
            Voucher.objects.filter(
                book_id__in=sorted(set(book_ids)),
                status=VoucherStatus.POSTED,
                date__in=days,
                source__startswith=YEAR_CLOSE_SOURCE,
            )
            .order_by()
            .values("pk")
        )
    if not sets:
        return {}, {}
    from django.db import connections
    from django.db.models import BooleanField, Case, Value, When
    from django.db.models.expressions import RawSQL

    cuts = _cuts(periods)
    spans = _spans(cuts, periods)
    column = f'"{VoucherLine._meta.db_table}"."voucher_id"'
    sqls, params = [], []
    for qs in sets:
        sql, p = qs.query.sql_with_params()
        sqls.append(sql)
        params.extend(p)
    if connections[sets[0].db].vendor == "postgresql":
        test = f"{column} = ANY({' || '.join(f'ARRAY({sql})' for sql in sqls)})"
    else:
        test = " OR ".join(f"{column} IN ({sql})" for sql in sqls)
    among = RawSQL(f"({test})", params, output_field=BooleanField())
    closing = Case(
        When(voucher__source__startswith=YEAR_CLOSE_SOURCE, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = (
        VoucherLine.objects.filter(
            among, voucher__status=VoucherStatus.POSTED, voucher__date__gte=first, voucher__date__lte=last
        )
        .annotate(bucket=_bucket(cuts), year_close=closing)
        .order_by()
        .values_list("account_id", "bucket", "year_close")
        .annotate(d=_sum("debit_fen"), c=_sum("credit_fen"))
    )
    flows: dict[int, list[list[int]]] = {}
    closes: dict[int, list[list[int]]] = {}
    left_out = set(distribution_ids)
    for account_id, bucket, year_close, d, c in _raw(rows):
        if year_close:
            target = closes
        elif account_id in left_out:
            continue
        else:
            target = flows
        sums = target.setdefault(account_id, [[0, 0] for _ in periods])
        for (_before, within), s in zip(spans, sums, strict=True):
            if bucket in within:
                s[0] += int(d or 0)
                s[1] += int(c or 0)
    return flows, closes


def _book_accounts(book_ids: list[int]) -> list[tuple]:
    """(id, book id, chart account id, code, name, normal balance, class, parent code, member name) of the
    accounts of the books, as plain tuples."""
    return list(
        BookAccount.objects.filter(book_id__in=book_ids)
        .order_by("book_id", "code")
        .values_list(
            "pk",
            "book_id",
            "chart_account_id",
            "code",
            "name",
            "normal_balance",
            "account_class",
            "parent__code",
            "member__display_name",
        )
    )


def _chart_accounts_of(book_ids: list[int]) -> tuple[dict[int, str], set[int]]:
    """The codes of the accounts of the books' charts by id, and the ids of their distribution accounts (盈余分配 /
    收益分配)."""
    from .models import ChartAccount
    from .statements.data import ROLE_CODES

    charts = Book.objects.filter(pk__in=book_ids).values("chart_id")
    codes: dict[int, str] = {}
    distribution: set[int] = set()
    rows = ChartAccount.objects.filter(chart_id__in=charts).values_list("pk", "code", "chart__standard")
    for pk, code, standard in rows:
        codes[pk] = code
        if standard in ROLE_CODES and code == ROLE_CODES[standard]["distribution"]:
            distribution.add(pk)
    return codes, distribution


def statement_data_of_books(
    *, periods: list[Period], region_code: str | None = None, books: list[Book] | None = None
) -> dict[int, list]:
    """{book id: [`LedgerData` per period]} of every book under a region (`region_code`) or of `books`: one
    aggregate over their lines for all the books and periods, one over their year-close vouchers, one for the
    distribution flows. Not scoped: callers check the user."""
    from .statements.data import LedgerData, Movement, StatementAccount

    if books is None:
        from tongzhou.regions.scope import code_prefix_q

        book_rows = list(
            Book.objects.filter(code_prefix_q("region_code", region_code or ""))
            .order_by("pk")
            .values_list("pk", "chart_id", "chart__standard", "cooperative__name")
        )
    else:
        book_rows = [(b.pk, b.chart_id, b.chart.standard, b.cooperative.name) for b in books]
    if not book_rows:
        return {}
    ids = [row[0] for row in book_rows]
    accounts = _book_accounts(ids)
    chart_code, distribution_charts = _chart_accounts_of(ids)
    distribution = [a for a in accounts if a[2] in distribution_charts]
    scope = ids if books is not None else None
    lines = _lines_under(region_code, scope)
    rows = _account_rows(lines, ids, periods, kept=_kept_under(region_code, scope))
    flows, closes = _flow_and_close_rows(ids, [a[0] for a in distribution], periods)
    info = {a[0]: a for a in accounts}

    per_book: dict[int, dict] = {pk: {"m": [{} for _ in periods], "s": [{} for _ in periods], "f": [
        {} for _ in periods]} for pk in ids}  # fmt: skip
    for account_id, per_period in rows.movements.items():
        a = info.get(account_id)
        if a is None:  # a line whose book is not under the region: none is
            continue
        target = per_book[a[1]]
        close = closes.get(account_id)
        for i, (m, sides) in enumerate(zip(per_period, rows.sides[account_id], strict=True)):
            if m is None:
                continue
            if close is not None and close[i] != [0, 0]:
                m = Movement(m.opening, m.debit, m.credit, *close[i])
            target["m"][i][a[3]] = m
            target["s"][i][a[3]] = sides
    for account_id, per_period in flows.items():
        a = info.get(account_id)
        if a is None:
            continue
        code = chart_code[a[2]]
        for i, (d, c) in enumerate(per_period):
            if d or c:
                had = per_book[a[1]]["f"][i].get(code, (0, 0))
                per_book[a[1]]["f"][i][code] = (had[0] + d, had[1] + c)

    statement_accounts: dict[int, list] = {pk: [] for pk in ids}
    for a in accounts:
        statement_accounts[a[1]].append(StatementAccount(a[3], a[4], a[5], a[6], a[7] or "", a[8] or ""))
    out: dict[int, list] = {}
    for pk, _chart, standard, name in book_rows:
        target = per_book[pk]
        book_accounts = tuple(statement_accounts[pk])
        out[pk] = [
            LedgerData(
                standard=standard,
                entity=name,
                date_from=first,
                date_to=last,
                accounts=book_accounts,
                movements=target["m"][i],
                sides=target["s"][i],
                flows=target["f"][i],
            )
            for i, (first, last) in enumerate(periods)
        ]
    return out


def statement_data_of_book(*, book: Book, date_from: dt.date, date_to: dt.date):
    """The `LedgerData` of one book: its accounts (sub-accounts included) and their movements. Not scoped:
    callers check the user."""
    return statement_data_of_books(periods=[(date_from, date_to)], books=[book])[book.pk][0]


def statement_data_of_regions(
    *, region_code: str, charts: list, entity: str, periods: list[Period]
) -> dict[int, list]:
    """{chart id: [`LedgerData` per period]} of every book kept to each of `charts` under a region (prefix of its
    code), summed per account of the chart: one aggregate over the region's lines for every chart and period,
    grouped per chart account in the database. Not scoped: callers check the user."""
    from tongzhou.regions.scope import code_prefix_q

    from .models import ChartAccount
    from .statements.data import ROLE_CODES, LedgerData, Movement, StatementAccount

    chart_ids = [c.pk for c in charts]
    standard_of = {c.pk: c.standard for c in charts}
    chart_accounts = list(
        ChartAccount.objects.filter(chart_id__in=chart_ids)
        .order_by("code")
        .values_list("pk", "chart_id", "code", "name", "normal_balance", "account_class", "parent_code")
    )
    chart_info = {a[0]: a for a in chart_accounts}
    # The region's book accounts kept to one of the charts, mapped to their chart account; a book opens with the
    # accounts of its chart, so the books of each chart are those these accounts belong to.
    to_chart: dict[int, int] = {}
    book_of: dict[int, int] = {}
    books_of: dict[int, set[int]] = {pk: set() for pk in chart_ids}
    for pk, book_id, ca in BookAccount.objects.filter(
        code_prefix_q("region_code", region_code), chart_account_id__in=list(chart_info)
    ).values_list("pk", "book_id", "chart_account_id"):
        to_chart[pk] = ca
        book_of[pk] = book_id
        books_of[chart_info[ca][1]].add(book_id)
    books = {pk: len(ids) for pk, ids in books_of.items()}
    distribution = [
        pk
        for pk, ca in to_chart.items()
        if chart_info[ca][2] == ROLE_CODES[standard_of[chart_info[ca][1]]]["distribution"]
    ]
    lines = _lines_under(region_code, None)
    # the books of the charts' accounts: the other books' lines sum into no account of the charts
    rows = _account_rows(
        lines, sorted(set(book_of.values())), periods, per_chart=True, kept=_kept_under(region_code, None)
    )
    flows, closes = _flow_and_close_rows(sorted(set(book_of.values())), distribution, periods)

    per_chart = {c: {"m": [{} for _ in periods], "s": [{} for _ in periods], "f": [{} for _ in periods]}
                 for c in chart_ids}  # fmt: skip
    # The year-close vouchers' share, per chart account.
    chart_closes: dict[int, list[list[int]]] = {}
    for account_id, per_period in closes.items():
        ca = to_chart.get(account_id)
        if ca is None:
            continue
        had = chart_closes.setdefault(ca, [[0, 0] for _ in periods])
        for i, (d, c) in enumerate(per_period):
            had[i][0] += d
            had[i][1] += c
    for ca, per_period in rows.movements.items():
        a = chart_info.get(ca)
        if a is None:  # an account of a chart not in force, or no book's under the region
            continue
        chart_id, code = a[1], a[2]
        target = per_chart[chart_id]
        close = chart_closes.get(ca)
        for i, (m, sides) in enumerate(zip(per_period, rows.sides[ca], strict=True)):
            if m is None:
                continue
            if close is not None and close[i] != [0, 0]:
                m = Movement(m.opening, m.debit, m.credit, *close[i])
            target["m"][i][code] = m
            target["s"][i][code] = sides
    for account_id, per_period in flows.items():
        ca = to_chart.get(account_id)
        if ca is None:
            continue
        chart_id, code = chart_info[ca][1], chart_info[ca][2]
        for i, (d, c) in enumerate(per_period):
            if d or c:
                had = per_chart[chart_id]["f"][i].get(code, (0, 0))
                per_chart[chart_id]["f"][i][code] = (had[0] + d, had[1] + c)
    out: dict[int, list] = {}
    for chart in charts:
        accounts = tuple(
            StatementAccount(a[2], a[3], a[4], a[5], a[6]) for a in chart_accounts if a[1] == chart.pk
        )
        target = per_chart[chart.pk]
        out[chart.pk] = [
            LedgerData(
                standard=chart.standard,
                entity=entity,
                date_from=first,
                date_to=last,
                accounts=accounts,
                movements=target["m"][i],
                sides=target["s"][i],
                flows=target["f"][i],
                books=books.get(chart.pk, 0),
            )
            for i, (first, last) in enumerate(periods)
        ]
    return out


def statement_data_of_region(*, region_code: str, chart, entity: str, date_from: dt.date, date_to: dt.date):
    """The `LedgerData` of every book kept to `chart` under a region, summed per account of the chart. Not
    scoped: callers check the user."""
    return statement_data_of_regions(
        region_code=region_code, charts=[chart], entity=entity, periods=[(date_from, date_to)]
    )[chart.pk][0]


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
