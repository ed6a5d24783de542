"""Appending many plain rows to one table inside the caller's transaction: COPY on PostgreSQL (psycopg 3),
executemany on SQLite — the raw path the imports and the automatic vouchers write with.

The rows are complete tuples of plain values (str, int, bool, date text, None) in `columns` order, checked before
they get here; Django's per-field adaptation is skipped, which is what makes this several times faster than
`bulk_create`. Errors come back as Django's (IntegrityError …).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection


def append_rows(table: str, columns: Sequence[str], rows: Iterable[tuple]) -> None:
    """Append `rows` to `table` (its `columns`, in order)."""
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return
    quoted = ", ".join(f'"{c}"' for c in columns)
    connection.ensure_connection()
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            with (
                connection.connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            connection.connection.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)
