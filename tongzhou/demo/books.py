"""The demo's books: every demo cooperative and collective gets its book, opened January of the demo year, and one
posted voucher per operation of the year, with the lines of the automatic mapping (`ledger.domain.auto`).

Per book, in date order and numbered gapless per month (记-1, 记-2, … of each month):
- an opening voucher (期初建账) on 1 January carrying what the share entries before the year left: the members'
  股金 (资本), the 专项基金 of the fiscal poverty-fund shares, the assets they were paid in with (the fiscal funds
  as received in the bank, not as 专项应付款);
- one voucher per share entry of the year (a transfer, inheritance or conversion is one voucher, on its out leg;
  an entry whose mapping has no lines, such as a subsidy share withdrawn at exit, has none; an exit settled in
  the next year is left out), `source` "coops.ShareEntry:<id>";
- the member transactions booked as the transactions import books a file (`transactions="monthly"`, the
  default): one summary voucher (汇总记账凭证) a month, dated the month's last transaction, each member's total per
  kind on the lines of the mapping (`auto.transaction_summary_lines`), `source` "demo.transactions:<year>-<month>";
  or, `transactions="each"`, one voucher per transaction as a single entry posts it, `source`
  "coops.MemberTransaction:<id>" — 2.4 million vouchers at county scale, what the books benchmark reads;
- ordinary vouchers so the statements look real: each month with purchases, the sale of what the cooperative
  bought at a margin (Dr 102 / Cr 501) and its cost (Dr 521 / Cr 121); quarterly management fees (Dr 523 / Cr 102).
  A collective gets its capital (Dr 102, 151 / Cr 301), quarterly contracting income (Dr 102 / Cr 501),
  management fees (Dr 513 / Cr 102) and a subsidy (Dr 102 / Cr 503); a township union its members' capital and
  service income and fees.

Made by the village accountant, checked and posted by the village secretary (the demo users `cunkuaiji`,
`shuji`). The year stays open (no year close): the statements show 本年盈余 not yet carried, which the builders
count in 未分配盈余, so the balance sheet balances. Rows are written like the rest of the demo: COPY on PostgreSQL,
executemany on SQLite, explicit voucher ids. On PostgreSQL the ledger's triggers are switched off for the load
(`session_replication_role = replica`, a superuser's right) and every voucher's balance is checked with one query
afterwards; without that right the vouchers go in as drafts and are flipped to posted, so the triggers check them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Func, IntegerField, Max, Sum

from tongzhou.coops.models import Cooperative, Level, Member, MemberTransaction, ShareEntry
from tongzhou.ledger.domain import auto
from tongzhou.ledger.models import AccountBalance, Book, BookAccount, Period, Voucher, VoucherLine
from tongzhou.ledger.services.charts import chart_in_force

from .coops import YEAR, _Writer

VOUCHER_TABLE = Voucher._meta.db_table
LINE_TABLE = VoucherLine._meta.db_table
VOUCHER_COLUMNS = (
    "id", "book_id", "date", "summary", "attachments", "status", "period_id", "number", "reverses_id", "source",
    "maker_id", "made_at", "checker_id", "checked_at", "poster_id", "posted_at", "updated_at", "region_code",
    "county_code",
)  # fmt: skip
LINE_COLUMNS = (
    "voucher_id", "line_no", "account_id", "summary", "debit_fen", "credit_fen", "member_id", "counterparty",
    "book_id", "region_code", "county_code",
)  # fmt: skip
ACCOUNT_TABLE = BookAccount._meta.db_table
ACCOUNT_COLUMNS = (
    "id", "book_id", "chart_account_id", "code", "name", "account_class", "normal_balance", "level", "party",
    "is_leaf", "is_active", "region_code", "county_code", "created_at",
)  # fmt: skip
COOPS_PER_TRANSACTION = 40
MAKER, CHECKER = "cunkuaiji", "shuji"  # the demo's village accountant and village secretary
OPENING_SOURCE = "demo.opening"
TRANSACTIONS_SOURCE = "demo.transactions"
MONTHLY, EACH = "monthly", "each"  # how the demo books member transactions


@dataclass
class BooksDemoResult:
    books: int = 0
    vouchers: int = 0
    lines: int = 0


@dataclass
class _Voucher:
    date: dt.date
    order: int  # within a day: opening 0, operations 1, ordinary vouchers 2
    key: int
    summary: str
    lines: list[auto.AutoLine]
    source: str = ""
    attachments: int = 1


@dataclass
class _BookPlan:
    coop: Cooperative
    standard: str
    vouchers: list[_Voucher] = field(default_factory=list)


def demo_books_reset() -> None:
    """Delete every book with its vouchers, periods and accounts. On PostgreSQL TRUNCATE, which the ledger's row
    triggers (posted vouchers never change) do not see: the demo's books are thrown away whole."""
    tables = (
        AccountBalance._meta.db_table,  # the kept balances (ledger.services.balances)
        LINE_TABLE,
        VOUCHER_TABLE,
        Period._meta.db_table,
        BookAccount._meta.db_table,
        Book._meta.db_table,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred checks still pending in this transaction (a test that builds and resets the demo in one)
            # would make PostgreSQL refuse the TRUNCATE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # CASCADE: tables that point at the books (the distribution runs' vouchers) go with them; a demo run
            # means nothing without its books, and PostgreSQL refuses to truncate a referenced table alone.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def _users() -> tuple[int | None, int | None]:
    ids = dict(get_user_model().objects.filter(username__in=[MAKER, CHECKER]).values_list("username", "pk"))
    return ids.get(MAKER), ids.get(CHECKER)


def _net(lines: list[auto.AutoLine]) -> list[auto.AutoLine]:
    """Lines summed per account, member and counterparty, each on the side of its net amount."""
    totals: dict[tuple, int] = defaultdict(int)
    for line in lines:
        totals[(line.account_code, line.member_id, line.counterparty)] += line.debit_fen - line.credit_fen
    out = []
    for (code, member_id, counterparty), net in sorted(
        totals.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)
    ):
        if net:
            out.append(auto.AutoLine(code, max(net, 0), max(-net, 0), member_id, counterparty))
    return out


def _share_vouchers(plan: _BookPlan, entries: list[tuple], names: dict[int, str]) -> None:
    """The opening voucher (entries before the year, netted) and one voucher per entry of the year."""
    before: list[auto.AutoLine] = []
    for (
        entry_id,
        member_id,
        counter_id,
        entry_type,
        on,
        amount,
        class_kind,
        is_capital,
        class_name,
    ) in entries:
        lines = auto.share_entry_lines(
            standard=plan.standard,
            entry_kind=entry_type,
            class_kind=class_kind,
            amount_fen=amount,
            member_id=member_id,
            counter_member_id=counter_id,
            is_capital=is_capital,
        )
        if not lines:
            continue
        if on.year < YEAR:
            before.extend(lines)
            continue
        if on.year > YEAR:
            continue  # an exit settled after the demo year: the books hold the demo year only
        summary = auto.summary_of(
            entry_type,
            member_name=names.get(member_id, ""),
            counter_name=names.get(counter_id, "") if counter_id else "",
            class_name=class_name,
        )
        plan.vouchers.append(_Voucher(on, 1, entry_id, summary, lines, f"coops.ShareEntry:{entry_id}"))
    if before:
        # The fiscal funds behind the poverty-fund shares came into the bank: 专项应付款 nets to nothing.
        special = {"farmers_cooperative": "235", "collective_organisation": "241"}[plan.standard]
        owed = sum(x.debit_fen - x.credit_fen for x in before if x.account_code == special)
        if owed:
            before += [auto.AutoLine("102", owed, 0), auto.AutoLine(special, 0, owed)]
        plan.vouchers.append(
            _Voucher(
                dt.date(YEAR, 1, 1), 0, 0, f"期初建账：结转{YEAR}年以前的股金及专项基金", _net(before),
                OPENING_SOURCE, 0,
            )
        )  # fmt: skip


def _monthly_transaction_vouchers(plan: _BookPlan, totals: auto.TransactionTotals) -> dict[int, int]:
    """One summary voucher a month for the year's transactions; returns the month's purchases (Dr 121)."""
    for year, month, last_day, lines in auto.transaction_summary_lines(standard=plan.standard, totals=totals):
        plan.vouchers.append(
            _Voucher(
                last_day, 1, 10**15 + month, f"成员交易（{year}年{month}月汇总）", lines,
                f"{TRANSACTIONS_SOURCE}:{year}-{month:02d}",
            )
        )  # fmt: skip
    bought: dict[int, int] = defaultdict(int)
    for (_year, month, kind, _member, _counterparty), (amount, _on) in totals.items():
        if kind == auto.SALE_TO_COOP:
            bought[month] += amount
    return bought


def _transaction_vouchers(plan: _BookPlan, rows: list[tuple], names: dict[int, str]) -> dict[int, int]:
    """One voucher per transaction of the year; returns the month's purchases (Dr 121) per month."""
    bought: dict[int, int] = defaultdict(int)
    for tx_id, member_id, counterparty, kind, on, product, amount in rows:
        lines = auto.transaction_lines(
            standard=plan.standard,
            kind=kind,
            amount_fen=amount,
            member_id=member_id,
            counterparty=counterparty,
        )
        if not lines:
            continue
        name = names.get(member_id, "") if member_id else counterparty
        summary = auto.summary_of(kind, member_name=name, product=product)
        plan.vouchers.append(_Voucher(on, 1, tx_id, summary, lines, f"coops.MemberTransaction:{tx_id}"))
        if kind == auto.SALE_TO_COOP:
            bought[on.month] += amount
    return bought


def _month_end(month: int) -> dt.date:
    return (dt.date(YEAR, month, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _ordinary_cooperative(plan: _BookPlan, bought: dict[int, int], rng: random.Random) -> None:
    """Sales of what the cooperative bought, at a 12–25% margin, their cost, and quarterly management fees."""
    D, C = auto.AutoLine, lambda code, fen: auto.AutoLine(code, 0, fen)
    for month, cost in sorted(bought.items()):
        if cost <= 0:
            continue
        price = cost * rng.randint(112, 125) // 100
        day = _month_end(month)
        plan.vouchers.append(
            _Voucher(day, 2, 1, "销售产品，货款存入银行", [D("102", price, 0), C("501", price)])
        )
        plan.vouchers.append(_Voucher(day, 2, 2, "结转已售产品成本", [D("521", cost, 0), C("121", cost)]))
    year_cost = sum(bought.values())
    for quarter in range(1, 5):
        fee = max(50_000, year_cost * rng.randint(5, 15) // 1000 // 4 // 100 * 100)
        day = _month_end(quarter * 3)
        plan.vouchers.append(
            _Voucher(day, 2, 3, f"支付第{quarter}季度办公及管理费用", [D("523", fee, 0), C("102", fee)])
        )


def _ordinary_collective(plan: _BookPlan, rng: random.Random) -> None:
    """A collective's capital, contracting income, a subsidy and management fees."""
    D, C = auto.AutoLine, lambda code, fen: auto.AutoLine(code, 0, fen)
    cash = rng.randint(20, 120) * 10_000_00
    assets = rng.randint(50, 300) * 10_000_00
    plan.vouchers.append(
        _Voucher(dt.date(YEAR, 1, 1), 0, 0, "期初建账：集体资本（货币资金、固定资产）",
                 [D("102", cash, 0), D("151", assets, 0), C("301", cash + assets)], OPENING_SOURCE, 0)
    )  # fmt: skip
    for quarter in range(1, 5):
        day = _month_end(quarter * 3)
        income = rng.randint(15, 60) * 1_000_00
        fee = rng.randint(5, 15) * 1_000_00
        plan.vouchers.append(
            _Voucher(
                day,
                2,
                1,
                f"收取第{quarter}季度集体资产发包及出租收入",
                [D("102", income, 0), C("501", income)],
            )
        )
        plan.vouchers.append(
            _Voucher(day, 2, 2, f"支付第{quarter}季度办公及管理费用", [D("513", fee, 0), C("102", fee)])
        )
    subsidy = rng.randint(5, 30) * 10_000_00
    day = dt.date(YEAR, rng.randint(3, 10), 15)
    plan.vouchers.append(
        _Voucher(day, 2, 3, "收到村级组织运转经费补助", [D("102", subsidy, 0), C("503", subsidy)])
    )


def _ordinary_union(plan: _BookPlan, members: list[tuple[int, str]], rng: random.Random) -> None:
    """A township union: its members' capital at the opening, quarterly service income and fees."""
    D, C = auto.AutoLine, lambda code, fen: auto.AutoLine(code, 0, fen)
    if members:
        shares = [(member_id, rng.randint(1, 5) * 10_000_00) for member_id, _name in members]
        total = sum(fen for _m, fen in shares)
        lines = [D("102", total, 0)] + [auto.AutoLine("301", 0, fen, member_id) for member_id, fen in shares]
        plan.vouchers.append(
            _Voucher(dt.date(YEAR, 1, 1), 0, 0, "期初建账：成员社出资", lines, OPENING_SOURCE, 0)
        )
    for quarter in range(1, 5):
        day = _month_end(quarter * 3)
        income = rng.randint(20, 80) * 1_000_00
        fee = rng.randint(5, 15) * 1_000_00
        plan.vouchers.append(
            _Voucher(day, 2, 1, f"收取第{quarter}季度统一销售服务费", [D("102", income, 0), C("501", income)])
        )
        plan.vouchers.append(
            _Voucher(day, 2, 2, f"支付第{quarter}季度办公及管理费用", [D("523", fee, 0), C("102", fee)])
        )


class _BooksWriter:
    """Opens the books of a batch of organisations and writes their posted vouchers in bulk."""

    def __init__(self, writer: _Writer, result: BooksDemoResult) -> None:
        self.writer = writer
        self.result = result
        self.vendor = connection.vendor
        self.maker_id, self.checker_id = _users()
        self.charts: dict[str, object] = {}
        self._accounts_cache: dict[
            str, list
        ] = {}  # per writer: chart ids change when a test reloads the charts
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {VOUCHER_TABLE}")
            self.next_voucher_id = cursor.fetchone()[0] + 1
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {ACCOUNT_TABLE}")
            self.next_account_id = cursor.fetchone()[0] + 1
            self.replica = False
            if self.vendor == "postgresql":
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                self.replica = bool(cursor.fetchone()[0])

    def _chart(self, standard: str):
        if standard not in self.charts:
            self.charts[standard] = chart_in_force(standard, dt.date(YEAR, 1, 1))
        return self.charts[standard]

    def write(self, plans: list[_BookPlan]) -> None:
        """One transaction: books, their accounts and periods, vouchers (numbered), lines."""
        if not plans:
            return
        if self.replica:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        books = Book.objects.bulk_create(
            [
                Book(
                    cooperative=p.coop, chart=self._chart(p.standard), start_year=YEAR, start_month=1,
                    region_code=p.coop.region_code, county_code=p.coop.county_code, opened_by_id=self.maker_id,
                )
                for p in plans
            ]
        )  # fmt: skip
        accounts = []
        for book, p in zip(books, plans, strict=True):
            for ca in self._chart_accounts(p.standard):
                accounts.append(
                    BookAccount(
                        book=book, chart_account=ca, code=ca.code, name=ca.name, account_class=ca.account_class,
                        normal_balance=ca.normal_balance, level=ca.level, party=ca.party, is_leaf=True,
                        is_active=not ca.optional, region_code=book.region_code, county_code=book.county_code,
                    )
                )  # fmt: skip
        # Raw rows with explicit ids: bulk_create's per-field adaptation cost ≈ 20 s for a county's 949 books.
        account_rows = []
        for a in accounts:
            a.pk = self.next_account_id
            self.next_account_id += 1
            account_rows.append(
                (a.pk, a.book_id, a.chart_account_id, a.code, a.name, a.account_class, a.normal_balance, a.level,
                 a.party, a.is_leaf, a.is_active, a.region_code, a.county_code, self.writer.now)
            )  # fmt: skip
        self.writer.write(ACCOUNT_TABLE, ACCOUNT_COLUMNS, account_rows)
        account_id = {(a.book_id, a.code): a.pk for a in accounts}
        # Number each book's vouchers per month, in date order.
        numbered: list[tuple[Book, _Voucher, int]] = []
        periods = []
        for book, p in zip(books, plans, strict=True):
            p.vouchers.sort(key=lambda v: (v.date, v.order, v.key))
            last = dict.fromkeys(range(1, 13), 0)
            for v in p.vouchers:
                last[v.date.month] += 1
                numbered.append((book, v, last[v.date.month]))
            periods += [Period(book=book, year=YEAR, month=m, last_number=n) for m, n in last.items()]
        Period.objects.bulk_create(periods)
        period_id = {(pr.book_id, pr.month): pr.pk for pr in periods}
        now = self.writer.now
        posted = self.vendor != "postgresql" or self.replica
        vouchers, lines, flips = [], [], []
        first_id = self.next_voucher_id
        for book, v, number in numbered:
            vid = self.next_voucher_id
            self.next_voucher_id += 1
            period = period_id[(book.pk, v.date.month)]
            status, num = ("posted", number) if posted else ("draft", None)
            if not posted:
                flips.append((vid, period, number))
                period = None
            vouchers.append(
                (vid, book.pk, v.date.isoformat(), v.summary[:200], v.attachments, status, period, num, None,
                 v.source, self.maker_id, now, self.checker_id, now, self.checker_id, now, now, book.region_code,
                 book.county_code)
            )  # fmt: skip
            for i, line in enumerate(v.lines, start=1):
                lines.append(
                    (vid, i, account_id[(book.pk, line.account_code)], "", line.debit_fen, line.credit_fen,
                     line.member_id, line.counterparty, book.pk, book.region_code, book.county_code)
                )  # fmt: skip
        self.writer.write(VOUCHER_TABLE, VOUCHER_COLUMNS, vouchers)
        self.writer.write(LINE_TABLE, LINE_COLUMNS, lines)
        with connection.cursor() as cursor:
            if not posted:
                # Flip the drafts to posted; the ledger's triggers check each voucher at commit.
                cursor.execute("CREATE TEMP TABLE demo_voucher_post (id bigint, period_id bigint, number int)"
                               " ON COMMIT DROP")  # fmt: skip
                with cursor.cursor.copy("COPY demo_voucher_post (id, period_id, number) FROM STDIN") as copy:
                    for row in flips:
                        copy.write_row(row)
                cursor.execute(
                    f"UPDATE {VOUCHER_TABLE} v SET status = 'posted', period_id = t.period_id, number = t.number "
                    "FROM demo_voucher_post t WHERE v.id = t.id"
                )
            if self.replica:
                cursor.execute("SET LOCAL session_replication_role = origin")
                self._check_balanced(cursor, first_id)
        self.result.books += len(books)
        self.result.vouchers += len(vouchers)
        self.result.lines += len(lines)

    def _check_balanced(self, cursor, first_id: int) -> None:
        """What the deferred trigger checks, in one query over the vouchers just written."""
        cursor.execute(
            f"SELECT voucher_id FROM {LINE_TABLE} WHERE voucher_id >= %s GROUP BY voucher_id "
            "HAVING COUNT(*) < 2 OR SUM(debit_fen) <> SUM(credit_fen) OR SUM(debit_fen) = 0 LIMIT 1",
            [first_id],
        )
        bad = cursor.fetchone()
        if bad is not None:
            raise RuntimeError(f"demo voucher {bad[0]} does not balance")

    def _chart_accounts(self, standard: str) -> list:
        if standard not in self._accounts_cache:
            self._accounts_cache[standard] = list(self._chart(standard).accounts.order_by("order"))
        return self._accounts_cache[standard]

    def finish(self) -> None:
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in (VOUCHER_TABLE, ACCOUNT_TABLE):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )


class _Month(Func):
    """The month of a date as an integer, in the database's own SQL (Django's ExtractMonth is a Python function
    per row on SQLite)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%m', %(expressions)s) AS INTEGER)")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(EXTRACT(MONTH FROM %(expressions)s) AS INTEGER)"
        )


def _monthly_totals(ids: list[int]) -> dict[int, auto.TransactionTotals]:
    """The year's transactions of the cooperatives summed in the database per month, kind and member (or
    non-member), with the month's last date: what `auto.transaction_summary_lines` books."""
    totals: dict[int, auto.TransactionTotals] = defaultdict(dict)
    rows = (
        MemberTransaction.objects.filter(cooperative_id__in=ids, year=YEAR)
        .annotate(month=_Month("on"))
        .values_list("cooperative_id", "month", "kind", "member_id", "counterparty_name")
        .annotate(amount=Sum("amount_fen"), last=Max("on"))
        .order_by()
    )
    for coop_id, month, kind, member_id, counterparty, amount, last in rows:
        totals[coop_id][(YEAR, month, kind, member_id, counterparty)] = (int(amount), last)
    return totals


def _plans(coops: list[Cooperative], seed: int, transactions_as: str = MONTHLY) -> list[_BookPlan]:
    ids = [c.pk for c in coops]
    names = dict(Member.objects.filter(cooperative_id__in=ids).values_list("pk", "display_name"))
    entries: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        ShareEntry.objects.filter(cooperative_id__in=ids)
        .order_by("on", "pk")
        .values_list(
            "cooperative_id", "pk", "member_id", "counterparty_id", "entry_type", "on", "amount_fen",
            "share_class__kind", "share_class__is_capital", "share_class__name",
        )
    ):  # fmt: skip
        entries[row[0]].append(row[1:])
    transactions: dict[int, list[tuple]] = defaultdict(list)
    monthly = _monthly_totals(ids) if transactions_as == MONTHLY else {}
    if transactions_as == EACH:
        for row in (
            MemberTransaction.objects.filter(cooperative_id__in=ids, year=YEAR)
            .order_by("on", "pk")
            .values_list(
                "cooperative_id",
                "pk",
                "member_id",
                "counterparty_name",
                "kind",
                "on",
                "product",
                "amount_fen",
            )
        ):
            transactions[row[0]].append(row[1:])
    union_members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for coop_id, member_id, name in (
        Member.objects.filter(cooperative_id__in=ids, cooperative__level=Level.TOWNSHIP)
        .order_by("pk")
        .values_list("cooperative_id", "pk", "display_name")
    ):
        union_members[coop_id].append((member_id, name))
    plans = []
    for coop in coops:
        plan = _BookPlan(coop, coop.legal_form)
        rng = random.Random(f"tongzhou-demo-books:{seed}:{coop.credit_code}")
        if coop.legal_form == auto.COLLECTIVE:
            _ordinary_collective(plan, rng)
        elif coop.level == Level.TOWNSHIP:
            _ordinary_union(plan, union_members[coop.pk], rng)
        else:
            _share_vouchers(plan, entries[coop.pk], names)
            if transactions_as == MONTHLY:
                bought = _monthly_transaction_vouchers(plan, monthly.get(coop.pk, {}))
            else:
                bought = _transaction_vouchers(plan, transactions[coop.pk], names)
            _ordinary_cooperative(plan, bought, rng)
        plans.append(plan)
    return plans


def demo_books_build(
    *, seed: int = 2026, transactions: str = MONTHLY, progress: Callable[[int], None] | None = None
) -> BooksDemoResult:
    """The books of every demo cooperative and collective that keeps books in Tongzhou (not the platform
    company), with the demo year's vouchers. Expects no books yet (see `demo_books_reset`). `transactions`:
    "monthly" (a summary voucher a month, as the import books a file) or "each" (a voucher per transaction)."""
    if transactions not in (MONTHLY, EACH):
        raise ValueError(f"transactions is {MONTHLY!r} or {EACH!r}, not {transactions!r}")
    result = BooksDemoResult()
    writer = _Writer()
    books = _BooksWriter(writer, result)
    coops = list(
        Cooperative.objects.filter(legal_form__in=auto.STANDARDS, book__isnull=True).order_by(
            "region_code", "pk"
        )
    )
    for start in range(0, len(coops), COOPS_PER_TRANSACTION):
        batch = coops[start : start + COOPS_PER_TRANSACTION]
        with transaction.atomic():
            books.write(_plans(batch, seed, transactions))
        if progress is not None:
            progress(len(batch))
    books.finish()
    return result
