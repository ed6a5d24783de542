"""Household income lines from member transactions (issue 5, point 5): what a cooperative pays a household member.

A member transaction of kind `labour` (务工) becomes a `wage` line of the member's household, one of kind
`land_rent` (土地流转租金) a `land_rent` line: amount = the transaction's amount, on = its date, year = its year,
body = the cooperative, village and county codes = the household's (as a distribution payment's line), and the
transaction it comes from. Nothing else becomes an income line here:

- a non-member transaction (Art. 41: kept apart, no household to credit);
- a member that is not a household (the village collective, a cooperative, an organisation);
- a sale to the cooperative (交售) is the household's sales revenue, and a purchase of farm inputs (购买农资) is its
  expense: neither is a payment the cooperative makes to the household of the kinds listed in issue 5 (dividend,
  patronage return, wage, land rent, guaranteed payment), so neither is written;
- a transaction of amount 0 (an income line is positive).

Every path that writes member transactions calls `income_from_transactions` in the same database transaction, right
after writing them: the single entry (`coops.services.transactions.transaction_record`), the import
(`coops.transactions_import`) and the demo (`demo.coops`). It is one set-based statement (INSERT … SELECT over the
transactions just written, joined to their member and household), the same on SQLite and PostgreSQL, whatever the
number of rows.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from tongzhou.coops.models import Member, MemberTransaction, TransactionKind
from tongzhou.households.models import Household

from ..models import HouseholdIncome, IncomeKind

# The member transactions the cooperative pays a household member, and the income line each becomes.
PAID_KINDS = {
    TransactionKind.LABOUR.value: IncomeKind.WAGE.value,
    TransactionKind.LAND_RENT.value: IncomeKind.LAND_RENT.value,
}


def last_transaction_id() -> int:
    """The highest member transaction id now (0 if none): the rows written after this call have higher ids.

    On PostgreSQL ids come from a sequence, so a row written later always gets a higher id than every row visible
    now; with the cooperative locked (every writer of its transactions locks it first), the cooperative's rows
    above this id are exactly the ones its writer adds.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {MemberTransaction._meta.db_table}")
        return int(cursor.fetchone()[0])


def income_from_transactions(
    *, after_id: int, cooperative_id: int | None = None, through_id: int | None = None
) -> int:
    """Write the household income lines of the member transactions with `after_id` < id (≤ `through_id`), of one
    cooperative or of all; returns how many lines were written. One INSERT … SELECT, in the caller's transaction.
    """
    q = connection.ops.quote_name
    where = ["t.id > %s"]
    params: list = [after_id]
    if through_id is not None:
        where.append("t.id <= %s")
        params.append(through_id)
    if cooperative_id is not None:
        where.append("t.cooperative_id = %s")
        params.append(cooperative_id)
    kinds = list(PAID_KINDS)
    columns = ("household_id", "year", "kind", "amount_fen", "on", "body_id", "transaction_id", "village_code",
               "county_code", "created_at")  # fmt: skip
    cases = " ".join("WHEN %s THEN %s" for _ in PAID_KINDS)
    sql = (
        f"INSERT INTO {HouseholdIncome._meta.db_table} ({', '.join(q(c) for c in columns)}) "
        f"SELECT m.household_id, t.year, CASE t.kind {cases} END, t.amount_fen, t.{q('on')}, t.cooperative_id, "
        "t.id, h.village_code, h.county_code, %s "
        f"FROM {MemberTransaction._meta.db_table} t "
        f"JOIN {Member._meta.db_table} m ON m.id = t.member_id "
        f"JOIN {Household._meta.db_table} h ON h.id = m.household_id "
        f"WHERE {' AND '.join(where)} AND t.is_member AND t.amount_fen > 0 "
        f"AND t.kind IN ({', '.join(['%s'] * len(kinds))})"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    case_params = [v for pair in PAID_KINDS.items() for v in pair]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*case_params, now, *params, *kinds])
        return cursor.rowcount


def income_for_transaction(row: MemberTransaction) -> int:
    """Write the income line of one member transaction just saved (0 or 1 line)."""
    return income_from_transactions(after_id=row.pk - 1, through_id=row.pk)
