"""The raw bulk path into the register tables: COPY on PostgreSQL, executemany in large transactions on SQLite.

Used by the demo and, as the baseline, by the benchmarks. The caller has checked scope and values: nothing here
validates. Household ids are given explicitly so persons can point at them without reading anything back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.db import connection

from tongzhou.households.models import Household, Person

from .generate import HOUSEHOLD_FIELDS, PERSON_FIELDS

HOUSEHOLD_TABLE = Household._meta.db_table
PERSON_TABLE = Person._meta.db_table
HOUSEHOLD_COLUMNS = ("id", *HOUSEHOLD_FIELDS, "created_at", "updated_at")
PERSON_COLUMNS = ("household_id", "village_code", "county_code", *PERSON_FIELDS, "created_at", "updated_at")


@contextlib.contextmanager
def sqlite_tuned() -> Iterator[None]:
    """SQLite pragmas for a bulk load: no fsync per commit, a large page cache, temp B-trees in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    # The safety level cannot change inside a transaction (as when a test wraps the build in one).
    outside = not connection.in_atomic_block
    with connection.cursor() as cursor:
        if outside:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-98304")  # 96 MiB: index pages stay hot, memory stays bounded
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if outside:
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-2000")


def next_household_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {HOUSEHOLD_TABLE}")
        return cursor.fetchone()[0] + 1


class RegisterBulkWriter:
    """Append households and their persons; call inside a transaction, `finish()` once at the end."""

    def __init__(self, first_household_id: int | None = None) -> None:
        self.vendor = connection.vendor
        self.next_id = first_household_id if first_household_id is not None else next_household_id()
        self.households = 0
        self.persons = 0
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        # Django keeps naive UTC text on SQLite and timestamptz on PostgreSQL.
        self.now = now.replace(tzinfo=None).isoformat(" ") if self.vendor == "sqlite" else now

    def write(self, households: list[tuple], persons: list[list[tuple]]) -> None:
        """households in generate.HOUSEHOLD_FIELDS order; persons[i] (PERSON_FIELDS order) belong to households[i]."""
        now = self.now
        first = self.next_id
        household_rows = [(first + i, *h, now, now) for i, h in enumerate(households)]
        person_rows = [
            (first + i, h[0], h[1], *p, now, now)
            for i, (h, members) in enumerate(zip(households, persons, strict=True))
            for p in members
        ]
        self.next_id += len(households)
        self.households += len(households)
        self.persons += len(person_rows)
        if self.vendor == "postgresql":
            self._copy(HOUSEHOLD_TABLE, HOUSEHOLD_COLUMNS, household_rows)
            self._copy(PERSON_TABLE, PERSON_COLUMNS, person_rows)
        else:
            self._executemany(HOUSEHOLD_TABLE, HOUSEHOLD_COLUMNS, household_rows)
            self._executemany(PERSON_TABLE, PERSON_COLUMNS, person_rows)

    def _copy(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def _executemany(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        connection.ensure_connection()
        connection.connection.executemany(sql, rows)

    def finish(self) -> None:
        """Move PostgreSQL's id sequence past the ids given explicitly."""
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{HOUSEHOLD_TABLE}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {HOUSEHOLD_TABLE}))"
                )
