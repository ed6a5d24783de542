"""The kept account balances (科目余额, `AccountBalance`): the posted lines summed per book, account, member, year
and year-close flag, kept current in the transaction that posts the lines and rebuilt from the lines on demand.

Every path that posts lines calls `balances_keep` with the vouchers it posted, inside its transaction: voucher_post
(a reversal is posted through it too), the year close, the automatic vouchers (one and in bulk). One statement
per call: `INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE`, adding the vouchers' sums to the kept rows. The
rows are inserted in key order, so concurrent posters in one book lock the kept rows they share in the same
order (PostgreSQL takes the row locks in the upsert and holds them to the end of the posting transaction).

A raw writer (the demo's, the bench's) that posts lines without these services calls `balances_keep` itself, or
`balances_rebuild` once at the end; `balances_check` says whether the kept rows agree with the lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from ..models import NO_MEMBER, AccountBalance, Voucher, VoucherLine
from ..statements.data import YEAR_CLOSE_SOURCE

KEPT = AccountBalance._meta.db_table
LINES = VoucherLine._meta.db_table
VOUCHERS = Voucher._meta.db_table
KEY = ("county_code", "book_id", "account_id", "member_key", "year", "year_close")
# Enough vouchers per statement for a month's import, few enough parameters for any SQLite build.
CHUNK = 5000


def _summed(where: str) -> str:
    """SELECT of the posted lines of the vouchers matching `where` (on `v`), summed per kept key, in key order."""
    if connection.vendor == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM v.date) AS INTEGER)"
    else:
        year = "CAST(strftime('%%Y', v.date) AS INTEGER)"
    close = f"(substr(v.source, 1, {len(YEAR_CLOSE_SOURCE)}) = '{YEAR_CLOSE_SOURCE}')"
    return (
        f"SELECT l.county_code, l.book_id, l.account_id, COALESCE(l.member_id, {NO_MEMBER}) AS member_key,"
        f" {year} AS year, {close} AS year_close,"
        " SUM(l.debit_fen) AS debit_fen, SUM(l.credit_fen) AS credit_fen, COUNT(*) AS lines,"
        " MIN(l.region_code) AS region_code"
        f" FROM {LINES} l INNER JOIN {VOUCHERS} v ON v.id = l.voucher_id"
        f" WHERE v.status = 'posted' AND {where}"
        " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
    )


COLUMNS = (*KEY, "debit_fen", "credit_fen", "lines", "region_code")


def balances_keep(*, voucher_ids: Iterable[int]) -> None:
    """Add the lines of the posted vouchers `voucher_ids` to the kept balances. Call it once per voucher, in the
    transaction that posts it, after it is posted (a voucher kept twice is counted twice)."""
    ids = sorted(set(voucher_ids))
    upsert = (
        f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET"
        f" debit_fen = {KEPT}.debit_fen + excluded.debit_fen,"
        f" credit_fen = {KEPT}.credit_fen + excluded.credit_fen,"
        f" lines = {KEPT}.lines + excluded.lines"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            where = f"v.id IN ({', '.join(['%s'] * len(chunk))})"
            # "WHERE true": SQLite's parser otherwise reads the ON of ON CONFLICT as a join's (an upsert's SELECT
            # must end in a clause of its own).
            cursor.execute(
                f"INSERT INTO {KEPT} ({', '.join(COLUMNS)}) SELECT * FROM ({_summed(where)}) s WHERE true{upsert}",
                chunk,
            )


@transaction.atomic
def balances_rebuild(*, county_code: str | None = None) -> int:
    """Recompute the kept balances from the posted lines (every county's, or one county's). Returns the rows."""
    with connection.cursor() as cursor:
        if county_code is None:
            cursor.execute(f"DELETE FROM {KEPT}")
            where, params = "1 = 1", []
        else:
            cursor.execute(f"DELETE FROM {KEPT} WHERE county_code = %s", [county_code])
            where, params = "l.county_code = %s", [county_code]
        cursor.execute(f"INSERT INTO {KEPT} ({', '.join(COLUMNS)}) {_summed(where)}", params)
        return cursor.rowcount


@dataclass(frozen=True)
class BalancesCheck:
    """How the kept balances compare with the lines: rows kept, rows the lines give, rows that differ (kept
    but not so in the lines, and the other way)."""

    kept: int
    rebuilt: int
    kept_only: int
    rebuilt_only: int

    @property
    def agree(self) -> bool:
        return self.kept_only == 0 and self.rebuilt_only == 0


def balances_check(*, county_code: str | None = None) -> BalancesCheck:
    """Compare the kept balances with the sums of the posted lines, row by row, without changing anything."""
    where, params = ("1 = 1", []) if county_code is None else ("l.county_code = %s", [county_code])
    kept_where = "" if county_code is None else " WHERE county_code = %s"
    kept = f"SELECT {', '.join(COLUMNS)} FROM {KEPT}{kept_where}"
    rebuilt = f"SELECT {', '.join(COLUMNS)} FROM ({_summed(where)}) r"
    counts = []
    with connection.cursor() as cursor:
        for sql, p in (
            (f"SELECT COUNT(*) FROM {KEPT}{kept_where}", params),
            (f"SELECT COUNT(*) FROM ({_summed(where)}) r", params),
            (f"SELECT COUNT(*) FROM ({kept} EXCEPT {rebuilt}) d", params + params),
            (f"SELECT COUNT(*) FROM ({rebuilt} EXCEPT {kept}) d", params + params),
        ):
            cursor.execute(sql, p)
            counts.append(cursor.fetchone()[0])
    return BalancesCheck(*counts)
