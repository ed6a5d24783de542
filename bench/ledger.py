"""The books benchmark (issue 4 point 9). Run through bench/run.py:

    TONGZHOU_BENCH_TAG=_j python bench/run.py ledger --scale county --db both --repeat 3

The worker side (one process per measurement, like bench/worker.py):

    python bench/ledger.py prepare --scale county         # migrate, the demo with its books, the bench superuser
    python bench/ledger.py statements --repeat 3          # every book's statements + roll-up vs one SQL GROUP BY
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
from worker import BENCH_USER, peak_rss_mb, setup_django  # noqa: E402

YEAR = 2025
FIRST, LAST = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
# One bare aggregate over the same posted lines as the statements read.
SQL = """
SELECT l.book_id, l.account_id, SUM(l.debit_fen), SUM(l.credit_fen)
  FROM ledger_voucherline l JOIN ledger_voucher v ON v.id = l.voucher_id
 WHERE v.status = 'posted' AND v.date <= %s AND l.county_code = %s
 GROUP BY l.book_id, l.account_id
"""


def prepare(scale: str, seed: int) -> dict:
    from django.core.management import call_command

    from tongzhou.accounts.services import user_create
    from tongzhou.demo.services import demo_build

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    result = demo_build(scale=scale, seed=seed)
    user_create(username=BENCH_USER, password="bench-Tongzhou-2026", is_superuser=True)
    return {
        "seconds": time.perf_counter() - started,
        "books": result.books.books,
        "vouchers": result.books.vouchers,
        "lines": result.books.lines,
    }


def _user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=BENCH_USER)


def statements(repeat: int) -> dict:
    """Per book of the county: trial balance, balance sheet, surplus statement (through the selectors and the
    builders, as the statement pages read them), then the county roll-up of both standards; against the SQL."""
    from django.db import connection

    from tongzhou.ledger import selectors
    from tongzhou.ledger.models import Book, VoucherLine
    from tongzhou.ledger.statements import builders
    from tongzhou.ledger.statements.read import statement_for_region

    user = _user()
    county = Book.objects.values_list("county_code", flat=True).first()
    books = list(Book.objects.filter(county_code=county).select_related("cooperative", "chart"))
    ours, bare = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        total_debit = 0
        balanced = True
        for book in books:
            data = selectors.statement_data_of_book(book=book, date_from=FIRST, date_to=LAST)
            tb = builders.trial_balance_statement(data)
            sheet = builders.balance_sheet(data)
            builders.surplus_statement(data)
            balanced &= tb.checks["balanced"] and sheet.checks["balanced"]
            total_debit += sum(m.debit for m in data.movements.values())
        for standard in ("farmers_cooperative", "collective_organisation"):
            for kind in ("trial-balance", "balance-sheet", "surplus"):
                statement_for_region(
                    user=user, region_code=county, standard=standard, kind=kind, date_from=FIRST, date_to=LAST
                )
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(SQL, [LAST.isoformat(), county])
            rows = cursor.fetchall()
        bare.append(time.perf_counter() - started)
    sql_debit = sum(int(r[2] or 0) for r in rows)
    return {
        "seconds": statistics.median(ours),
        "runs": ours,
        "sql_seconds": statistics.median(bare),
        "sql_runs": bare,
        "books": len(books),
        "lines": VoucherLine.objects.filter(county_code=county).count(),
        "balanced": balanced,
        "totals_agree": total_debit == sql_debit,
        "total_debit_fen": total_debit,
        "sql_debit_fen": sql_debit,
    }


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
    book = Book.objects.filter(cooperative__legal_form="collective_organisation").order_by("pk").first()
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
    args = parser.parse_args(argv)
    setup_django()
    if args.op == "prepare":
        result = prepare(args.scale, args.seed)
    elif args.op == "statements":
        result = statements(args.repeat)
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
    for vendor in dbs:
        db = Database(vendor, scale, seed, kind="_ledger")
        log(f"{vendor}: preparing the demo with its books (scale {scale}) …")
        db._drop(db.template)
        (out / "db").mkdir(parents=True, exist_ok=True)
        if vendor == "postgresql":
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", db.template], check=True)
        prepared = _run(
            "ledger.py", "prepare", "--scale", scale, "--seed", str(seed), env=db.env(db.template)
        )
        try:
            env = db.fresh()
            log(f"  {prepared['books']:,} books, {prepared['vouchers']:,} vouchers, {prepared['lines']:,} lines "
                f"in {prepared['seconds']:.0f}s")  # fmt: skip
            entry = {"db": vendor, "prepared": prepared}
            st = _run("ledger.py", "statements", "--repeat", str(repeat), env=env)
            st["ratio"] = st["seconds"] / st["sql_seconds"]
            log(f"  statements {st['seconds']:.2f}s vs SQL {st['sql_seconds']:.2f}s = {st['ratio']:.2f}×, "
                f"totals agree {st['totals_agree']}, balanced {st['balanced']}")  # fmt: skip
            entry["statements"] = st
            path = out / f"ledger-{scale}-{vendor}.beancount"
            exported = _run("ledger.py", "export", "--out", str(path), env=env)
            expected = exported.pop("expected")
            runs = []
            for _ in range(repeat):
                bc = _run("beancount_balances.py", str(path), python=beancount_python)
                runs.append(bc["seconds"])
            agree = {k: v for k, v in bc.pop("balances").items() if v} == expected
            bc.update(runs=runs, seconds=statistics.median(runs), balances_agree=agree, export=exported)
            bc["ours_vs_beancount"] = bc["seconds"] / st["seconds"]
            log(f"  beancount {bc['seconds']:.1f}s (load {bc['load_seconds']:.1f}s) vs ours {st['seconds']:.2f}s "
                f"= {bc['ours_vs_beancount']:.1f}× faster, balances agree {agree}")  # fmt: skip
            entry["beancount"] = bc
            path.unlink(missing_ok=True)
            if vendor == "postgresql":
                posting = _run("ledger.py", "post", "--writers", "4", "--count", "2000", env=env)
                log(
                    f"  4 writers: {posting['vouchers_per_s']:.0f} vouchers/s, gapless {posting['gapless_unique']}"
                )
                entry["posting"] = posting
            result["results"].append(entry)
        finally:
            db.cleanup()
    return result


if __name__ == "__main__":
    main()
