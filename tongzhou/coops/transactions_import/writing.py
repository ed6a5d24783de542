"""Writing checked rows into the transaction table: COPY on PostgreSQL (psycopg 3), executemany on SQLite.

The rows are complete table rows (checking.ROW_COLUMNS), checked in full before they get here, and are written
inside the import's transaction: a rejected import rolls them back with everything else.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.utils import timezone

from tongzhou.coops.models import MemberTransaction
from tongzhou.core.bulk import append_rows

from .checking import ROW_COLUMNS

TABLE = MemberTransaction._meta.db_table


def created_at() -> Any:
    """Now, as the database takes it (the same for every row of one import, as auto_now_add would store it)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def recorded_keys(cooperative_id: int) -> set[str]:
    """The source keys of the transactions already recorded for the cooperative, in one query.

    A source key begins with the cooperative's id before it is hashed, so a row of this cooperative can only
    duplicate a row of this cooperative.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT source_key FROM {TABLE} WHERE cooperative_id = %s", [cooperative_id])
        return {key for (key,) in cursor.fetchall()}


def write(rows: list[tuple]) -> None:
    """Append the rows to the transaction table."""
    append_rows(TABLE, ROW_COLUMNS, rows)
