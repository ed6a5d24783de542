"""The demo year ends with a posted three-level distribution (issue 5, point 7): per county the benefit chain is
computed (`cascade_compute`) and every body's run of 2025 is written as the run services would leave it, posted.
It runs after `guarantees.py` has booked the year's guaranteed payments (保底收益), a cost already in the surpluses
the cascade reads from the books.

What the earlier phases leave out and the chain needs is added first, consistent with the books:
- bylaws for the township unions, the platform company and the collectives (the village cooperatives have theirs):
  a union or the platform sets aside 10%, returns 60% by transactions, 85% of the rest by capital and 15% to
  management; a collective draws 20% for 公积公益金;
- the unions' members' capital as share entries (a cash share class of ¥10,000 a share), in the amounts the
  union's opening voucher (期初建账) carries on 301 per member; the platform's members' capital (¥0.5–2 m a union);
- no member transactions of the unions or the platform: the books of the demo year hold none (every transaction
  of the year is booked by the monthly summary vouchers, and the platform keeps no books here), so their patronage
  return (60%) finds no transactions and stays in the body as 未分配盈余; the rest goes down by capital;
- the platform's own surplus, which it keeps no books for here: ¥0.5–1.5 m per union of the county, given
  explicitly to the cascade (and kept as the platform run's "given" surplus).

Then, from the cascade's result, per body its run, and per body with a book a voucher on 31 December booking what
each run above gives it as investment income — the operations `run_post` books (`distribution.services.received`:
Dr 应收款 / Cr 投资收益, source `RECEIVED_SOURCE`), linked to the paying run — so its books' 本年盈余 is the surplus its
run distributes. Each run: computed, published 15 December, approved by the
assembly on 31 December (the law's 15 and 10 days of notice; 90% of the members for, 5% against), posted the same
day with the vouchers `run_post` books (Dr 盈余分配 / Cr 盈余公积, 应付盈余返还, 应付剩余盈余; a collective's Cr
公积公益金 and 内部往来). The year 2025 stays open. Runs are posted here; `payments.py` pays them in January 2026
(payments, their vouchers, the households' income lines).

The collectives have their membership roll from the cooperatives' phase (`collective_roll.py`: every household of
the village, income-right shares 收益权份额 by head count): a collective's run gives its distributable income to its
households by their shares, and nothing stays unallocated in its 收益分配.

Written in bulk, like `books.py`: the lines and vouchers as raw rows (COPY on PostgreSQL, executemany on SQLite);
the runs, bylaws and share classes through `bulk_create`. The runs go out a batch at a time (≈ 50,000 lines, with
their vouchers) in the bodies' order, ids and voucher numbers as if written at once, so a county's 561,000 lines
are never held together.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from tongzhou.coops.domain.bylaws import BylawsTerms, check_bylaws
from tongzhou.coops.models import Bylaws, Cooperative, Level, Member, ShareClass, ShareClassKind
from tongzhou.distribution.models import DistributionLine, DistributionRun, RunStatus
from tongzhou.distribution.services.cascade import CountyCascade, cascade_compute
from tongzhou.distribution.services.common import (
    ACCOUNTS,
    COLLECTIVE,
    COLLECTIVE_NOTICE,
    COOP_NOTICE,
    COOPERATIVE,
)
from tongzhou.distribution.services.lifecycle import MEMBERS_PER_VOUCHER
from tongzhou.distribution.services.received import posting_operations, receiver_books, receiving_amounts
from tongzhou.households.models import Household
from tongzhou.ledger.domain.auto import AutoLine
from tongzhou.ledger.models import Book, BookAccount, Period, VoucherLine
from tongzhou.ledger.services.auto import AutoOperation
from tongzhou.regions.scope import access_for
from tongzhou.rollups.coverage import coop_figures_rebuild

from .books import CHECKER, LINE_COLUMNS, LINE_TABLE, MAKER, OPENING_SOURCE, VOUCHER_COLUMNS, VOUCHER_TABLE
from .coops import ENTRY_COLUMNS, ENTRY_TABLE, YEAR, _Writer

PUBLISHED_ON = dt.date(YEAR, 12, 15)
ASSEMBLY_ON = dt.date(YEAR, 12, 31)  # ≥ 15 days after publication (Art. 40); the run is posted that day
COUNTY_OFFICER = "xianji"
ADMINISTRATOR = "admin"  # the prefecture's: computes the counties the demo's county officer does not cover
UPPER_BYLAWS = check_bylaws(
    BylawsTerms(
        reserve_rate_bp=1000,
        patronage_share_bp=6000,
        patronage_transaction_kinds=("sale_to_coop", "purchase_from_coop"),
        remainder_split={"members": 8500, "management": 1500},
    )
)
COLLECTIVE_BYLAWS = check_bylaws(
    BylawsTerms(reserve_rate_bp=2000, patronage_share_bp=6000, remainder_split={"members": 10000})
)
SHARE_VALUE_FEN = 10_000_00  # a union's or the platform's cash share: ¥10,000
LINES_PER_BATCH = 50_000  # the runs' lines held before the batch of runs is written (`_post_runs`)
RUN_LINE_COLUMNS = (
    "run_id", "member_id", "household_id", "key", "display_name", "capital_fen", "reserve_share_fen",
    "subsidy_share_fen", "transactions", "income_right_shares", "reserve_quantified_fen", "subsidy_equal_share_fen",
    "remainder_weight_fen", "patronage_return_fen", "remainder_share_fen", "collective_share_fen", "income_right_fen",
    "converted_to_capital_fen", "cash_fen", "payable_return_fen", "payable_share_fen", "paid_fen", "village_code",
    "county_code",
)  # fmt: skip


@dataclass
class DistributionDemoResult:
    cascades: int = 0
    runs: int = 0
    lines: int = 0
    vouchers: int = 0
    voucher_lines: int = 0
    households: int = 0  # households the chain reached
    to_households_fen: int = 0


def _missing_bylaws(county: str) -> None:
    have = set(
        Bylaws.objects.filter(cooperative__county_code=county).values_list("cooperative_id", flat=True)
    )
    rows = []
    for body in Cooperative.objects.filter(county_code=county).exclude(pk__in=have).order_by("pk"):
        terms = COLLECTIVE_BYLAWS if body.legal_form == COLLECTIVE else UPPER_BYLAWS
        rows.append(
            Bylaws(
                cooperative=body,
                effective_from=body.founded_on,
                adopted_on=body.founded_on,
                **terms.as_row_values(),
            )
        )
    Bylaws.objects.bulk_create(rows)


def _upper_members(county: str, seed: int, writer: _Writer) -> None:
    """The capital of the unions' and the platform's members as share entries (see the module docstring)."""
    rng = random.Random(f"tongzhou-demo-distribution:{seed}:{county}")
    uppers = list(
        Cooperative.objects.filter(county_code=county, level__in=[Level.TOWNSHIP, Level.COUNTY]).order_by(
            "pk"
        )
    )
    classes = {
        c.cooperative_id: c
        for c in ShareClass.objects.bulk_create(
            [
                ShareClass(
                    cooperative=body,
                    kind=ShareClassKind.CASH,
                    name="成员出资",
                    unit_value_fen=SHARE_VALUE_FEN,
                )
                for body in uppers
                if not ShareClass.objects.filter(cooperative=body).exists()
            ]
        )
    }
    members = defaultdict(list)
    for pk, coop_id, member_coop, village in (
        Member.objects.filter(cooperative__in=uppers).order_by("pk").values_list(
            "pk", "cooperative_id", "member_cooperative_id", "village_code"
        )
    ):  # fmt: skip
        members[coop_id].append((pk, member_coop, village))
    opening = dict(
        VoucherLine.objects.filter(
            county_code=county,
            voucher__source=OPENING_SOURCE,
            account__code="301",
            book__cooperative__level=Level.TOWNSHIP,
            member__isnull=False,
        ).values_list("member_id", "credit_fen")
    )
    entries = []
    now = writer.now

    def entry(body: Cooperative, member_id: int, village: str, on: dt.date, amount: int) -> None:
        entries.append(
            (body.pk, member_id, classes[body.pk].pk, "subscription", on.isoformat(), amount // SHARE_VALUE_FEN * 100,
             amount, "成员社出资", village, county, now, None, None)
        )  # fmt: skip

    for body in uppers:
        if body.pk not in classes:
            continue  # built already
        rows = members.get(body.pk, [])
        if body.level == Level.TOWNSHIP:
            for member_id, _coop, village in rows:
                if opening.get(member_id):
                    entry(body, member_id, village, body.founded_on, opening[member_id])
        else:
            for member_id, _union, village in rows:
                entry(body, member_id, village, body.founded_on, rng.randint(50, 200) * SHARE_VALUE_FEN)
    writer.write(ENTRY_TABLE, ENTRY_COLUMNS, entries)


class _VoucherWriter:
    """Posted vouchers appended to existing books, numbered on from each period's last number (books.py's way)."""

    def __init__(self, writer: _Writer, result: DistributionDemoResult) -> None:
        self.writer = writer
        self.result = result
        users = dict(
            get_user_model().objects.filter(username__in=[MAKER, CHECKER]).values_list("username", "pk")
        )
        self.maker_id, self.checker_id = users.get(MAKER), users.get(CHECKER)
        self.pending: list[tuple[Book, dt.date, str, str, list[AutoLine], bool]] = []

    def add(
        self, book: Book, on: dt.date, summary: str, source: str, lines: list[AutoLine], *, line_summary=False
    ) -> None:
        """`line_summary`: each line carries the voucher's summary, as `post_operation_vouchers` writes them."""
        self.pending.append((book, on, summary, source, lines, line_summary))

    def add_operation(self, book: Book, op: AutoOperation) -> None:
        """An operation of the services' builders, its lines carrying the summary as `post_operation_vouchers`
        writes them."""
        self.add(book, op.on, op.summary, op.source, list(op.lines), line_summary=True)

    def write(self) -> list[tuple[str, int]]:
        """Write every pending voucher; returns (source, voucher id)."""
        if not self.pending:
            return []
        vendor = connection.vendor
        books = {b.pk: b for b, *_ in self.pending}
        accounts = {
            (book_id, code): pk
            for book_id, code, pk in BookAccount.objects.filter(book_id__in=list(books)).values_list(
                "book_id", "code", "pk"
            )
        }
        # A month after the demo year (the payments of January) is opened as `lock_period` opens it: the books'
        # months run on without a gap (every book has the twelve of the demo year).
        months = {(b.pk, on.year, on.month) for b, on, *_ in self.pending}
        Period.objects.bulk_create(
            [Period(book_id=b, year=y, month=m) for b, y, m in sorted(months) if y > YEAR],
            ignore_conflicts=True,
        )
        periods = {
            (p.book_id, p.year, p.month): p
            for p in Period.objects.filter(
                book_id__in=list(books),
                year__in={y for _b, y, _m in months},
                month__in={m for *_k, m in months},
            )
            if (p.book_id, p.year, p.month) in months
        }
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {VOUCHER_TABLE}")
            next_id = cursor.fetchone()[0] + 1
        superuser = False
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                superuser = bool(cursor.fetchone()[0])
        posted = vendor != "postgresql" or superuser
        now = self.writer.now
        vouchers, lines, flips, written = [], [], [], []
        for book, on, summary, source, auto_lines, line_summary in self.pending:
            period = periods[(book.pk, on.year, on.month)]
            period.last_number += 1
            vid, next_id = next_id, next_id + 1
            status, number, period_id = (
                ("posted", period.last_number, period.pk) if posted else ("draft", None, None)
            )
            if not posted:
                flips.append((vid, period.pk, period.last_number))
            vouchers.append(
                (vid, book.pk, on.isoformat(), summary[:200], 1, status, period_id, number, None, source,
                 self.maker_id, now, self.checker_id, now, self.checker_id, now, now, book.region_code,
                 book.county_code)
            )  # fmt: skip
            for i, line in enumerate(auto_lines, start=1):
                lines.append(
                    (vid, i, accounts[(book.pk, line.account_code)], summary[:200] if line_summary else "",
                     line.debit_fen, line.credit_fen,
                     line.member_id, line.counterparty, book.pk, book.region_code, book.county_code)
                )  # fmt: skip
            written.append((source, vid))
        with connection.cursor() as cursor:
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = replica")
            self.writer.write(VOUCHER_TABLE, VOUCHER_COLUMNS, vouchers)
            self.writer.write(LINE_TABLE, LINE_COLUMNS, lines)
            if flips:
                # A second write in one transaction (a test that builds the demo in its own) finds it there.
                cursor.execute("DROP TABLE IF EXISTS demo_distribution_post")
                cursor.execute(
                    "CREATE TEMP TABLE demo_distribution_post (id bigint, period_id bigint, number int) ON COMMIT DROP"
                )
                with cursor.cursor.copy(
                    "COPY demo_distribution_post (id, period_id, number) FROM STDIN"
                ) as copy:
                    for row in flips:
                        copy.write_row(row)
                cursor.execute(
                    f"UPDATE {VOUCHER_TABLE} v SET status = 'posted', period_id = t.period_id, number = t.number "
                    "FROM demo_distribution_post t WHERE v.id = t.id"
                )
            if superuser:
                cursor.execute("SET LOCAL session_replication_role = origin")
                cursor.execute(
                    f"SELECT voucher_id FROM {LINE_TABLE} WHERE voucher_id >= %s GROUP BY voucher_id "
                    "HAVING SUM(debit_fen) <> SUM(credit_fen) LIMIT 1",
                    [vouchers[0][0]],
                )
                bad = cursor.fetchone()
                if bad is not None:
                    raise RuntimeError(f"demo distribution voucher {bad[0]} does not balance")
        Period.objects.bulk_update(list(periods.values()), ["last_number"])
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{VOUCHER_TABLE}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {VOUCHER_TABLE}))"
                )
        self.result.vouchers += len(vouchers)
        self.result.voucher_lines += len(lines)
        self.pending.clear()
        return written


def _steps_json(steps) -> dict:
    return {k: (v if isinstance(v, int) else str(v)) for k, v in vars(steps).items()}


def computing_user(county: str):
    """Who computes a county's cascade in the demo: its county officer where the demo's officer covers it (the
    demo's first county), else the prefecture's administrator (a prefecture demo's other counties)."""
    users = get_user_model().objects
    officer = users.filter(username=COUNTY_OFFICER).first()
    if officer is not None and access_for(officer).can_read(county):
        return officer
    return users.filter(username=ADMINISTRATOR).first()


def demo_distribution_build(*, seed: int = 2026) -> DistributionDemoResult:
    """Per demo county: the chain's missing pieces, the cascade, the income received booked, every body's run
    posted (see the module docstring). Expects the books of the demo year and no runs yet. Each county's cascade
    is computed by its county officer where the demo has one (the demo's first county), by the prefecture's
    administrator elsewhere (a prefecture demo's other counties)."""
    result = DistributionDemoResult()
    writer = _Writer()
    users = get_user_model().objects
    maker = users.filter(username=MAKER).first()
    checker = users.filter(username=CHECKER).first()
    counties = sorted(set(Cooperative.objects.values_list("county_code", flat=True)))
    for county in counties:
        computing = computing_user(county)
        with transaction.atomic():
            _missing_bylaws(county)
            _upper_members(county, seed, writer)
            rng = random.Random(f"tongzhou-demo-platform-surplus:{seed}:{county}")
            unions = Cooperative.objects.filter(county_code=county, level=Level.TOWNSHIP).count()
            given = {
                pk: rng.randint(50, 150) * 10_000_00 * max(unions, 1)
                for pk in Cooperative.objects.filter(county_code=county, level=Level.COUNTY).values_list(
                    "pk", flat=True
                )
            }
            computed = cascade_compute(
                user=computing,
                region_code=county,
                year=YEAR,
                surplus_fen=given,
                via="demo",
                keep_receipts=False,
            )
            _post_runs(computed, writer, result, maker=maker, checker=checker)
            result.cascades += 1
            result.households += computed.run.households_count
            result.to_households_fen += computed.run.to_households_fen
    # The unions' and the platform's members' capital went in as share entries: the kept coverage figures (share
    # capital by class) are rebuilt, as the cooperatives' phase does after its own entries.
    coop_figures_rebuild()
    return result


def _post_runs(
    computed: CountyCascade, writer: _Writer, result: DistributionDemoResult, *, maker, checker
) -> None:
    """The runs, their lines and their vouchers, written a batch of runs at a time (≈ `LINES_PER_BATCH` lines) in
    the bodies' order, so ids and voucher numbers are those of writing them all at once; what the cascade kept for
    its own rows (the household receipts, the recipients) and each body's outcome once used are dropped."""
    chain = computed.chain
    computed.result.households.clear()  # the cascade's household rows are written: nothing here reads them
    chain.recipients.clear()
    by_key = {b.key: b for b in chain.bodies}
    chain.bodies.clear()
    outcomes = computed.result.bodies
    inputs = chain.inputs
    body_ids = [b.body_id for b in inputs.values()]
    bodies = {c.pk: c for c in Cooperative.objects.filter(pk__in=body_ids)}
    books = {b.cooperative_id: b for b in Book.objects.filter(cooperative_id__in=body_ids)}
    bylaws = {b.pk: b for b in Bylaws.objects.filter(pk__in=[b.bylaws_id for b in inputs.values()])}
    key_of_body = {b.body_id: key for key, b in inputs.items()}
    members: dict[int, list[tuple]] = defaultdict(list)
    for row in (
        Member.objects.filter(cooperative_id__in=body_ids, status__in=("active", "exit_notified", "exited"))
        .order_by("pk")
        .values_list("pk", "cooperative_id", "kind", "household_id", "member_cooperative_id", "display_name",
                     "village_code", "status")
    ):  # fmt: skip
        members[row[1]].append(row)
    villages = dict(
        Household.objects.filter(county_code=chain.county_code)
        .values_list("village_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # What each body with a book receives from the body above is booked in its own books (below): the books of
    # every body that is a member of a body of the chain (a lookup: only those a run pays get a voucher).
    member_body = {row[0]: row[4] for rows in members.values() for row in rows if row[4] is not None}
    receiving = receiver_books(set(member_body.values()))

    now = timezone.now()
    batch: list[tuple[DistributionRun, list[dict], bool]] = []
    batch_lines = 0
    for key, body_input in inputs.items():
        body = bodies[body_input.body_id]
        outcome = outcomes.pop(key)  # used once
        dist = outcome.result
        year_input = by_key.pop(key).year
        is_collective = body_input.standard == COLLECTIVE
        notice_days = (COLLECTIVE_NOTICE if is_collective else COOP_NOTICE)[0]
        rows = members.pop(body.pk, [])
        member_of_key = {}
        for m_id, _c, _kind, _h, member_coop, *_rest in rows:
            k = key_of_body.get(member_coop) if member_coop is not None else None
            member_of_key.setdefault(k or f"{m_id:010d}", m_id)
        by_id = {row[0]: row for row in rows}
        lines = []
        if is_collective:
            for share in dist.members:
                m = by_id[member_of_key[share.key]]
                lines.append(
                    dict(member_id=m[0], household_id=m[3], key=share.key, display_name=m[5][:120],
                         income_right_shares=Decimal(share.shares), income_right_fen=share.income_right_fen,
                         cash_fen=share.income_right_fen, payable_share_fen=share.income_right_fen, village_code=m[6])
                )  # fmt: skip
            snapshot = [
                {"member_id": member_of_key[s.key], "key": s.key, "shares": str(s.shares)}
                for s in year_input.shares
            ]
            entitled = len([r for r in rows if r[7] == "active"]) or villages.get(body.region_code, 1)
        else:
            accounts = {a.key: a for a in year_input.members}
            collective_member = next(
                (r[0] for r in rows if r[2] == "collective" and r[7] == "active" and r[4] in key_of_body),
                None,
            )
            for sheet in dist.members:
                m = by_id[member_of_key[sheet.key]]
                a = accounts[sheet.key]
                collective = dist.steps.remainder_to_collective_fen if m[0] == collective_member else 0
                lines.append(
                    dict(member_id=m[0], household_id=m[3], key=sheet.key, display_name=m[5][:120],
                         capital_fen=a.capital_fen, reserve_share_fen=a.reserve_share_fen,
                         subsidy_share_fen=a.subsidy_share_fen, transactions=Decimal(sheet.transactions),
                         reserve_quantified_fen=sheet.reserve_quantified_fen,
                         subsidy_equal_share_fen=sheet.subsidy_equal_share_fen,
                         remainder_weight_fen=sheet.remainder_weight_fen,
                         patronage_return_fen=sheet.patronage_return_fen, remainder_share_fen=sheet.remainder_share_fen,
                         collective_share_fen=collective, cash_fen=sheet.cash_fen + collective,
                         payable_return_fen=sheet.patronage_return_fen,
                         payable_share_fen=sheet.remainder_share_fen + collective, village_code=m[6])
                )  # fmt: skip
            snapshot = [
                {"member_id": member_of_key[a.key], "key": a.key, "capital_fen": a.capital_fen,
                 "reserve_share_fen": a.reserve_share_fen, "subsidy_share_fen": a.subsidy_share_fen,
                 "transactions_amount_fen": a.transactions_amount_fen,
                 "transactions_quantity": str(a.transactions_quantity)}
                for a in year_input.members
            ]  # fmt: skip
            entitled = len([r for r in rows if r[7] == "active"]) or 1
        terms = bylaws[body_input.bylaws_id]
        run = DistributionRun(
            body=body,
            year=YEAR,
            standard=body_input.standard,
            status=RunStatus.POSTED,
            inputs={
                "surplus_fen": outcome.total_surplus_fen,
                "surplus_source": "ledger" if body.pk in books else body_input.surplus_source,
                "income_from_above_fen": outcome.income_from_above_fen,
                "losses_to_make_up_fen": body_input.losses_fen,
                "losses_source": "ledger",
                "subsidy_property_fen": 0,
                "conversion_bp": 0,
                "bylaws": {
                    "id": terms.pk,
                    "effective_from": terms.effective_from.isoformat(),
                    "terms": {n: getattr(terms, n) for n in BylawsTerms.field_names()},
                },
                "members": snapshot,
                "cascade": computed.run.pk,
            },
            steps=_steps_json(dist.steps),
            computed_at=now,
            computed_by=maker,
            published_on=PUBLISHED_ON,
            notice_days=notice_days,
            published_by=checker,
            assembly_on=ASSEMBLY_ON,
            votes_for=entitled - entitled // 10,
            votes_against=entitled // 20,
            members_entitled=entitled,
            approved_by=checker,
            approved_at=now,
            posted_on=ASSEMBLY_ON,
            posted_by=checker,
            posted_at=now,
            region_code=body.region_code,
            county_code=body.county_code,
        )
        batch.append((run, lines, is_collective))
        batch_lines += len(lines)
        if batch_lines >= LINES_PER_BATCH:
            _write_runs(batch, writer, result, books, member_body, receiving)
            batch, batch_lines = [], 0
    _write_runs(batch, writer, result, books, member_body, receiving)


def _write_runs(
    batch: list[tuple[DistributionRun, list[dict], bool]],
    writer: _Writer,
    result: DistributionDemoResult,
    books: dict[int, Book],
    member_body: dict[int, int],
    receiving: dict[int, Book],
) -> None:
    """Write a batch of runs: the runs, their lines (by key), each run's vouchers and after them what each body with
    a book receives from it, booked in its own books on 31 December as `run_post` books it (services/received.py:
    Dr 应收款 / Cr 投资收益, source RECEIVED_SOURCE), so every book is numbered as posting the runs one by one in id
    order numbers it."""
    if not batch:
        return
    runs = DistributionRun.objects.bulk_create([run for run, _l, _c in batch], batch_size=500)
    vouchers = _VoucherWriter(writer, result)
    received_sources: dict[str, DistributionRun] = {}
    sources: dict[str, DistributionRun] = {}
    rows_out = []

    def add_received(run: DistributionRun, lines: list[dict]) -> None:
        amounts = receiving_amounts(
            (member_body.get(line["member_id"]), line["cash_fen"], line.get("converted_to_capital_fen", 0))
            for line in lines
        )
        for body_id, op in posting_operations(run, ASSEMBLY_ON, amounts, receiving).items():
            vouchers.add_operation(receiving[body_id], op)
            received_sources[op.source] = run

    for run, (_run, lines, is_collective) in zip(runs, batch, strict=True):
        lines.sort(key=lambda x: x["key"])
        for line in lines:
            rows_out.append(_line_row(run, line))
        book = books.get(run.body_id)
        if book is None:
            add_received(run, lines)
            continue
        accounts = ACCOUNTS[COLLECTIVE if is_collective else COOPERATIVE]
        reserve = int(run.steps.get("welfare_fund_fen" if is_collective else "reserve_fen", 0))
        summary = f"{YEAR}年度{'收益' if is_collective else '盈余'}分配（成员大会{ASSEMBLY_ON:%Y-%m-%d}通过）"
        chunks = [lines[i : i + MEMBERS_PER_VOUCHER] for i in range(0, len(lines), MEMBERS_PER_VOUCHER)] or [
            []
        ]
        for n, chunk in enumerate(chunks):
            credits = [AutoLine(accounts["reserve"], 0, reserve)] if n == 0 and reserve else []
            for line in chunk:
                for account, amount in (
                    ("return", line.get("payable_return_fen", 0)),
                    ("share", line.get("payable_share_fen", 0)),
                ):
                    if amount:
                        credits.append(AutoLine(accounts[account], 0, amount, member_id=line["member_id"]))
            total = sum(c.credit_fen for c in credits)
            if total:
                source = f"distribution.Run:{run.pk}:{n + 1}"
                sources[source] = run
                vouchers.add(
                    book,
                    ASSEMBLY_ON,
                    summary,
                    source,
                    [AutoLine(accounts["distribution"], total, 0), *credits],
                )
        add_received(run, lines)
    writer.write(DistributionLine._meta.db_table, RUN_LINE_COLUMNS, rows_out)
    result.runs += len(runs)
    result.lines += len(rows_out)
    written = vouchers.write()
    link_vouchers(DistributionRun.vouchers, written, sources)
    link_vouchers(DistributionRun.receiver_vouchers, written, received_sources)


def link_vouchers(relation, written: list[tuple[str, int]], runs_of: dict[str, DistributionRun]) -> None:
    """Link the vouchers written (source, id) whose source names a run to that run, through `relation`
    (`DistributionRun.vouchers`, the payer's own; `DistributionRun.receiver_vouchers`, its receivers')."""
    through = relation.through
    through.objects.bulk_create(
        [
            through(distributionrun_id=runs_of[source].pk, voucher_id=vid)
            for source, vid in written
            if source in runs_of
        ],
        batch_size=2000,
    )


def _line_row(run: DistributionRun, line: dict) -> tuple:
    values = {
        "run_id": run.pk, "capital_fen": 0, "reserve_share_fen": 0, "subsidy_share_fen": 0,
        "transactions": Decimal("0"), "income_right_shares": Decimal("0"), "reserve_quantified_fen": 0,
        "subsidy_equal_share_fen": 0, "remainder_weight_fen": 0, "patronage_return_fen": 0, "remainder_share_fen": 0,
        "collective_share_fen": 0, "income_right_fen": 0, "converted_to_capital_fen": 0, "payable_return_fen": 0,
        "payable_share_fen": 0, "paid_fen": 0, "county_code": run.county_code,
    } | line  # fmt: skip
    values["village_code"] = values.get("village_code") or ""
    for name in ("transactions", "income_right_shares"):
        values[name] = str(values[name])
    return tuple(values[c] for c in RUN_LINE_COLUMNS)


def demo_distribution_reset() -> None:
    """Delete every distribution run (with its lines, payments, income lines) and cascade: they point at books,
    cooperatives, members and households, which the other resets delete after."""
    from tongzhou.distribution.models import (
        CascadeBodyLine,
        CascadeHouseholdLine,
        CascadeRun,
        HouseholdIncome,
        Payment,
    )

    tables = (
        HouseholdIncome._meta.db_table,
        Payment._meta.db_table,
        DistributionLine._meta.db_table,
        DistributionRun.vouchers.through._meta.db_table,
        DistributionRun.receiver_vouchers.through._meta.db_table,
        CascadeHouseholdLine._meta.db_table,
        CascadeBodyLine._meta.db_table,
        CascadeRun._meta.db_table,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        # A reversing run points at the run it reverses.
        cursor.execute(f"UPDATE {DistributionRun._meta.db_table} SET reverses_id = NULL")
        cursor.execute(f"DELETE FROM {DistributionRun._meta.db_table}")
