"""One measured operation in its own process, so its peak memory is its own. Prints one JSON line.

    python bench/worker.py prepare --scale county --seed 2026      # migrate, regions, the bench superuser
    python bench/worker.py csv --scale county --seed 2026 --out F  # the register import file
    python bench/worker.py import --csv F                          # register_import (the code under test)
    python bench/worker.py raw --csv F                             # COPY / executemany of the same rows
    python bench/worker.py orm --csv F --sample 2000               # one save() per row, on a sample
    python bench/worker.py prepare-coops --scale county --dir D    # the demo; its transactions → files in D
    python bench/worker.py import-tx --dir D                       # transactions_import, one file per village
    python bench/worker.py raw-tx --dir D                          # the same rows and summary vouchers, raw
    python bench/worker.py orm-tx --dir D --sample 2000            # one MemberTransaction.save() per row
    python bench/worker.py accounts --dir D --repeat 3             # region_member_accounts of the county vs. one SQL

The database comes from the environment (DATABASE_URL, or TONGZHOU_VAR_DIR + TONGZHOU_SQLITE_NAME).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterator

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-Tongzhou-2026"


def peak_rss_mb() -> float:
    """The high-water mark of this process's resident memory (VmHWM), in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongzhou.settings")
    import django

    django.setup()


def prepare(scale: str, seed: int) -> dict:
    from django.core.management import call_command
    from django.db import transaction

    from tongzhou.accounts.services import user_create
    from tongzhou.demo.generate import plan, region_rows
    from tongzhou.regions.services import regions_bulk_upsert

    call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        regions = regions_bulk_upsert(region_rows(plan(scale, seed)))
    user_create(username=BENCH_USER, password=BENCH_PASSWORD, is_superuser=True)
    return {"regions": regions}


def write_csv(scale: str, seed: int, out: str) -> dict:
    from tongzhou.demo.generate import write_register_csv

    started = time.perf_counter()
    tmp = out + ".part"
    rows = write_register_csv(tmp, scale, seed)
    os.replace(tmp, out)
    return {"rows": rows, "seconds": time.perf_counter() - started}


def _reverse_labels() -> dict[str, dict[str, str]]:
    from django.utils import translation

    from tongzhou.households.models import Disability, Health, LabourCapacity, Relation

    # The file format uses the Chinese labels, whatever language is active.
    with translation.override("zh-hans"):
        return {
            name: {str(m.label): m.value for m in choices}
            for name, choices in (
                ("relation", Relation),
                ("labour", LabourCapacity),
                ("disability", Disability),
                ("health", Health),
            )
        }


def iter_households(path: str, limit: int | None = None) -> Iterator[tuple[tuple, list[tuple]]]:
    """The import file read back as (household, persons) tuples in the bulk writer's order, unvalidated."""
    labels = _reverse_labels()
    relation, labour, disability, health = (
        labels["relation"],
        labels["labour"],
        labels["disability"],
        labels["health"],
    )
    sexes = {"男": "M", "女": "F"}
    persons_seen = 0
    household: tuple | None = None
    members: list[tuple] = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for row in reader:
            (village, group, number, address, phone, registered, exited, land, notes, name, id_number, birth, sex,
             rel, ethnicity, lab, migrant, destination, dis, hea) = row  # fmt: skip
            if rel == "户主":
                if household is not None:
                    yield household, members
                    if limit is not None and persons_seen >= limit:
                        return
                household = (
                    village,
                    village[:6],
                    village + group if group else "",
                    number,
                    name,
                    address,
                    phone,
                    int(registered) if registered else None,
                    int(exited) if exited else None,
                    land or "0",
                    notes,
                )
                members = []
            members.append(
                (
                    name,
                    id_number,
                    id_number[-4:],
                    birth,
                    sexes[sex],
                    relation[rel],
                    ethnicity,
                    labour[lab],
                    migrant == "是",
                    destination,
                    disability[dis],
                    health[hea],
                )
            )
            persons_seen += 1
        if household is not None:
            yield household, members


def run_raw(path: str) -> dict:
    """The baseline: read the file and write it with the demo's bulk writer, in one transaction, no checks."""
    from django.db import transaction

    from tongzhou.demo.bulk import RegisterBulkWriter, sqlite_tuned

    started = time.perf_counter()
    with sqlite_tuned(), transaction.atomic():
        writer = RegisterBulkWriter()
        batch_h: list[tuple] = []
        batch_p: list[list[tuple]] = []
        count = 0
        for household, members in iter_households(path):
            batch_h.append(household)
            batch_p.append(members)
            count += len(members)
            if count >= 20_000:
                writer.write(batch_h, batch_p)
                batch_h, batch_p, count = [], [], 0
        if batch_h:
            writer.write(batch_h, batch_p)
        writer.finish()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": writer.persons, "households": writer.households}


def run_orm(path: str, sample: int) -> dict:
    """The naive path: one Household.save() and one Person.save() per row, each in its own transaction."""
    from tongzhou.households.models import Household, Person

    started = time.perf_counter()
    households = persons = 0
    for household, members in iter_households(path, limit=sample):
        h = Household(**dict(zip(_household_fields(), household, strict=True)))
        h.save()
        households += 1
        for p in members:
            Person(household=h, village_code=h.village_code, county_code=h.county_code,
                   **dict(zip(_person_fields(), p, strict=True))).save()  # fmt: skip
            persons += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": persons, "households": households}


def _household_fields() -> tuple[str, ...]:
    from tongzhou.demo.generate import HOUSEHOLD_FIELDS

    return HOUSEHOLD_FIELDS


def _person_fields() -> tuple[str, ...]:
    from tongzhou.demo.generate import PERSON_FIELDS

    return PERSON_FIELDS


def run_import(path: str) -> dict:
    """The code under test: the register import, as the bench superuser."""
    from django.contrib.auth import get_user_model

    from tongzhou.core.errors import TongzhouError
    from tongzhou.households.register_import import register_import

    user = get_user_model().objects.get(username=BENCH_USER)
    started = time.perf_counter()
    try:
        result = register_import(user=user, path=path, via="bench")
    except TongzhouError as exc:
        return {"error": f"{exc.code}: {exc.message_en}", "details": str(exc.details)[:2000],
                "seconds": time.perf_counter() - started}  # fmt: skip
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": getattr(result, "rows", None),
        "households": getattr(result, "households_created", None),
        "persons": getattr(result, "persons_created", None),
    }


# -- member transactions (issue 3 point 9) --------------------------------------------------------------------

TX_HEADER = (
    "成员身份证号码",
    "非成员名称",
    "交易类型",
    "日期",
    "产品",
    "等级",
    "数量",
    "单位",
    "单价（元）",
    "金额（元）",
)
TX_KIND_LABEL = {
    "sale_to_coop": "交售",
    "purchase_from_coop": "购买农资",
    "labour": "务工",
    "land_rent": "土地租金",
}
TX_KIND_CODE = {label: code for code, label in TX_KIND_LABEL.items()}


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def prepare_coops(scale: str, seed: int, directory: str) -> dict:
    """Migrate, build the demo (register and cooperatives), the bench superuser; write every village
    cooperative's transactions as an import file (members by the holder's ID number), then delete them."""
    import pathlib

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F, Q

    from tongzhou.accounts.services import user_create
    from tongzhou.coops.models import Cooperative, Level, MemberTransaction
    from tongzhou.coops.services.transactions import LIVE_STATUSES
    from tongzhou.demo.coops import TRANSACTION_TABLE
    from tongzhou.demo.services import demo_build
    from tongzhou.distribution.models import HouseholdIncome

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    demo = demo_build(scale=scale, seed=seed)
    user_create(username=BENCH_USER, password=BENCH_PASSWORD, is_superuser=True)
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("coop-*.csv"):
        old.unlink()
    manifest = []
    coops = Cooperative.objects.filter(level=Level.VILLAGE, legal_form="farmers_cooperative").order_by("pk")
    # What a single entry accepts (services.transactions.member_refusal): non-members, and members in the register
    # on the day (an exited member before its exit date). Rows a single entry would refuse are left out and counted.
    importable = Q(member__isnull=True) | (
        (
            Q(member__status__in=LIVE_STATUSES)
            | Q(member__status="exited", member__exit_effective_on__isnull=False)
        )
        & Q(member__joined_on__lte=F("on"))
        & (Q(member__exit_effective_on__isnull=True) | Q(member__exit_effective_on__gt=F("on")))
    )
    left_out = MemberTransaction.objects.filter(~importable).count()
    for coop_id, county_code in coops.values_list("pk", "county_code"):
        path = out / f"coop-{coop_id}.csv"
        rows = MemberTransaction.objects.filter(importable, cooperative_id=coop_id).order_by("pk").values_list(
            "member__person__id_number", "counterparty_name", "kind", "on", "product", "grade", "quantity",
            "unit", "unit_price_fen", "amount_fen",
        )  # fmt: skip
        count = 0
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(TX_HEADER)
            for id_number, name, kind, on, product, grade, quantity, unit, price, amount in rows.iterator(
                5000
            ):
                writer.writerow(
                    (id_number or "", name, TX_KIND_LABEL[kind], on.isoformat(), product, grade,
                     format(quantity, "f"), unit, _yuan(price), _yuan(amount))
                )  # fmt: skip
                count += 1
        manifest.append({"cooperative": coop_id, "county": county_code, "file": path.name, "rows": count})
    with transaction.atomic(), connection.cursor() as cursor:
        # The demo's wage and land-rent income lines go with their transactions (the import writes them again).
        cursor.execute(f"DELETE FROM {HouseholdIncome._meta.db_table} WHERE transaction_id IS NOT NULL")
        cursor.execute(f"DELETE FROM {TRANSACTION_TABLE}")
    (out / "manifest.json").write_text(json.dumps(manifest))
    return {
        "seconds": time.perf_counter() - started,
        "households": demo.households,
        "members": demo.coops.members,
        "transactions": sum(m["rows"] for m in manifest),
        "left_out_ended_memberships": left_out,
        "files": len(manifest),
    }


def _manifest(directory: str) -> list[dict]:
    with open(os.path.join(directory, "manifest.json")) as f:
        return json.load(f)


def counties_under(code: str = "") -> list[str]:
    """The county codes with cooperatives under a region code (a county's, a prefecture's; "" for all)."""
    from tongzhou.coops.models import Cooperative

    codes = Cooperative.objects.filter(county_code__startswith=code).values_list("county_code", flat=True)
    return sorted(set(codes))


def _bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=BENCH_USER)


def run_import_tx(directory: str) -> dict:
    """The code under test: transactions_import of each village cooperative's file, as the bench superuser."""
    from tongzhou.coops.models import Cooperative
    from tongzhou.coops.transactions_import import transactions_import
    from tongzhou.core.errors import TongzhouError

    user = _bench_user()
    manifest = _manifest(directory)
    coops = Cooperative.objects.in_bulk([m["cooperative"] for m in manifest])
    rows = 0
    before = _books_counts()
    started = time.perf_counter()
    for m in manifest:
        try:
            result = transactions_import(
                user=user,
                cooperative=coops[m["cooperative"]],
                path=os.path.join(directory, m["file"]),
                via="bench",
            )
        except TongzhouError as exc:
            return {"error": f"{m['file']}: {exc.code}: {exc.message_en}", "details": str(exc.details)[:2000],
                    "seconds": time.perf_counter() - started}  # fmt: skip
        rows += result.rows
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "files": len(manifest), "books": _books_written(before)}


def _books_counts() -> dict[str, int]:
    """What the books hold now: vouchers, their lines and debit total, periods and accounts, the household income
    lines with their total, and the kept balances (one counting query, outside the timed part)."""
    from django.db import connection

    from tongzhou.distribution.models import HouseholdIncome
    from tongzhou.ledger.models import AccountBalance, BookAccount, Period, Voucher, VoucherLine

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {Voucher._meta.db_table}), "
            f"(SELECT COUNT(*) FROM {VoucherLine._meta.db_table}), "
            f"(SELECT COALESCE(SUM(debit_fen), 0) FROM {VoucherLine._meta.db_table}), "
            f"(SELECT COUNT(*) FROM {Period._meta.db_table}), "
            f"(SELECT COUNT(*) FROM {BookAccount._meta.db_table}), "
            f"(SELECT COUNT(*) FROM {HouseholdIncome._meta.db_table}), "
            f"(SELECT COALESCE(SUM(amount_fen), 0) FROM {HouseholdIncome._meta.db_table}), "
            f"(SELECT COUNT(*) FROM {AccountBalance._meta.db_table}), "
            f"(SELECT COALESCE(SUM(debit_fen), 0) FROM {AccountBalance._meta.db_table})"
        )
        counts = cursor.fetchone()
    return dict(
        zip(
            (
                "vouchers",
                "voucher_lines",
                "debit_fen",
                "periods",
                "book_accounts",
                "income_lines",
                "income_fen",
                "balances",  # the kept balances (ledger.services.balances): rows and debit total
                "balances_debit_fen",
            ),
            map(int, counts),
            strict=True,
        )
    )


def _books_written(before: dict[str, int]) -> dict[str, int]:
    """What a run added to the books: the harness checks that the raw path wrote what the import wrote."""
    after = _books_counts()
    return {k: after[k] - before[k] for k in after}


def _tx_rows(directory: str, m: dict, members: dict[str, int], now) -> Iterator[tuple]:
    """One file read back as rows for the transaction table: no checks beyond what building a row needs."""
    from decimal import Decimal

    from tongzhou.coops.domain.transactions import member_key, source_key

    coop_id = m["cooperative"]
    with open(os.path.join(directory, m["file"]), encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        for id_number, name, kind, on, product, grade, quantity, unit, price, amount in reader:
            member_id = members.get(id_number) if id_number else None
            kind = TX_KIND_CODE[kind]
            price_fen = int(price.replace(".", ""))
            amount_fen = int(amount.replace(".", ""))
            day = dt.date.fromisoformat(on)
            key = source_key(
                cooperative_id=coop_id, member_key=member_key(member_id=member_id, counterparty_name=name),
                kind=kind, on=day, product=product, grade=grade, quantity=Decimal(quantity),
                unit_price_fen=price_fen, amount_fen=amount_fen,
            )  # fmt: skip
            yield (coop_id, member_id, member_id is not None, name, kind, on, day.year, product, grade, quantity,
                   unit, price_fen, amount_fen, key, m["village"], m["county"], now)  # fmt: skip


def _member_lookup(coop_id: int) -> dict[str, int]:
    from tongzhou.coops.models import Member

    return dict(
        Member.objects.filter(cooperative_id=coop_id, person__isnull=False).values_list(
            "person__id_number", "pk"
        )
    )


def run_raw_tx(directory: str) -> dict:
    """The baseline: the same files written with the demo's raw writer (COPY / executemany), one transaction
    per file as the import does, no checks; and in the same transaction the books the import writes, raw: one
    posted summary voucher per month with a line per account, party and side (`_raw_summary_vouchers`), and the
    household income lines of the wages and land rent by the one INSERT … SELECT the import uses."""
    from django.db import transaction

    from tongzhou.coops.models import Cooperative
    from tongzhou.demo.bulk import sqlite_tuned
    from tongzhou.demo.coops import TRANSACTION_COLUMNS, TRANSACTION_TABLE, _Writer
    from tongzhou.distribution.services.income import income_from_transactions, last_transaction_id

    manifest = _manifest(directory)
    coops = {
        pk: (village, legal_form)
        for pk, village, legal_form in Cooperative.objects.filter(
            pk__in=[m["cooperative"] for m in manifest]
        ).values_list("pk", "region_code", "legal_form")
    }
    user_id = _bench_user().pk
    rows = 0
    before = _books_counts()
    started = time.perf_counter()
    with sqlite_tuned():
        writer = _Writer()
        for m in manifest:
            m["village"], legal_form = coops[m["cooperative"]]
            with transaction.atomic():
                batch = list(_tx_rows(directory, m, _member_lookup(m["cooperative"]), writer.now))
                last_id = last_transaction_id()
                writer.write(TRANSACTION_TABLE, TRANSACTION_COLUMNS, batch)
                income_from_transactions(after_id=last_id, cooperative_id=m["cooperative"])
                _raw_summary_vouchers(writer, m, legal_form, batch, user_id)
            rows += len(batch)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows, "files": len(manifest), "books": _books_written(before)}


# Positions in a _tx_rows tuple (TRANSACTION_COLUMNS order).
_TX_MEMBER, _TX_NAME, _TX_KIND, _TX_ON, _TX_YEAR, _TX_AMOUNT = 1, 3, 4, 5, 6, 12


def _raw_summary_vouchers(writer, m: dict, legal_form: str, batch: list[tuple], user_id: int) -> None:
    """The import's books for one file, raw: per month one voucher dated the month's last transaction, its lines
    the pure mapping (`ledger.domain.auto.transaction_lines`) of each party's total per kind, merged per account,
    party and side, as `ledger.services.auto.transaction_summary_vouchers` merges them. Reads only the ids it
    needs (the book, its accounts by code, the year's periods), creates missing periods, then INSERTs the drafts,
    COPYs their lines and flips them to posted with the periods' next numbers — the order the PostgreSQL ledger
    triggers ask for, which run here as they do for the import. No resolving of sub-accounts, no checks."""
    from django.db import connection

    from tongzhou.demo.books import LINE_COLUMNS, LINE_TABLE, VOUCHER_TABLE
    from tongzhou.ledger.domain.auto import add_transaction_total, keeps_books, transaction_summary_lines
    from tongzhou.ledger.models import Book, BookAccount, Period
    from tongzhou.ledger.services.balances import balances_keep

    if not batch or not keeps_books(legal_form):
        return
    # Summed and merged by the pure function the import's service uses (no checks, no ORM).
    totals: dict = {}
    for row in batch:
        add_transaction_total(
            totals, on=dt.date.fromisoformat(row[_TX_ON]), kind=row[_TX_KIND], member_id=row[_TX_MEMBER],
            counterparty=row[_TX_NAME], amount_fen=row[_TX_AMOUNT],
        )  # fmt: skip
    months = transaction_summary_lines(standard=legal_form, totals=totals)
    by_month = {(year, month): lines for year, month, _last, lines in months}
    last_day = {(year, month): last.isoformat() for year, month, last, _lines in months}
    if not by_month:
        return
    book_table, account_table, period_table = (
        Book._meta.db_table, BookAccount._meta.db_table, Period._meta.db_table,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, start_year, start_month, region_code, county_code FROM {book_table} "
            "WHERE cooperative_id = %s",
            [m["cooperative"]],
        )
        book = cursor.fetchone()
        if book is None:  # the import would open one (ledger.services.books.book_open): not a raw path's job
            raise RuntimeError(f"{m['file']}: the cooperative has no book (the template's demo opens them)")
        book_id, start_year, start_month, region_code, county_code = book
        # A date before the book's first month stays outside the books, as in the import.
        by_month = {ym: merged for ym, merged in by_month.items() if ym >= (start_year, start_month)}
        cursor.execute(
            f"SELECT code, id FROM {account_table} WHERE book_id = %s AND member_id IS NULL", [book_id]
        )
        accounts = dict(cursor.fetchall())
        periods = _raw_periods(cursor, period_table, book_id, (start_year, start_month), max(by_month))
        now = writer.now
        source = f"coops.TransactionImport:{m['cooperative']}:{dt.datetime.now():%Y%m%d%H%M%S}"
        label = f"导入成员交易 {m['file']}"[:150]
        vouchers, lines = [], []
        for year, month in sorted(by_month):
            summary = f"{label}（{year}年{month}月汇总）"[:200]
            cursor.execute(
                f"INSERT INTO {VOUCHER_TABLE} (book_id, date, summary, attachments, status, source, maker_id, "
                "made_at, updated_at, region_code, county_code) "
                "VALUES (%s, %s, %s, 0, 'draft', %s, %s, %s, %s, %s, %s) RETURNING id",
                [book_id, last_day[(year, month)], summary, f"{source}:{year}-{month:02d}"[:60], user_id, now,
                 now, region_code, county_code],
            )  # fmt: skip
            voucher_id = cursor.fetchone()[0]
            period_id, last_number = periods[(year, month)]
            periods[(year, month)] = (period_id, last_number + 1)
            vouchers.append(
                ("posted", period_id, last_number + 1, user_id, user_id, now, now, now, voucher_id)
            )
            for n, line in enumerate(by_month[(year, month)], start=1):
                lines.append(
                    (voucher_id, n, accounts[line.account_code], summary, line.debit_fen, line.credit_fen,
                     line.member_id, line.counterparty, book_id, region_code, county_code)
                )  # fmt: skip
        writer.write(LINE_TABLE, LINE_COLUMNS, lines)
        cursor.executemany(
            f"UPDATE {VOUCHER_TABLE} SET status = %s, period_id = %s, number = %s, checker_id = %s, "
            "poster_id = %s, checked_at = %s, posted_at = %s, updated_at = %s WHERE id = %s",
            vouchers,
        )
        cursor.executemany(
            f"UPDATE {period_table} SET last_number = %s WHERE id = %s",
            [periods[ym][::-1] for ym in sorted(by_month)],
        )
    # The kept balances of the books, as the import's service keeps them: the same books written.
    balances_keep(voucher_ids=[v[-1] for v in vouchers])


def _raw_periods(cursor, table: str, book_id: int, first: tuple[int, int], last: tuple[int, int]) -> dict:
    """The book's period rows from its first month through `last`, as (year, month) → (id, last number), the
    missing ones created first (as `ledger.services.periods.ensure_periods_through` does)."""
    months, (year, month) = [], first
    while (year, month) <= last:
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    cursor.execute(
        f"SELECT year, month, id, last_number FROM {table} WHERE book_id = %s AND year BETWEEN %s AND %s",
        [book_id, first[0], last[0]],
    )
    found = {(y, mo): (pk, n) for y, mo, pk, n in cursor.fetchall()}
    missing = [(book_id, y, mo) for y, mo in months if (y, mo) not in found]
    if missing:
        cursor.executemany(
            f"INSERT INTO {table} (book_id, year, month, status, last_number) VALUES (%s, %s, %s, 'open', 0)",
            missing,
        )
        return _raw_periods(cursor, table, book_id, first, last)
    return {ym: found[ym] for ym in months}


def run_orm_tx(directory: str, sample: int) -> dict:
    """The naive path doing the import's work: one MemberTransaction.save() per row, each its own transaction, on a
    sample; then, per file of the sample, the same summary vouchers as the import, each voucher and each line its
    own save() (a draft, its lines, then posted with its number); a wage or land rent paid to a household member
    saves its household income line right after its transaction. Rows = the transactions saved."""
    from tongzhou.coops.models import Cooperative, Member, MemberTransaction
    from tongzhou.distribution.models import HouseholdIncome
    from tongzhou.distribution.services.income import PAID_KINDS
    from tongzhou.ledger.domain.auto import add_transaction_total, transaction_summary_lines
    from tongzhou.ledger.models import Book, Period, Voucher, VoucherLine

    manifest = _manifest(directory)
    user = _bench_user()
    started = time.perf_counter()
    rows = lines_saved = income_saved = 0

    def book_it(coop, totals) -> int:
        """The file's summary vouchers through the ORM, one save() per row."""
        book = Book.objects.get(cooperative=coop)
        accounts = {(a.code, a.member_id): a for a in book.accounts.all()}
        saved = 0
        for year, month, last_day, lines in transaction_summary_lines(
            standard=coop.legal_form, totals=totals
        ):
            period, _ = Period.objects.get_or_create(book=book, year=year, month=month)
            voucher = Voucher(book=book, date=last_day, summary=f"导入成员交易（{year}年{month}月汇总）",
                              source=f"bench.orm:{year}-{month:02d}", maker=user, region_code=book.region_code,
                              county_code=book.county_code)  # fmt: skip
            voucher.save()
            for n, line in enumerate(lines, start=1):
                account = accounts.get((line.account_code, None))
                VoucherLine(voucher=voucher, line_no=n, account=account, debit_fen=line.debit_fen,
                            credit_fen=line.credit_fen, member_id=line.member_id, counterparty=line.counterparty,
                            book=book, region_code=book.region_code, county_code=book.county_code).save()  # fmt: skip
                saved += 1
            period.last_number += 1
            period.save(update_fields=["last_number"])
            voucher.status, voucher.period, voucher.number = "posted", period, period.last_number
            voucher.checker = voucher.poster = user
            voucher.save()
        return saved

    for m in manifest:
        coop = Cooperative.objects.get(pk=m["cooperative"])
        m["village"] = coop.region_code
        totals: dict = {}
        households = {
            pk: (household_id, village, county)
            for pk, household_id, village, county in Member.objects.filter(
                cooperative=coop, household__isnull=False
            ).values_list("pk", "household_id", "household__village_code", "household__county_code")
        }
        for row in _tx_rows(directory, m, _member_lookup(coop.pk), None):
            (coop_id, member_id, is_member, name, kind, on, year, product, grade, quantity, unit, price, amount,
             key, village, county, _now) = row  # fmt: skip
            tx = MemberTransaction(
                cooperative_id=coop_id, member_id=member_id, is_member=is_member, counterparty_name=name,
                kind=kind, on=on, year=year, product=product, grade=grade, quantity=quantity, unit=unit,
                unit_price_fen=price, amount_fen=amount, source_key=key, village_code=village, county_code=county,
            )  # fmt: skip
            tx.save()
            household = households.get(member_id) if is_member and kind in PAID_KINDS and amount > 0 else None
            if household is not None:
                HouseholdIncome(household_id=household[0], year=year, kind=PAID_KINDS[kind], amount_fen=amount,
                                on=on, body_id=coop_id, transaction=tx, village_code=household[1],
                                county_code=household[2]).save()  # fmt: skip
                income_saved += 1
            add_transaction_total(totals, on=on if isinstance(on, dt.date) else dt.date.fromisoformat(on),
                                  kind=kind, member_id=member_id if is_member else None,
                                  counterparty="" if is_member else name, amount_fen=amount)  # fmt: skip
            rows += 1
            if rows >= sample:
                break
        lines_saved += book_it(coop, totals)
        if rows >= sample:
            break
    return {"seconds": time.perf_counter() - started, "rows": rows, "voucher_lines": lines_saved,
            "income_lines": income_saved}  # fmt: skip


ACCOUNTS_SQL = """
SELECT member_id, SUM(capital), SUM(subsidy), SUM(tx_amount), SUM(tx_quantity) FROM (
    SELECT e.member_id AS member_id,
           CASE WHEN c.is_capital THEN e.amount_fen ELSE 0 END AS capital,
           CASE WHEN c.is_capital THEN 0 ELSE e.amount_fen END AS subsidy,
           0 AS tx_amount, 0 AS tx_quantity
      FROM {entries} e JOIN {classes} c ON c.id = e.share_class_id
     WHERE e.county_code IN ({counties}) AND e."on" <= %s
    UNION ALL
    SELECT t.member_id, 0, 0, t.amount_fen, t.quantity
      FROM {transactions} t
     WHERE t.county_code IN ({counties}) AND t.year = %s AND t.is_member
) AS rows GROUP BY member_id
"""


def run_accounts(directory: str | None, repeat: int, region: str | None = None) -> dict:
    """Every member account of the county (of the manifest, or `region`: a county's or a prefecture's code) through
    selectors.region_accounts.region_member_accounts (as the superuser, iterated to the last row) against one bare
    SQL aggregate over the same rows; loads the transactions with the raw path first if there are none."""
    import statistics

    from django.db import connection

    from tongzhou.coops.models import Cooperative, MemberTransaction, ShareClass, ShareEntry
    from tongzhou.coops.selectors.region_accounts import region_member_accounts

    loaded = None
    if not MemberTransaction.objects.exists():
        loaded = run_raw_tx(directory)["rows"]
    county = region or _manifest(directory)[0]["county"]
    counties = counties_under(county)
    user = _bench_user()
    year = 2025
    coops = Cooperative.objects.filter(county_code__in=counties).count()
    sql = ACCOUNTS_SQL.format(
        entries=ShareEntry._meta.db_table, classes=ShareClass._meta.db_table,
        transactions=MemberTransaction._meta.db_table, counties=", ".join(["%s"] * len(counties)),
    )  # fmt: skip
    selector_runs, sql_runs = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        accounts = 0
        totals = [0, 0, 0]
        for account in region_member_accounts(user=user, code=county, year=year):
            accounts += 1
            totals[0] += account.capital_fen
            totals[1] += account.subsidy_share_fen
            totals[2] += account.transactions_amount_fen
        selector_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*counties, dt.date(year, 12, 31).isoformat(), *counties, year])
            sql_rows = cursor.fetchall()
        sql_runs.append(time.perf_counter() - started)
    sql_totals = [sum(int(r[i] or 0) for r in sql_rows) for i in (1, 2, 3)]
    return {
        "seconds": statistics.median(selector_runs),
        "selector_runs": selector_runs,
        "sql_seconds": statistics.median(sql_runs),
        "sql_runs": sql_runs,
        "cooperatives": coops,
        "accounts": accounts,
        "sql_members": len(sql_rows),
        "totals_agree": totals == sql_totals,
        "totals": totals,
        "sql_totals": sql_totals,
        "transactions_loaded_first": loaded,
        "region": county,
        "rows": MemberTransaction.objects.filter(county_code__in=counties).count()
        + ShareEntry.objects.filter(county_code__in=counties).count(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "op", choices=["prepare", "csv", "import", "raw", "orm", "prepare-coops", "import-tx", "raw-tx", "orm-tx",
                       "accounts"]
    )  # fmt: skip
    parser.add_argument("--scale", default="county")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--csv")
    parser.add_argument("--out")
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--dir")
    parser.add_argument(
        "--region", help="accounts: a county's or prefecture's code instead of the manifest's county"
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    setup_django()
    if args.op == "prepare":
        result = prepare(args.scale, args.seed)
    elif args.op == "csv":
        result = write_csv(args.scale, args.seed, args.out)
    elif args.op == "import":
        result = run_import(args.csv)
    elif args.op == "raw":
        result = run_raw(args.csv)
    elif args.op == "prepare-coops":
        result = prepare_coops(args.scale, args.seed, args.dir)
    elif args.op == "import-tx":
        result = run_import_tx(args.dir)
    elif args.op == "raw-tx":
        result = run_raw_tx(args.dir)
    elif args.op == "orm-tx":
        result = run_orm_tx(args.dir, args.sample)
    elif args.op == "accounts":
        result = run_accounts(args.dir, args.repeat, args.region)
    else:
        result = run_orm(args.csv, args.sample)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    sys.stdout.write("BENCH-RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
