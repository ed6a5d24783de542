"""The staging table of an import: clean rows land here (COPY on PostgreSQL, executemany on SQLite), the rules
across rows run as SQL over it, and the register is then upserted from it in a few set-based statements.

It is a temporary table inside the import's transaction: a rejected import rolls it back with everything else.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tongzhou.households.models import Household, Person
from tongzhou.regions.scope import Access

from .checking import MAX_REPORTED_ERRORS, STAGING_COLUMNS
from .columns import BY_KEY
from .reading import error_entry

TABLE = "tz_register_import"
H = Household._meta.db_table
P = Person._meta.db_table

_TYPES = {
    "row_no": "integer", "village_code": "varchar(12)", "county_code": "varchar(6)", "number": "varchar(30)",
    "is_head": "integer", "group_code": "varchar(15)", "address": "varchar(200)", "phone": "varchar(20)",
    "reg_year": "integer", "exit_year": "integer", "land_centi": "bigint", "notes": "text", "name": "varchar(50)",
    "id_number": "varchar(18)", "birth_date": "date", "sex": "varchar(1)", "relation": "varchar(16)",
    "ethnicity": "varchar(20)", "labour": "varchar(10)", "migrant": "integer", "destination": "varchar(100)",
    "disability": "varchar(14)", "health": "varchar(10)",
}  # fmt: skip

# Household cells: staging expression vs the register's column (for comparing a member row with the register).
_HOUSEHOLD_CELLS = (
    ("group", "group_code", "x.group_code"),
    ("address", "address", "x.address"),
    ("phone", "phone", "x.phone"),
    ("poverty_registered_year", "reg_year", "x.poverty_registered_year"),
    ("poverty_exit_year", "exit_year", "x.poverty_exit_year"),
    ("contracted_land_mu", "land_centi", "CAST(ROUND(x.contracted_land_mu * 100) AS bigint)"),
    ("household_notes", "notes", "x.notes"),
)

_HOUSEHOLD_DIFFERS = """(x.group_code IS DISTINCT FROM t.group_code OR x.address IS DISTINCT FROM t.address
    OR x.phone IS DISTINCT FROM t.phone OR x.poverty_registered_year IS DISTINCT FROM t.reg_year
    OR x.poverty_exit_year IS DISTINCT FROM t.exit_year OR x.contracted_land_mu IS DISTINCT FROM t.land_centi / 100.0
    OR x.notes IS DISTINCT FROM t.notes OR x.head_name IS DISTINCT FROM t.name)"""
_PERSON_DIFFERS = """(p.name IS DISTINCT FROM t.name OR p.birth_date IS DISTINCT FROM t.birth_date
    OR p.sex IS DISTINCT FROM t.sex OR p.relation IS DISTINCT FROM t.relation OR p.ethnicity IS DISTINCT FROM t.ethnicity
    OR p.labour_capacity IS DISTINCT FROM t.labour OR p.migrant_worker IS DISTINCT FROM (t.migrant = 1)
    OR p.migrant_destination IS DISTINCT FROM t.destination OR p.disability IS DISTINCT FROM t.disability
    OR p.health IS DISTINCT FROM t.health)"""
_SAME_HOUSEHOLD = "x.village_code = t.village_code AND x.number = t.number"


def _pg() -> bool:
    return connection.vendor == "postgresql"


# SQLite's page cache for the import (KiB, negative as PRAGMA cache_size takes it): the register's indexes and
# the staging table stay in memory while rows are upserted, instead of the default 2 MiB. Memory only: it changes
# nothing about durability, and it is put back when the import ends.
SQLITE_CACHE_KIB = 96 * 1024
SQLITE_TEMP_CACHE_KIB = 64 * 1024


@contextlib.contextmanager
def tuned() -> Iterator[None]:
    """A larger SQLite page cache (main and temp databases) for the duration of an import; nothing elsewhere."""
    if _pg():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA main.cache_size")
        main = cursor.fetchone()[0]
        cursor.execute("PRAGMA temp.cache_size")
        temp = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA main.cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA temp.cache_size = -{SQLITE_TEMP_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA main.cache_size = {int(main)}")
            cursor.execute(f"PRAGMA temp.cache_size = {int(temp)}")


def create() -> None:
    types = dict(_TYPES)
    if not _pg():
        # The rowid itself on SQLite: rows arrive in row order, so ORDER BY row_no needs no sort.
        types["row_no"] = "INTEGER PRIMARY KEY"
    columns = ", ".join(f"{c} {types[c]}" for c in STAGING_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TEMP TABLE {TABLE} ({columns})")


def drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def load(rows: list[tuple]) -> None:
    """Append clean rows: COPY on PostgreSQL (psycopg 3), executemany on SQLite."""
    if not rows:
        return
    with connection.cursor() as cursor:
        if _pg():
            with cursor.cursor.copy(f"COPY {TABLE} ({', '.join(STAGING_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # sqlite3's own executemany: the rows are plain str/int/None, so Django's per-row adaptation is not needed.
            marks = ", ".join(["?"] * len(STAGING_COLUMNS))
            cursor.cursor.executemany(f"INSERT INTO {TABLE} VALUES ({marks})", rows)


def index() -> bool:
    """Index the staged rows (after loading, which is faster than maintaining indexes while loading).

    Returns whether every ID number is staged once: the ID index is first tried as a unique one, and when that
    succeeds, the duplicate check over the file has nothing to find and is skipped.
    """
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(f"CREATE UNIQUE INDEX {TABLE}_id ON {TABLE} (id_number)")
            ids_unique = True
        except IntegrityError:
            cursor.execute(f"CREATE INDEX {TABLE}_id ON {TABLE} (id_number)")
            ids_unique = False
        cursor.execute(f"CREATE INDEX {TABLE}_hh ON {TABLE} (village_code, number, is_head)")
        if _pg():
            cursor.execute(f"ANALYZE {TABLE}")
    return ids_unique


def _fetch(cursor, sql: str, params: tuple = ()) -> tuple[int, list[tuple]]:
    """How many rows a check query finds, and the first of them in row order."""
    cursor.execute(f"SELECT COUNT(*) FROM ({sql}) q", params)
    count = cursor.fetchone()[0]
    if not count:
        return 0, []
    cursor.execute(f"{sql} ORDER BY 1 LIMIT {MAX_REPORTED_ERRORS}", params)
    return count, cursor.fetchall()


def cross_row_errors(*, access: Access, ids_unique: bool = False) -> tuple[int, list[dict]]:
    """The rules that span rows or meet the register, checked in SQL. Returns the count and the first errors."""
    found: list[dict] = []
    total = 0
    hdr = {k: c.header for k, c in BY_KEY.items()}

    def add(count: int, entries: list[dict]) -> None:
        nonlocal total
        total += count
        found.extend(entries)

    with connection.cursor() as cursor:
        if ids_unique:
            count, rows = 0, []
        else:
            count, rows = _fetch(
                cursor,
                f"""
            SELECT t.row_no, t.id_number, d.first_row FROM {TABLE} t
            JOIN (SELECT id_number, MIN(row_no) AS first_row FROM {TABLE} GROUP BY id_number HAVING COUNT(*) > 1) d
              ON d.id_number = t.id_number
            WHERE t.row_no > d.first_row""",
            )
        add(
            count,
            [
                error_entry(
                    r,
                    hdr["id_number"],
                    v,
                    f"同一身份证号码在文件中重复出现（首次在第{f}行）。",
                    f"The same ID number appears twice in the file (first in row {f}).",
                    "duplicate_in_file",
                )
                for r, v, f in rows
            ],
        )

        count, rows = _fetch(
            cursor,
            f"""
            SELECT t.row_no, t.number, d.first_row FROM {TABLE} t
            JOIN (SELECT village_code, number, MIN(row_no) AS first_row FROM {TABLE} WHERE is_head = 1
                  GROUP BY village_code, number HAVING COUNT(*) > 1) d
              ON d.village_code = t.village_code AND d.number = t.number
            WHERE t.is_head = 1 AND t.row_no > d.first_row""",
        )
        add(
            count,
            [
                error_entry(
                    r,
                    hdr["relation"],
                    "户主",
                    f"户 {n} 有两个户主（另一个在第{f}行）。",
                    f"Household {n} has two heads (the other in row {f}).",
                    "second_head",
                )
                for r, n, f in rows
            ],
        )

        count, rows = _fetch(
            cursor,
            f"""
            SELECT t.row_no, t.number FROM {TABLE} t
            WHERE t.is_head = 0
              AND NOT EXISTS (SELECT 1 FROM {TABLE} h WHERE h.village_code = t.village_code AND h.number = t.number
                              AND h.is_head = 1)
              AND NOT EXISTS (SELECT 1 FROM {H} x WHERE {_SAME_HOUSEHOLD})""",
        )
        add(
            count,
            [
                error_entry(
                    r,
                    hdr["household_number"],
                    n,
                    f"户 {n} 在文件中没有户主行，登记册中也没有这一户。",
                    f"Household {n} has no head row in the file and is not in the register.",
                    "no_household",
                )
                for r, n in rows
            ],
        )

        # Each rule below is about a household cell filled on a member's row; most files fill none.
        filled = " OR ".join(f"t.{col} IS NOT NULL" for _, col, _ in _HOUSEHOLD_CELLS)
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {TABLE} t WHERE t.is_head = 0 AND ({filled}))")
        member_cells = bool(cursor.fetchone()[0])
        for key, col, register_expr in _HOUSEHOLD_CELLS if member_cells else ():
            count, rows = _fetch(
                cursor,
                f"""
                SELECT t.row_no, t.{col} FROM {TABLE} t
                JOIN {TABLE} h ON h.village_code = t.village_code AND h.number = t.number AND h.is_head = 1
                WHERE t.is_head = 0 AND t.{col} IS NOT NULL AND t.{col} IS DISTINCT FROM h.{col}
                UNION ALL
                SELECT t.row_no, t.{col} FROM {TABLE} t JOIN {H} x ON {_SAME_HOUSEHOLD}
                WHERE t.is_head = 0 AND t.{col} IS NOT NULL AND t.{col} IS DISTINCT FROM {register_expr}
                  AND NOT EXISTS (SELECT 1 FROM {TABLE} h WHERE h.village_code = t.village_code AND h.number = t.number
                                  AND h.is_head = 1)""",
            )
            add(
                count,
                [
                    error_entry(
                        r,
                        hdr[key],
                        v / 100 if col == "land_centi" else v,
                        "户的信息只在户主行填写；其他成员行此格须为空或与户主行相同。",
                        "Household cells belong on the head's row; on other rows leave them empty or "
                        "equal to the head's.",
                        "household_cell_differs",
                    )
                    for r, v in rows
                ],
            )

        count, rows = _fetch(
            cursor,
            f"""
            SELECT t.row_no, t.id_number, x.village_code, x.number FROM {TABLE} t
            JOIN {P} p ON p.id_number = t.id_number JOIN {H} x ON x.id = p.household_id
            WHERE x.village_code <> t.village_code OR x.number <> t.number""",
        )
        entries = []
        for r, v, village, number in rows:
            where_zh = f"（村 {village} 户 {number}）" if access.can_read(village) else ""
            where_en = f" (village {village}, household {number})" if access.can_read(village) else ""
            entries.append(
                error_entry(
                    r,
                    hdr["id_number"],
                    v,
                    f"该身份证号码已登记在另一户{where_zh}；迁户不能通过导入办理。",
                    f"This ID number is registered in another household{where_en}; moving a person "
                    "between households is not done by import.",
                    "id_in_other_household",
                )
            )
        add(count, entries)

        count, rows = _fetch(
            cursor,
            f"""
            SELECT t.row_no, t.relation FROM {TABLE} t JOIN {P} p ON p.id_number = t.id_number
            JOIN {H} x ON x.id = p.household_id
            WHERE p.relation = 'head' AND t.is_head = 0 AND {_SAME_HOUSEHOLD}
            UNION ALL
            SELECT t.row_no, t.relation FROM {TABLE} t JOIN {H} x ON {_SAME_HOUSEHOLD}
            JOIN {P} p ON p.household_id = x.id AND p.relation = 'head'
            WHERE t.is_head = 1 AND p.id_number <> t.id_number""",
        )
        add(
            count,
            [
                error_entry(
                    r,
                    hdr["relation"],
                    v,
                    "导入不能更换户主；请在农户页面办理户主变更。",
                    "An import cannot change a household's head; change the head on the household page.",
                    "head_change",
                )
                for r, v in rows
            ],
        )
    return total, found


def counts() -> dict[str, int]:
    """What the upsert will do: households created/updated, persons created/updated (before writing)."""
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT
            (SELECT COUNT(*) FROM {TABLE} t WHERE t.is_head = 1 AND NOT EXISTS (SELECT 1 FROM {H} x WHERE {_SAME_HOUSEHOLD})),
            (SELECT COUNT(*) FROM {TABLE} t JOIN {H} x ON {_SAME_HOUSEHOLD} WHERE t.is_head = 1 AND {_HOUSEHOLD_DIFFERS}),
            (SELECT COUNT(*) FROM {TABLE} t WHERE NOT EXISTS (SELECT 1 FROM {P} p WHERE p.id_number = t.id_number)),
            (SELECT COUNT(*) FROM {TABLE} t JOIN {P} p ON p.id_number = t.id_number WHERE {_PERSON_DIFFERS})""")
        hc, hu, pc, pu = cursor.fetchone()
    return {"households_created": hc, "households_updated": hu, "persons_created": pc, "persons_updated": pu}


def upsert() -> list[str]:
    """Write the staged rows into the register in set-based statements. Returns the villages touched."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {H} AS x SET group_code = t.group_code, address = t.address, phone = t.phone,
                poverty_registered_year = t.reg_year, poverty_exit_year = t.exit_year,
                contracted_land_mu = t.land_centi / 100.0, notes = t.notes, head_name = t.name, updated_at = %s
            FROM {TABLE} t WHERE t.is_head = 1 AND {_SAME_HOUSEHOLD} AND {_HOUSEHOLD_DIFFERS}""",
            (now,),
        )
        cursor.execute(
            f"""
            INSERT INTO {H} (village_code, county_code, group_code, number, head_name, address, phone,
                poverty_registered_year, poverty_exit_year, contracted_land_mu, notes, created_at, updated_at)
            SELECT t.village_code, t.county_code, t.group_code, t.number, t.name, t.address, t.phone, t.reg_year,
                t.exit_year, t.land_centi / 100.0, t.notes, %s, %s
            FROM {TABLE} t WHERE t.is_head = 1 AND NOT EXISTS (SELECT 1 FROM {H} x WHERE {_SAME_HOUSEHOLD})
            ORDER BY t.row_no""",
            (now, now),
        )
        cursor.execute(
            f"""
            UPDATE {P} AS p SET name = t.name, birth_date = t.birth_date, sex = t.sex, relation = t.relation,
                ethnicity = t.ethnicity, labour_capacity = t.labour, migrant_worker = (t.migrant = 1),
                migrant_destination = t.destination, disability = t.disability, health = t.health, updated_at = %s
            FROM {TABLE} t WHERE p.id_number = t.id_number AND {_PERSON_DIFFERS}""",
            (now,),
        )
        cursor.execute(
            f"""
            INSERT INTO {P} (household_id, village_code, county_code, name, id_number, id_last4, birth_date, sex,
                relation, ethnicity, labour_capacity, migrant_worker, migrant_destination, disability, health,
                created_at, updated_at)
            SELECT x.id, t.village_code, t.county_code, t.name, t.id_number, SUBSTR(t.id_number, 15, 4), t.birth_date,
                t.sex, t.relation, t.ethnicity, t.labour, (t.migrant = 1), t.destination, t.disability, t.health, %s, %s
            FROM {TABLE} t JOIN {H} x ON {_SAME_HOUSEHOLD}
            WHERE NOT EXISTS (SELECT 1 FROM {P} p WHERE p.id_number = t.id_number)
            ORDER BY t.row_no""",
            (now, now),
        )
        # Keep Household.head_name equal to the head's name where a member row changed the head's name.
        cursor.execute(
            f"""
            UPDATE {H} AS x SET head_name = p.name, updated_at = %s FROM {P} p
            WHERE p.household_id = x.id AND p.relation = 'head' AND x.head_name IS DISTINCT FROM p.name
              AND EXISTS (SELECT 1 FROM {TABLE} t WHERE {_SAME_HOUSEHOLD})""",
            (now,),
        )
        cursor.execute(f"SELECT DISTINCT village_code FROM {TABLE} ORDER BY village_code")
        return [r[0] for r in cursor.fetchall()]
