"""The benefit chain benchmark (issue 5 point 8). Run through bench/run.py:

    TONGZHOU_BENCH_TAG=_d python bench/run.py distribution --scale county --db both --repeat 3

The worker side (one process per measurement, like bench/worker.py):

    python bench/distribution.py prepare --scale county   # migrate, the whole demo (books and its distribution)
    python bench/distribution.py cascade --repeat 3       # the county's cascade vs one bare SQL aggregate
    python bench/distribution.py memory                   # one cascade alone: the process's peak memory
    python bench/distribution.py phases                   # one cascade by phase: read, pure cascade, keep
    python bench/distribution.py full                     # the cascade, then every body's run posted and paid
    python bench/distribution.py full --county 520521     # the same for one county (cascade, memory too)
    python bench/distribution.py counties                 # the counties with cooperatives (a prefecture's eight)
    python bench/distribution.py sql --repeat 3           # the bare SQL over every county at once (the prefecture)
    python bench/distribution.py reverse                  # full's setup alone: the demo's posted runs reversed
    python bench/distribution.py floor --source A         # on a copy of A taken after `reverse`, once `full` ran on
                                                          # A: the rows the chain wrote, written straight from SQL

A prefecture's figure is `full --county` for each of its counties (each in its own process, on the same database, as
an agency runs them one after another), summed, against `sql` over the prefecture (docs/PERFORMANCE.md).

What is timed: `distribution.services.cascade_compute` for the demo county and 2025 as the bench superuser — reading
every body's surplus, members, holdings and counted transactions, the pure three-level cascade, and keeping the
result (a row per body and per household, written raw) — against one bare SQL statement: the county's 2025 member
transactions summed per body and member (`SUM … GROUP BY cooperative_id, member_id`), fetched in full. Alternating
runs in one process; the memory figure is a separate process that computes the cascade once. `full` is the issue's
full figure: the cascade, then every body's run through the run services (computed, published, approved, posted with
its vouchers, paid with the payment vouchers and the households' income lines), one run; the harness runs it at
township scale only (see docs/PERFORMANCE.md). `full --per-run`: every run computed, posted and paid alone.
"""

from __future__ import annotations

import argparse
import inspect
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from worker import BENCH_USER, counties_under, peak_rss_mb, setup_django  # noqa: E402

YEAR = 2025
SQL = """
SELECT t.cooperative_id, t.member_id, SUM(t.amount_fen), SUM(t.quantity)
  FROM coops_membertransaction t
 WHERE t.county_code = %s AND t.year = %s AND t.is_member
 GROUP BY t.cooperative_id, t.member_id
"""


def prepare(scale: str, seed: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from tongzhou.accounts.services import user_create
    from tongzhou.demo.services import demo_build

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    # Its runs left posted, not paid: `full` reverses them and posts and pays the year again.
    unpaid = {"pay": False} if "pay" in inspect.signature(demo_build).parameters else {}
    result = demo_build(scale=scale, seed=seed, **unpaid)
    user_create(username=BENCH_USER, password="bench-Tongzhou-2026", is_superuser=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "households": result.households,
        "transactions": result.coops.transactions,
        "runs": getattr(result.distribution, "runs", None),
    }


def _setting(county: str | None = None):
    """(bench user, the county — the first with a platform unless given —, the platform's given surplus)."""
    from django.contrib.auth import get_user_model

    from tongzhou.coops.models import Cooperative, Level

    user = get_user_model().objects.get(username=BENCH_USER)
    if county is None:
        county = Cooperative.objects.filter(level=Level.COUNTY).values_list("county_code", flat=True).first()
    platforms = dict(
        Cooperative.objects.filter(county_code=county, level=Level.COUNTY).values_list("pk", "pk")
    )
    # The platform company keeps no books here: a fixed distributable surplus, as the demo gives it.
    surplus = {pk: 100 * 10_000_00 for pk in platforms}
    return user, county, surplus


def cascade(repeat: int, county: str | None = None) -> dict:
    from django.db import connection

    from tongzhou.distribution.services import cascade_compute

    user, county, surplus = _setting(county)
    ours, bare, households, sql_rows, to_households = [], [], 0, 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        computed = cascade_compute(
            user=user, region_code=county, year=YEAR, surplus_fen=surplus, via="bench", keep_receipts=False
        )
        ours.append(time.perf_counter() - started)
        households, to_households = computed.run.households_count, computed.run.to_households_fen
        computed = None  # not held while the next one runs: the process's peak is one cascade's
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(SQL, [county, YEAR])
            sql_rows = len(cursor.fetchall())
        bare.append(time.perf_counter() - started)
    return {
        "county": county,
        "seconds": statistics.median(ours),
        "runs": ours,
        "sql_seconds": statistics.median(bare),
        "sql_runs": bare,
        "ratio": statistics.median(ours) / statistics.median(bare),
        "households": households,
        "sql_rows": sql_rows,
        "to_households_fen": to_households,
    }


def counties() -> dict:
    """The counties with cooperatives (the prefecture's eight, at prefecture scale)."""
    return {"counties": counties_under()}


def sql(repeat: int, codes: list[str]) -> dict:
    """The bare SQL over several counties at once (the prefecture): the same aggregate, every county's 2025 member
    transactions summed per body and member, fetched in full."""
    from django.db import connection

    statement = SQL.replace("t.county_code = %s", f"t.county_code IN ({', '.join(['%s'] * len(codes))})")
    runs, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, [*codes, YEAR])
            rows = len(cursor.fetchall())
        runs.append(time.perf_counter() - started)
    return {"counties": codes, "sql_seconds": statistics.median(runs), "sql_runs": runs, "sql_rows": rows}


def phases() -> dict:
    """One cascade by its phases, as `cascade_compute` runs them: reading the county, the pure cascade, keeping the
    result; the process's peak memory after each."""
    from django.db import transaction

    from tongzhou.distribution import domain
    from tongzhou.distribution.services.cascade import cascade_save, county_chain

    user, county, surplus = _setting()
    result: dict = {}
    with transaction.atomic():
        started = time.perf_counter()
        chain = county_chain(county_code=county, year=YEAR, surplus_fen=surplus)
        result["read_seconds"] = time.perf_counter() - started
        result["read_peak_mb"] = round(peak_rss_mb(), 1)
        started = time.perf_counter()
        computed = domain.cascade(chain.bodies)
        result["domain_seconds"] = time.perf_counter() - started
        result["domain_peak_mb"] = round(peak_rss_mb(), 1)
        started = time.perf_counter()
        run = cascade_save(user=user, chain=chain, result=computed)
        result["save_seconds"] = time.perf_counter() - started
    result.update(bodies=len(chain.bodies), households=run.households_count)
    return result


def _reverse_demo_runs(user, county: str) -> int:
    """The demo leaves every body's run of the year posted: reverse them (setup of `full`, not timed)."""
    import datetime as dt

    from tongzhou.distribution.models import DistributionRun, RunStatus
    from tongzhou.distribution.services import run_reverse

    pks = list(
        DistributionRun.objects.filter(  # ids, not the runs with their inputs: a county's are big
            county_code=county, year=YEAR, status=RunStatus.POSTED, reverses__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in pks:
        run_reverse(user=user, run=DistributionRun.objects.get(pk=pk), on=dt.date(YEAR, 12, 31), via="bench")
    return len(pks)


def reverse(county: str | None = None) -> dict:
    """`full`'s setup alone, so that the database before the chain can be copied (the floor's starting point)."""
    user, county, _ = _setting(county)
    started = time.perf_counter()
    reversed_runs = _reverse_demo_runs(user, county)
    return {"county": county, "seconds": time.perf_counter() - started, "reversed": reversed_runs}


def floor(source: str) -> dict:
    """The floor under `full`: the time the database needs just to write the rows the chain wrote, and nothing else.

    This database is a copy of `source` taken before `full` ran there (after `reverse`). Every table's rows that
    `full` added (a primary key above this copy's highest), changed or deleted are found first (not timed; changed
    rows staged in temporary tables), then written here in one transaction, straight from the attached `source`
    (`INSERT … SELECT`: no Python per row, no checks, no reading of the inputs) and committed — the least any
    implementation writing the same rows through the same schema and indexes could spend. Afterwards every table
    must hold exactly what `source` holds (checked by `EXCEPT`, both ways, on every touched table).
    On PostgreSQL `source` is the other database's URL: see `_floor_postgresql`."""
    from django.db import connection, transaction

    if connection.vendor == "postgresql":
        return _floor_postgresql(source)
    intro, q = connection.introspection, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("ATTACH DATABASE %s AS src", [str(Path(source).resolve())])
        plan, skipped = [], []
        stage_started = time.perf_counter()
        for table in intro.table_names(cursor):
            if table.startswith("sqlite_"):
                continue
            pk = intro.get_primary_key_column(cursor, table)
            columns = [c.name for c in intro.get_table_description(cursor, table)]
            if pk is None:  # none here (every table has one); left out, and said
                skipped.append(table)
                continue
            cols = ", ".join(q(c) for c in columns)
            cursor.execute(f"SELECT MAX({q(pk)}) FROM main.{q(table)}")
            top = cursor.fetchone()[0]
            stage = f"floor_changed_{table}"
            if isinstance(top, int) or top is None:  # added: above the highest key; changed: at or below it
                top = top or 0
                cursor.execute(f"SELECT COUNT(*) FROM src.{q(table)} WHERE {q(pk)} > %s", [top])
                added = cursor.fetchone()[0]
                at_or_below = f"WHERE {q(pk)} <= {int(top)}"
            else:  # a code as the key (regions, rollups): every new or changed row is written by its key
                top, added, at_or_below = None, 0, ""
            cursor.execute(
                f"CREATE TEMP TABLE {q(stage)} AS SELECT {cols} FROM src.{q(table)} {at_or_below} "
                f"EXCEPT SELECT {cols} FROM main.{q(table)}"
            )
            cursor.execute(f"SELECT COUNT(*) FROM temp.{q(stage)}")
            changed = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT {q(pk)} FROM main.{q(table)} EXCEPT SELECT {q(pk)} FROM src.{q(table)})"
            )
            deleted = cursor.fetchone()[0]
            if added or changed or deleted:
                plan.append({"table": table, "pk": pk, "cols": cols, "top": top, "stage": stage,
                             "added": added, "changed": changed, "deleted": deleted})  # fmt: skip
        stage_seconds = time.perf_counter() - stage_started
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for item in plan:
            table, pk, cols = q(item["table"]), q(item["pk"]), item["cols"]
            if item["deleted"]:
                cursor.execute(f"DELETE FROM main.{table} WHERE {pk} NOT IN (SELECT {pk} FROM src.{table})")
            if item["changed"]:
                cursor.execute(
                    f"INSERT OR REPLACE INTO main.{table} ({cols}) SELECT {cols} FROM temp.{q(item['stage'])}"
                )
            if item["added"]:
                cursor.execute(
                    f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM src.{table} WHERE {pk} > %s",
                    [item["top"]],
                )
    seconds = time.perf_counter() - started
    differs = []
    with connection.cursor() as cursor:
        for item in plan:
            table, cols = q(item["table"]), item["cols"]
            for a, b in (("main", "src"), ("src", "main")):
                cursor.execute(
                    f"SELECT COUNT(*) FROM (SELECT {cols} FROM {a}.{table} EXCEPT SELECT {cols} FROM {b}.{table})"
                )
                if cursor.fetchone()[0]:
                    differs.append(item["table"])
                    break
    return _floor_result(seconds, stage_seconds, plan, skipped, differs)


def _floor_result(
    seconds: float, stage_seconds: float, plan: list[dict], skipped: list, differs: list
) -> dict:
    """What `floor` reports, on either database."""
    return {
        "seconds": seconds,
        "stage_seconds": stage_seconds,
        "tables": [
            {k: v for k, v in item.items() if k in ("table", "added", "changed", "deleted")} for item in plan
        ],
        "rows_added": sum(item["added"] for item in plan),
        "rows_changed": sum(item["changed"] for item in plan),
        "rows_deleted": sum(item["deleted"] for item in plan),
        "skipped_tables": skipped,
        "same_as_source": not differs,
        "differs": differs,
    }


def _floor_postgresql(source: str) -> dict:
    """`floor` on PostgreSQL, `source` the URL of the database `full` ran on. The rows the chain added, changed or
    deleted are found first, not timed (added: a key above this copy's highest; changed: the row's `md5(row::text)`
    differs, compared in key order) and copied out of `source` into files; then, timed, in one transaction: every
    table's added rows loaded with `COPY … FROM STDIN`, changed rows through a temporary table and one
    `INSERT … ON CONFLICT DO UPDATE`, deleted rows by key, and the new vouchers written as the schema's triggers
    require (inserted as drafts, their lines loaded, then flipped to posted with their numbers and periods), and the
    commit, where the deferred foreign keys and the vouchers' balance trigger run. Afterwards each touched table's
    rows hash the same in both databases."""
    import tempfile

    import psycopg
    from django.db import connection, transaction

    intro = connection.introspection
    q = connection.ops.quote_name
    workdir = Path(tempfile.mkdtemp(prefix="floor-"))
    plan, skipped = [], []
    stage_started = time.perf_counter()
    # In transactions on both sides: the comparisons read through server-side cursors.
    with psycopg.connect(source) as src, transaction.atomic(), connection.cursor() as cursor:
        for table in intro.table_names(cursor):
            pk = intro.get_primary_key_column(cursor, table)
            if pk is None:
                skipped.append(table)
                continue
            columns = [c.name for c in intro.get_table_description(cursor, table)]
            cols = ", ".join(q(c) for c in columns)
            cursor.execute(f"SELECT MAX({q(pk)}) FROM {q(table)}")
            top = cursor.fetchone()[0]
            cursor.execute(
                "SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                [table, pk],
            )
            numeric = cursor.fetchone()[0] in ("smallint", "integer", "bigint")
            top = (top or 0) if numeric else None
            item = {
                "table": table,
                "pk": pk,
                "cols": cols,
                "columns": columns,
                "added": 0,
                "changed": 0,
                "deleted": 0,
            }
            if numeric:
                added_file = workdir / f"{table}.added"
                with src.cursor() as s_cur, open(added_file, "wb") as out:
                    with s_cur.copy(
                        f"COPY (SELECT {cols} FROM {q(table)} WHERE {q(pk)} > {int(top)} ORDER BY {q(pk)}) "
                        "TO STDOUT (FORMAT BINARY)"
                    ) as copy:
                        for block in copy:
                            out.write(block)
                    s_cur.execute(f"SELECT COUNT(*) FROM {q(table)} WHERE {q(pk)} > %s", [top])
                    item["added"] = s_cur.fetchone()[0]
                item["added_file"] = added_file
            where = f"WHERE {q(pk)} <= {int(top)}" if numeric else ""
            hashed = f"SELECT {q(pk)}, md5(t::text) FROM {q(table)} t {where} ORDER BY {q(pk)}"
            changed, deleted = [], []
            with (
                src.cursor(name="floor_src") as s_cur,
                connection.connection.cursor(name="floor_dst") as d_cur,
            ):
                s_cur.itersize = d_cur.itersize = 20_000
                s_cur.execute(hashed)
                d_cur.execute(hashed)
                s_rows, d_rows = iter(s_cur), iter(d_cur)
                s_row, d_row = next(s_rows, None), next(d_rows, None)
                while d_row is not None:
                    if s_row is None or d_row[0] < s_row[0]:
                        deleted.append(d_row[0])
                        d_row = next(d_rows, None)
                    elif s_row[0] < d_row[0]:  # only where the key is a code: a new row
                        changed.append(s_row[0])
                        s_row = next(s_rows, None)
                    else:
                        if s_row[1] != d_row[1]:
                            changed.append(s_row[0])
                        s_row, d_row = next(s_rows, None), next(d_rows, None)
                while s_row is not None:
                    changed.append(s_row[0])
                    s_row = next(s_rows, None)
            item["changed"], item["deleted"], item["deleted_keys"] = len(changed), len(deleted), deleted
            if changed:
                changed_file = workdir / f"{table}.changed"
                with src.cursor() as s_cur, open(changed_file, "wb") as out:
                    s_cur.execute(f"CREATE TEMP TABLE floor_keys AS SELECT {q(pk)} FROM {q(table)} LIMIT 0")
                    with s_cur.copy("COPY floor_keys FROM STDIN") as copy:
                        for key in changed:
                            copy.write_row((key,))
                    with s_cur.copy(
                        f"COPY (SELECT {cols} FROM {q(table)} WHERE {q(pk)} IN (SELECT {q(pk)} FROM floor_keys)) "
                        "TO STDOUT (FORMAT BINARY)"
                    ) as copy:
                        for block in copy:
                            out.write(block)
                    s_cur.execute("DROP TABLE floor_keys")
                item["changed_file"] = changed_file
            if item["added"] or item["changed"] or item["deleted"]:
                plan.append(item)
        stage_seconds = time.perf_counter() - stage_started

    def load(cur, table: str, cols: str, path: Path) -> None:
        with open(path, "rb") as f, cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT BINARY)") as copy:
            while block := f.read(1 << 20):
                copy.write(block)

    vouchers = "ledger_voucher"
    started = time.perf_counter()
    with transaction.atomic():
        cur = connection.connection.cursor()
        # The vouchers first (their lines refer to them), as drafts: a posted voucher takes no new line.
        ordered = sorted(plan, key=lambda item: item["table"] != vouchers)
        for item in ordered:
            table, pk, cols = q(item["table"]), q(item["pk"]), item["cols"]
            if item["deleted"]:
                cur.execute(f"DELETE FROM {table} WHERE {pk} = ANY(%s)", [item["deleted_keys"]])
            if item["added"] and item["table"] == vouchers:
                cur.execute(f"CREATE TEMP TABLE floor_vouchers (LIKE {table}) ON COMMIT DROP")
                load(cur, "floor_vouchers", cols, item["added_file"])
                drafted = ", ".join(
                    {"status": "'draft'", "number": "NULL", "period_id": "NULL", "posted_at": "NULL"}.get(
                        c, q(c)
                    )
                    for c in item["columns"]
                )
                cur.execute(f"INSERT INTO {table} ({cols}) SELECT {drafted} FROM floor_vouchers")
            elif item["added"]:
                load(cur, table, cols, item["added_file"])
            if item["changed"]:
                cur.execute(f"CREATE TEMP TABLE floor_changed (LIKE {table}) ON COMMIT DROP")
                load(cur, "floor_changed", cols, item["changed_file"])
                sets = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in item["columns"] if c != item["pk"])
                cur.execute(
                    f"INSERT INTO {table} ({cols}) SELECT {cols} FROM floor_changed "
                    f"ON CONFLICT ({pk}) DO UPDATE SET {sets}"
                )
                cur.execute("DROP TABLE floor_changed")
        if any(item["table"] == vouchers and item["added"] for item in plan):
            cur.execute(
                f"UPDATE {vouchers} v SET status = f.status, number = f.number, period_id = f.period_id, "
                "posted_at = f.posted_at FROM floor_vouchers f WHERE v.id = f.id AND f.status <> 'draft'"
            )
    seconds = time.perf_counter() - started
    differs = []
    with psycopg.connect(source) as src, connection.cursor() as cursor:
        for item in plan:
            digest = (
                f"SELECT md5(string_agg(md5(t::text), '' ORDER BY {q(item['pk'])})) FROM {q(item['table'])} t"
            )
            cursor.execute(digest)
            if cursor.fetchone()[0] != src.execute(digest).fetchone()[0]:
                differs.append(item["table"])
    for path in workdir.iterdir():
        path.unlink()
    workdir.rmdir()
    return _floor_result(seconds, stage_seconds, plan, skipped, differs)


def full(per_run: bool = False, county: str | None = None) -> dict:
    """The issue's full figure, through the run services: the county's cascade, then top-down every body's run of
    the year computed (a body with books from its books, which hold what it received from above; the platform from
    its given surplus plus what came from above), published, approved by the assembly, then every approved run
    posted (its vouchers) and every posted run paid in full (payment vouchers, the households' income lines) by the
    county's batch services (`runs_compute_batch`, `runs_post_batch`, `runs_pay_batch`), as a township's agency
    does; `per_run`: computed, posted and paid one run at a time (`run_compute`, `run_post`, `run_pay`), the figure
    before the batch. The demo leaves every body's run posted; those are reversed first (setup, not timed). A body
    whose year is a loss has no run (counted). Both modes compute the same runs: posting a run books nothing into
    another body's books (the demo booked what each body received from above), so no compute sees another's post."""
    import datetime as dt

    from tongzhou.coops.models import Cooperative
    from tongzhou.core.errors import Conflict, InvalidInput
    from tongzhou.distribution.services import (
        cascade_compute,
        run_approve,
        run_compute,
        run_pay,
        run_post,
        run_publish,
        runs_compute_batch,
        runs_pay_batch,
        runs_post_batch,
    )

    user, county, surplus = _setting(county)
    published, assembly = dt.date(YEAR, 12, 15), dt.date(YEAR, 12, 31)
    started = time.perf_counter()
    _reverse_demo_runs(user, county)
    setup = time.perf_counter() - started
    # The process's peak (VmHWM) after each step: which step raised it.
    peaks = {"setup": round(peak_rss_mb(), 1)}

    started = time.perf_counter()
    computed = cascade_compute(
        user=user, region_code=county, year=YEAR, surplus_fen=surplus, via="bench", keep_receipts=False
    )
    cascade_seconds = time.perf_counter() - started
    peaks["cascade"] = round(peak_rss_mb(), 1)
    counts = {"runs": 0, "loss_or_nothing": 0, "paid": 0}
    steps = {"compute": 0.0, "publish_approve": 0.0, "post": 0.0, "pay": 0.0}
    given_of: dict[int, int] = {}
    for key in computed.result.order:
        body_input = computed.chain.inputs[key]
        if body_input.surplus_source in ("given", "none"):
            given_of[body_input.body_id] = (
                body_input.surplus_fen + computed.result.bodies[key].income_from_above_fen
            )
    # Top-down, the bodies' ids; the cascade's result (every household's receipts) is not held while the runs go on.
    order = [computed.chain.inputs[key].body_id for key in computed.result.order]
    households = computed.run.households_count
    computed = None
    batch_runs: dict[int, object] = {}
    if not per_run:  # every body's draft at once, as the agency computes them
        mark = time.perf_counter()
        drafts = runs_compute_batch(
            user=user, region_code=county, year=YEAR, surplus_fen=given_of, via="bench"
        )
        steps["compute"] = time.perf_counter() - mark
        peaks["compute"] = round(peak_rss_mb(), 1)
        batch_runs = {run.body_id: run for run in drafts.runs}
    for body_id in order:
        if per_run:
            body = Cooperative.objects.get(pk=body_id)
            mark = time.perf_counter()
            try:
                run = run_compute(
                    user=user, body=body, year=YEAR, surplus_fen=given_of.get(body_id), via="bench"
                )
            except InvalidInput:
                counts["loss_or_nothing"] += 1
                continue
            finally:
                steps["compute"] += time.perf_counter() - mark
        elif body_id in batch_runs:
            run = batch_runs[body_id]
        else:
            counts["loss_or_nothing"] += 1
            continue
        counts["runs"] += 1
        mark = time.perf_counter()
        entitled = max(run.lines.count(), 1)
        run = run_publish(user=user, run=run, on=published, via="bench")
        run = run_approve(
            user=user,
            run=run,
            assembly_on=assembly,
            votes_for=entitled - entitled // 10,
            votes_against=entitled // 20,
            members_entitled=entitled,
            via="bench",
        )
        steps["publish_approve"] += time.perf_counter() - mark
        if per_run:
            mark = time.perf_counter()
            run = run_post(user=user, run=run, on=assembly, via="bench")
            steps["post"] += time.perf_counter() - mark
            mark = time.perf_counter()
            try:
                run_pay(user=user, run=run, on=assembly, via="bench")
                counts["paid"] += 1
            except Conflict:  # nothing due
                pass
            steps["pay"] += time.perf_counter() - mark
    if not per_run:  # the county's runs at once, as the agency posts and pays them
        mark = time.perf_counter()
        runs_post_batch(user=user, region_code=county, year=YEAR, on=assembly, via="bench")
        steps["post"] = time.perf_counter() - mark
        peaks["publish_approve_post"] = round(peak_rss_mb(), 1)
        mark = time.perf_counter()
        counts["paid"] = runs_pay_batch(
            user=user, region_code=county, year=YEAR, on=assembly, via="bench"
        ).paid_runs
        steps["pay"] = time.perf_counter() - mark
    peaks["pay"] = round(peak_rss_mb(), 1)
    seconds = time.perf_counter() - started
    return {
        "county": county,
        "setup_seconds": setup,
        "seconds": seconds,
        "cascade_seconds": cascade_seconds,
        "runs_seconds": seconds - cascade_seconds,
        "mode": "per_run" if per_run else "batch",
        **{f"{name}_seconds": value for name, value in steps.items()},
        "households": households,
        **counts,
        "peak_mb_after": peaks,
    }


def memory(county: str | None = None) -> dict:
    from tongzhou.distribution.services import cascade_compute

    user, county, surplus = _setting(county)
    started = time.perf_counter()
    computed = cascade_compute(
        user=user, region_code=county, year=YEAR, surplus_fen=surplus, via="bench", keep_receipts=False
    )
    return {"seconds": time.perf_counter() - started, "households": computed.run.households_count}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "op",
        choices=["prepare", "cascade", "memory", "phases", "full", "counties", "sql", "reverse", "floor"],
    )
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--per-run", action="store_true", help="full: post and pay one run at a time")
    parser.add_argument(
        "--county", help="cascade, memory, full, reverse: this county (default: the first); sql: a comma list"
    )
    parser.add_argument(
        "--source", help="floor: the database `full` ran on (SQLite: its file; PostgreSQL: its URL)"
    )
    args = parser.parse_args(argv)
    if args.op == "floor" and not args.source:
        parser.error("floor needs --source: the database `full` ran on")
    setup_django()
    if args.op == "prepare":
        result = prepare(args.scale, args.seed)
    elif args.op == "cascade":
        result = cascade(args.repeat, args.county)
    elif args.op == "phases":
        result = phases()
    elif args.op == "full":
        result = full(per_run=args.per_run, county=args.county)
    elif args.op == "counties":
        result = counties()
    elif args.op == "reverse":
        result = reverse(args.county)
    elif args.op == "floor":
        result = floor(args.source)
    elif args.op == "sql":
        result = sql(args.repeat, args.county.split(",") if args.county else counties()["counties"])
    else:
        result = memory(args.county)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")


# -- the harness side (bench/run.py distribution) ------------------------------------------------------------------


def bench_distribution(scale: str, dbs: list[str], repeat: int, seed: int, *, Database, log, report) -> dict:
    """Per database: a template with the whole demo, then the cascade against the bare SQL, and its memory."""
    import shutil

    from ledger import _run
    from run import DB_DIR, PG_HOST, PG_URL, PG_USER, _sh, _sqlite_checkpoint

    DB_DIR.mkdir(parents=True, exist_ok=True)
    result = report("distribution", scale, seed, repeat)
    for vendor in dbs:
        db = Database(vendor, scale, seed, kind="_dist")
        log(f"{vendor}: preparing the demo with its books and distribution (scale {scale}) …")
        db._drop(db.template)
        if vendor == "postgresql":
            import subprocess

            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db.template], check=True)
        prepared = _run(
            "distribution.py", "prepare", "--scale", scale, "--seed", str(seed), env=db.env(db.template)
        )
        if vendor == "sqlite":
            _sqlite_checkpoint(DB_DIR / f"{db.template}.sqlite3")
        log(f"  {prepared['households']:,} households, {prepared['transactions']:,} transactions, "
            f"prepared in {prepared['seconds']:.0f}s")  # fmt: skip
        try:
            env = db.fresh()
            measured = _run("distribution.py", "cascade", "--repeat", str(repeat), env=env)
            log(f"  cascade {measured['seconds']:.2f}s vs SQL {measured['sql_seconds']:.2f}s = "
                f"{measured['ratio']:.2f}×, {measured['households']:,} households")  # fmt: skip
            env = db.fresh()
            alone = _run("distribution.py", "memory", env=env)
            log(f"  one cascade alone: {alone['seconds']:.2f}s, peak {alone['peak_rss_mb']:.0f} MiB")
            env = db.fresh()
            split = _run("distribution.py", "phases", env=env)
            log(f"  by phase: read {split['read_seconds']:.2f}s, pure cascade {split['domain_seconds']:.2f}s, "
                f"keep {split['save_seconds']:.2f}s")  # fmt: skip
            entry = {
                "db": vendor,
                "prepared": prepared,
                "cascade": measured,
                "memory": alone,
                "phases": split,
            }
            if scale == "township":  # county: ≈ 2–3.5 min and as long again for its setup: run `full` by hand
                env = db.fresh()
                # The database before the chain (its demo runs reversed), kept for the floor.
                _run("distribution.py", "reverse", env=env)
                before = f"{db.run_name}_before"
                db._drop(before)
                if vendor == "sqlite":
                    _sqlite_checkpoint(DB_DIR / f"{db.run_name}.sqlite3")
                    shutil.copyfile(DB_DIR / f"{db.run_name}.sqlite3", DB_DIR / f"{before}.sqlite3")
                    source = str(DB_DIR / f"{db.run_name}.sqlite3")
                else:
                    _sh(["createdb", "-h", PG_HOST, "-U", PG_USER, "-T", db.run_name, before])
                    source = f"{PG_URL}/{db.run_name}"
                entry["full"] = everything = _run("distribution.py", "full", env=env)
                log(f"  full (cascade, then every run computed, published, approved, posted, paid): "
                    f"{everything['seconds']:.1f}s = {everything['seconds'] / measured['sql_seconds']:.0f}× the SQL")  # fmt: skip
                if vendor == "sqlite":
                    _sqlite_checkpoint(DB_DIR / f"{db.run_name}.sqlite3")
                try:
                    entry["floor"] = least = _run(
                        "distribution.py", "floor", "--source", source, env=db.env(before)
                    )
                finally:
                    db._drop(before)
                floor_total = least["seconds"] + measured["sql_seconds"]
                log(f"  floor: the same {least['rows_added']:,} rows added and {least['rows_changed']:,} changed, "
                    f"written straight from SQL in {least['seconds']:.1f}s (same as the chain's: "
                    f"{least['same_as_source']}); full ÷ (bare SQL + floor) = "
                    f"{everything['seconds'] / floor_total:.1f}×")  # fmt: skip
            result["results"].append(entry)
        finally:
            db.cleanup()
    return result


if __name__ == "__main__":
    main()
