"""The books benchmark (issue 4 point 9). Run through bench/run.py:

    TONGZHOU_BENCH_TAG=_j python bench/run.py ledger --scale county --db both --repeat 3

The worker side (one process per measurement, like bench/worker.py):

    python bench/ledger.py prepare --scale county         # migrate, the demo with its books, the bench superuser
    python bench/ledger.py statements --repeat 3          # county roll-up and every book's statements vs bare SQL
    python bench/ledger.py export --out F                 # the posted lines as a beancount file (untimed)
    python bench/ledger.py post --writers 4 --count 2000  # PostgreSQL: 4 writers posting drafts into one month

beancount is timed by bench/beancount_balances.py under BEANCOUNT_PYTHON (a Python with bench/requirements.txt).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from worker import BENCH_USER, counties_under, peak_rss_mb, setup_django  # noqa: E402

YEAR = 2025
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
# The bare aggregates over the same posted lines as the statements read: per chart account for the county roll-up,
# per book and account for every book's statements.
SQL_ROLL_UP = """
SELECT a.chart_account_id, SUM(l.debit_fen), SUM(l.credit_fen)
  FROM ledger_voucherline l JOIN ledger_voucher v ON v.id = l.voucher_id
  JOIN ledger_bookaccount a ON a.id = l.account_id
 WHERE v.status = 'posted' AND v.date <= %s AND l.county_code IN ({counties})
 GROUP BY a.chart_account_id
"""
SQL_BOOKS = """
SELECT l.book_id, l.account_id, SUM(l.debit_fen), SUM(l.credit_fen)
  FROM ledger_voucherline l JOIN ledger_voucher v ON v.id = l.voucher_id
 WHERE v.status = 'posted' AND v.date <= %s AND l.county_code IN ({counties})
 GROUP BY l.book_id, l.account_id
"""
KINDS = ("trial-balance", "balance-sheet", "surplus")
STANDARDS = ("farmers_cooperative", "collective_organisation")


def prepare(scale: str, seed: int) -> dict:
    from django.core.management import call_command

    from tongzhou.accounts.services import user_create
    from tongzhou.demo.services import demo_build

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    # a voucher per member transaction: the posting volume the issue names (≈ 50 million at prefecture scale)
    result = demo_build(scale=scale, seed=seed, transaction_vouchers="each")
    user_create(username=BENCH_USER, password="bench-Tongzhou-2026", is_superuser=True)
    # As a database in use would be after its autovacuum (PostgreSQL) or `ANALYZE` (SQLite): planner statistics.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "books": result.books.books,
        "vouchers": result.books.vouchers,
        "lines": result.books.lines,
    }


def _user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=BENCH_USER)


def _bare(sql: str, counties: list[str]) -> tuple[float, list]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql.format(counties=", ".join(["%s"] * len(counties))), [LAST.isoformat(), *counties])
        rows = cursor.fetchall()
    return time.perf_counter() - started, rows


def _county() -> str:
    from tongzhou.ledger.models import Book

    return Book.objects.order_by("pk").values_list("county_code", flat=True).first()


def _region(scope: str) -> tuple[str, list[str]]:
    """(region code, its counties): the first book's county, or its prefecture (`scope` "prefecture"): every county
    of it with cooperatives (the bodies that keep books), the roll-up read for the prefecture's code."""
    county = _county()
    if scope == "county":
        return county, [county]
    return county[:4], counties_under(county[:4])


def statements(repeat: int, scope: str = "county", lines_only: bool = True) -> dict:
    """Two workloads, each against its own bare SQL over the same posted lines of the year, alternating runs:
    (a) the county roll-up, trial balance, balance sheet and surplus statement of each standard
    (`statements_for_region`, as the web, API and CLI read them) vs one SUM … GROUP BY chart account;
    (b) every book's trial balance, balance sheet and surplus statement in the county (`statements_for_books`) vs
    one SUM … GROUP BY book, account. Closing balances compared account by account, statements checked balanced."""
    from tongzhou.ledger import selectors
    from tongzhou.ledger.models import AccountBalance, BookAccount, ChartAccount, VoucherLine
    from tongzhou.ledger.statements.read import statements_for_books, statements_for_region

    user = _user()
    region_code, counties = _region(scope)
    args = {"user": user, "region_code": region_code, "kinds": KINDS, "date_from": FIRST, "date_to": LAST}
    roll_up, roll_up_sql, books, books_sql, roll_up_lines, books_lines = [], [], [], [], [], []
    for _ in range(repeat):
        started = time.perf_counter()
        region = statements_for_region(standards=STANDARDS, **args)
        roll_up.append(time.perf_counter() - started)
        seconds, roll_up_rows = _bare(SQL_ROLL_UP, counties)
        roll_up_sql.append(seconds)
        started = time.perf_counter()
        per_book = statements_for_books(**args)
        books.append(time.perf_counter() - started)
        seconds, book_rows = _bare(SQL_BOOKS, counties)
        books_sql.append(seconds)
        # The same statements read from the lines alone (no kept balances), for the record.
        if not lines_only:
            continue
        selectors.KEPT_READS = False
        try:
            started = time.perf_counter()
            region_lines = statements_for_region(standards=STANDARDS, **args)
            roll_up_lines.append(time.perf_counter() - started)
            started = time.perf_counter()
            per_book_lines = statements_for_books(**args)
            books_lines.append(time.perf_counter() - started)
        finally:
            selectors.KEPT_READS = True

    # The comparison, untimed: closing balance (debit positive) of every account shown in the trial balances, the
    # SQL's sums added up the account tree, per (standard, chart code) and per (book, code).
    chart = {}
    for pk, std, code, parent in ChartAccount.objects.values_list(
        "pk", "chart__standard", "code", "parent_code"
    ):
        chart[pk] = (std, code, parent)
    chart_parent = {(std, code): (std, parent) if parent else None for std, code, parent in chart.values()}
    sql_roll_up = _up({chart[pk][:2]: int(d) - int(c) for pk, d, c in roll_up_rows}, chart_parent)
    ours_roll_up = {
        (std, k): v for std in STANDARDS for k, v in _closings(region[(std, "trial-balance")]).items()
    }
    accounts = BookAccount.objects.filter(county_code__in=counties).values_list(
        "pk", "book_id", "code", "parent__code"
    )
    key = {pk: (book, code) for pk, book, code, _ in accounts}
    book_parent = {(book, code): (book, parent) if parent else None for _, book, code, parent in accounts}
    sql_books = _up({key[a]: int(d) - int(c) for _, a, d, c in book_rows}, book_parent)
    ours_books = {
        (pk, k): v for pk, kinds in per_book.items() for k, v in _closings(kinds["trial-balance"]).items()
    }
    balanced = all(s.checks.get("balanced", True) for s in region.values()) and all(
        s.checks.get("balanced", True) for kinds in per_book.values() for s in kinds.values()
    )
    return {
        "roll_up": _line(roll_up, roll_up_sql, _agree(ours_roll_up, sql_roll_up), len(sql_roll_up)),
        "books": _line(books, books_sql, _agree(ours_books, sql_books), len(sql_books)),
        "book_count": len(per_book),
        # read from the lines alone: the times, and whether every trial balance row equals the kept read's
        "lines_only": None
        if not lines_only
        else {
            "roll_up_seconds": statistics.median(roll_up_lines),
            "books_seconds": statistics.median(books_lines),
            "roll_up_runs": roll_up_lines,
            "books_runs": books_lines,
            "same_figures": ours_roll_up
            == {
                (std, k): v
                for std in STANDARDS
                for k, v in _closings(region_lines[(std, "trial-balance")]).items()
            }
            and ours_books
            == {
                (pk, k): v
                for pk, kinds in per_book_lines.items()
                for k, v in _closings(kinds["trial-balance"]).items()
            },
        },
        "region": region_code,
        "kept_rows": AccountBalance.objects.filter(county_code__in=counties).count(),
        "lines": VoucherLine.objects.filter(county_code__in=counties).count(),
        "balanced": balanced,
        # the harness's headline: the county roll-up
        "seconds": statistics.median(roll_up),
        "sql_seconds": statistics.median(roll_up_sql),
    }


def _line(ours: list[float], bare: list[float], agree: bool, accounts: int) -> dict:
    return {
        "seconds": statistics.median(ours),
        "runs": ours,
        "sql_seconds": statistics.median(bare),
        "sql_runs": bare,
        "ratio": statistics.median(ours) / statistics.median(bare),
        "balances_agree": agree,
        "accounts_compared": accounts,
    }


def _up(closing: dict, parent: dict) -> dict:
    """Each account's balance added into its ancestors."""
    out: dict = {}
    for k, v in closing.items():
        while k is not None:
            out[k] = out.get(k, 0) + v
            k = parent.get(k)
    return out


def _closings(tb) -> dict[str, int]:
    """Closing balance (debit positive) of each account row of a trial balance."""
    return {row[0]: (row[6] or 0) - (row[7] or 0) for row in tb.rows if row[0]}


def _agree(ours: dict, sql: dict) -> bool:
    return all(ours.get(k, 0) == v for k, v in sql.items()) and all(
        sql.get(k, 0) == v for k, v in ours.items()
    )


ROOTS = {"asset": "Assets", "cost": "Assets", "liability": "Liabilities", "equity": "Equity"}


def _bean_account(book_id: int, code: str, account_class: str, normal: str) -> str:
    root = ROOTS.get(account_class) or ("Income" if normal == "credit" else "Expenses")
    return f"{root}:B{book_id}:A{code}"


def export(out: str) -> dict:
    """Every posted line of the county as one beancount file, one transaction per voucher; with the balances the
    SQL gives per beancount account, for the comparison."""
    from tongzhou.ledger.models import BookAccount, VoucherLine

    started = time.perf_counter()
    accounts = {
        pk: _bean_account(book, code, cls, normal)
        for pk, book, code, cls, normal in BookAccount.objects.values_list(
            "pk", "book_id", "code", "account_class", "normal_balance"
        )
    }
    expected: dict[str, int] = {}
    with open(out, "w", encoding="utf-8") as f:
        f.write('option "operating_currency" "CNY"\n')
        for name in sorted(set(accounts.values())):
            f.write(f"{FIRST.isoformat()} open {name} CNY\n")
        current = None
        lines = (
            VoucherLine.objects.filter(voucher__status="posted")
            .order_by("voucher_id", "line_no")
            .values_list("voucher_id", "voucher__date", "account_id", "debit_fen", "credit_fen")
            .iterator(chunk_size=20000)
        )
        vouchers = 0
        for voucher_id, date, account_id, debit, credit in lines:
            if voucher_id != current:
                current = voucher_id
                vouchers += 1
                f.write(f'\n{date.isoformat()} * "v{voucher_id}"\n')
            fen = debit - credit
            name = accounts[account_id]
            expected[name] = expected.get(name, 0) + fen
            f.write(f"  {name}  {fen / 100:.2f} CNY\n")
    return {
        "seconds": time.perf_counter() - started,
        "vouchers": vouchers,
        "bytes": os.path.getsize(out),
        "expected": {k: v for k, v in expected.items() if v},
    }


def post(writers: int, count: int) -> dict:
    """`count` checked drafts in one book and month, posted by `writers` threads through voucher_post; numbers
    must come out 1…n without a gap or a repeat."""
    from django.db import close_old_connections, connection

    from tongzhou.ledger.models import Book, Period, Voucher
    from tongzhou.ledger.services.vouchers import voucher_check, voucher_create, voucher_post

    user = _user()
    checker = type(user).objects.get(username="shuji")
    from tongzhou.regions.scope import access_for, prefix_q

    # a book the checker may write to (at county scale the demo's shuji keeps one village's books)
    book = (
        Book.objects.filter(prefix_q("region_code", access_for(checker).write))
        .filter(cooperative__legal_form="collective_organisation")
        .order_by("pk")
        .first()
    )
    day = dt.date(YEAR, 12, 30)
    period = Period.objects.get(book=book, year=YEAR, month=12)
    before = period.last_number
    lines = [{"account": "102", "debit_fen": 100_00}, {"account": "501", "credit_fen": 100_00}]
    drafts = []
    for i in range(count):
        v = voucher_create(
            user=user, book=book, date=day, summary=f"并发记账测试 {i}", lines=lines, via="bench"
        )
        drafts.append(voucher_check(user=checker, voucher=v, via="bench").pk)
    errors = []

    def work(ids: list[int]) -> None:
        try:
            for pk in ids:
                voucher_post(user=checker, voucher=Voucher.objects.get(pk=pk), via="bench")
        except Exception as exc:  # reported, not raised: the thread's failure is a result
            errors.append(repr(exc))
        finally:
            connection.close()

    close_old_connections()
    threads = [threading.Thread(target=work, args=(drafts[i::writers],)) for i in range(writers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    numbers = sorted(Voucher.objects.filter(pk__in=drafts, status="posted").values_list("number", flat=True))
    expected = list(range(before + 1, before + count + 1))
    return {
        "seconds": seconds,
        "vouchers": len(numbers),
        "vouchers_per_s": len(numbers) / seconds,
        "writers": writers,
        "gapless_unique": numbers == expected,
        "errors": errors[:5],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("op", choices=["prepare", "statements", "export", "post"])
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument(
        "--scope",
        choices=["county", "prefecture"],
        default="county",
        help="statements: the first book's county, or its whole prefecture",
    )
    parser.add_argument(
        "--no-lines-only", action="store_true", help="statements: leave out the read from the lines alone"
    )
    args = parser.parse_args(argv)
    setup_django()
    if args.op == "prepare":
        result = prepare(args.scale, args.seed)
    elif args.op == "statements":
        result = statements(args.repeat, args.scope, lines_only=not args.no_lines_only)
    elif args.op == "export":
        result = export(args.out)
    else:
        result = post(args.writers, args.count)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")


# -- the harness side (bench/run.py ledger) ------------------------------------------------------------------------


def _run(script: str, *args: str, env: dict | None = None, python: str | None = None) -> dict:
    done = subprocess.run(
        [python or sys.executable, str(Path(__file__).resolve().parent / script), *args],
        capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise RuntimeError(f"{script} {args[:1]} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")


def bench_ledger(
    scale: str, dbs: list[str], repeat: int, seed: int, *, Database, out: Path, log, report
) -> dict:
    """Per database: a template with the demo and its books; the statements against the SQL, beancount against
    ours (SQLite and PostgreSQL export the same postings; beancount runs once per database), 4 writers on
    PostgreSQL."""
    result = report("ledger", scale, seed, repeat)
    beancount_python = os.environ.get("BEANCOUNT_PYTHON", sys.executable)
    # TONGZHOU_BENCH_KEEP=1: reuse a template left by an earlier run (the county demo with books takes minutes per
    # database) and leave it; TONGZHOU_BENCH_BEANCOUNT=0: leave beancount out.
    keep = os.environ.get("TONGZHOU_BENCH_KEEP") == "1"
    with_beancount = os.environ.get("TONGZHOU_BENCH_BEANCOUNT", "1") != "0"
    for vendor in dbs:
        db = Database(vendor, scale, seed, kind="_ledger")
        if keep and _template_exists(db, out):
            log(f"{vendor}: reusing the template {db.template}")
            prepared = {"reused": True}
        else:
            log(f"{vendor}: preparing the demo with its books (scale {scale}) …")
            db._drop(db.template)
            (out / "db").mkdir(parents=True, exist_ok=True)
            if vendor == "postgresql":
                subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db.template], check=True)
            prepared = _run(
                "ledger.py", "prepare", "--scale", scale, "--seed", str(seed), env=db.env(db.template)
            )
            log(f"  {prepared['books']:,} books, {prepared['vouchers']:,} vouchers, {prepared['lines']:,} lines "
                f"in {prepared['seconds']:.0f}s")  # fmt: skip
        if vendor == "sqlite":
            from run import _sqlite_checkpoint

            _sqlite_checkpoint(out / "db" / f"{db.template}.sqlite3")
        try:
            env = db.fresh()
            entry = {"db": vendor, "prepared": prepared}
            scope = "prefecture" if scale == "prefecture" else "county"
            st = _run("ledger.py", "statements", "--repeat", str(repeat), "--scope", scope, env=env)
            st["ratio"] = st["seconds"] / st["sql_seconds"]
            for name, what in (("roll_up", "county roll-up"), ("books", f"{st['book_count']} books")):
                line = st[name]
                log(f"  {what}: {line['seconds']:.3f}s vs SQL {line['sql_seconds']:.3f}s = {line['ratio']:.2f}×, "
                    f"balances agree {line['balances_agree']} ({line['accounts_compared']} accounts)")  # fmt: skip
            log(f"  {st['lines']:,} lines, every statement balanced {st['balanced']}")
            lo = st["lines_only"]
            log(f"  from the lines alone: roll-up {lo['roll_up_seconds']:.3f}s, books {lo['books_seconds']:.3f}s, "
                f"same figures {lo['same_figures']}; {st['kept_rows']:,} kept balance rows")  # fmt: skip
            entry["statements"] = st
            if not with_beancount:
                if vendor == "postgresql":
                    entry["posting"] = _posting(env, log)
                result["results"].append(entry)
                continue
            path = out / f"ledger-{scale}-{vendor}.beancount"
            exported = _run("ledger.py", "export", "--out", str(path), env=env)
            expected = exported.pop("expected")
            runs = []
            for _ in range(repeat):
                bc = _run("beancount_balances.py", str(path), python=beancount_python)
                runs.append(bc["seconds"])
            agree = {k: v for k, v in bc.pop("balances").items() if v} == expected
            bc.update(runs=runs, seconds=statistics.median(runs), balances_agree=agree, export=exported)
            # beancount computes every book's balances: set against ours for every book's statements
            ours = st["books"]["seconds"]
            bc["ours_vs_beancount"] = bc["seconds"] / ours
            log(f"  beancount {bc['seconds']:.1f}s (load {bc['load_seconds']:.1f}s) vs ours {ours:.2f}s "
                f"= {bc['ours_vs_beancount']:.1f}× faster, balances agree {agree}")  # fmt: skip
            entry["beancount"] = bc
            path.unlink(missing_ok=True)
            if vendor == "postgresql":
                entry["posting"] = _posting(env, log)
            result["results"].append(entry)
        finally:
            if keep:
                db._drop(db.run_name)
            else:
                db.cleanup()
    return result


def _posting(env: dict, log) -> dict:
    posting = _run("ledger.py", "post", "--writers", "4", "--count", "2000", env=env)
    log(f"  4 writers: {posting['vouchers_per_s']:.0f} vouchers/s, gapless {posting['gapless_unique']}")
    return posting


def _template_exists(db, out: Path) -> bool:
    if db.vendor == "postgresql":
        found = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",
             f"SELECT 1 FROM pg_database WHERE datname = '{db.template}'"],
            capture_output=True, text=True,
        )  # fmt: skip
        return found.stdout.strip() == "1"
    return (out / "db" / f"{db.template}.sqlite3").exists()


if __name__ == "__main__":
    main()
