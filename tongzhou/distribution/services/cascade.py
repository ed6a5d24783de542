"""The county's benefit chain (利益链) from the database: every body of a county — the platform company (3.0), the
township unions (2.0), the village cooperatives and collectives — read with one aggregate per kind of figure, the
pure `domain.cascade` run over them, and the result kept as a `CascadeRun` with a row per body and per household
(issue 5, point 2).

What is read, for the year, as `run_compute` reads it for one body:
- each body's **own surplus** (本年盈余 / 净收益): the posted profit-and-loss movements of its book in the year, the
  year-close vouchers left out, and also the vouchers that book income received down the chain
  (`RECEIVED_SOURCE`), because the cascade adds what comes from above itself. A body without books in Tongzhou (the
  platform company) takes its surplus from `surplus_fen` when given, else from its posted run of the year (less what
  that run says came from above), else 0 (source "none"). `surplus_fen` overrides the books too.
- losses to make up: the debit balance of 盈余分配 (收益分配) on 1 January;
- the bylaws in force on 31 December (a body without bylaws is refused: it cannot distribute);
- the member accounts (Art. 43): capital and subsidy shares held on 31 December, the reserve share quantified by
  earlier posted runs less what was returned at exit, the member transactions of the kinds the bylaws count; a
  collective's members by their income-right shares (units held on 31 December).

Keys: a household member is its member number zero-padded (as `run_compute`, so ties go the same way); a body is
the key of its (first) membership in a body above, or "t<id>" at the top. A member that is a body outside the
county is paid like a household and listed without one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum

from tongzhou.accounts.services import audit_record
from tongzhou.coops.domain.bylaws import bylaws_in_force
from tongzhou.coops.domain.shares import SUBSIDY_KINDS
from tongzhou.coops.models import (
    Bylaws,
    Cooperative,
    Level,
    Member,
    MemberKind,
    MemberTransaction,
    ShareEntry,
)
from tongzhou.coops.selectors.cooperatives import bylaws_terms
from tongzhou.coops.selectors.shares import ACCOUNT_STATUSES
from tongzhou.core.errors import InvalidInput
from tongzhou.ledger.domain.auto import keeps_books
from tongzhou.ledger.models import AccountClass, Book, VoucherLine, VoucherStatus
from tongzhou.ledger.statements.data import YEAR_CLOSE_SOURCE
from tongzhou.regions.scope import require_read

from .. import domain
from ..models import (
    BOOKED_STATUSES,
    CascadeBodyLine,
    CascadeHouseholdLine,
    CascadeRun,
    DistributionLine,
    DistributionRun,
)
from .common import COLLECTIVE, COOPERATIVE, actor, check_year, field_error, given_surplus

# Vouchers that book, in a receiving body's books, its share of a distribution above it: "<source>:<year>:<payer
# body id>". Its own surplus leaves them out (the cascade adds income from above itself).
RECEIVED_SOURCE = "distribution.received"
HOUSEHOLD_ROWS_PER_BATCH = 5000
ZERO = Decimal("0")


HOUSEHOLD_COLUMNS = (
    "cascade_id", "household_id", "key", "total_fen", "converted_to_capital_fen", "cash_fen", "from_county_fen",
    "from_township_fen", "from_village_fen", "by_path", "village_code", "county_code",
)  # fmt: skip


def _write_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Raw inserts, streamed, for a county's quarter of a million household rows: one COPY on PostgreSQL,
    executemany per batch on SQLite (the ORM's bulk_create spends most of its time adapting each field of each
    object). `rows` may be a generator: no more than a batch is held at a time."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
    rows = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(rows, HOUSEHOLD_ROWS_PER_BATCH)):
            cursor.executemany(sql, batch)


def member_key(member_id: int) -> str:
    """A member's key in the domain: zero-padded, so the tie-break by key follows the member number."""
    return f"{member_id:010d}"


@dataclass(frozen=True)
class BodyInput:
    """What the cascade read for one body."""

    body_id: int
    key: str
    level: str
    standard: str
    region_code: str
    surplus_fen: int
    surplus_source: str  # "ledger", "run", "given" or "none"
    losses_fen: int
    bylaws_id: int


class Recipient(NamedTuple):
    """A key that is not a body: a household's membership (or an organisation's). A named tuple: a county makes a
    quarter of a million of them."""

    member_id: int
    household_id: int | None
    village_code: str


@dataclass
class CountyChain:
    """The county's bodies as the domain takes them, and how the keys map back to rows."""

    county_code: str
    year: int
    bodies: list[domain.CascadeBody] = field(default_factory=list)
    inputs: dict[str, BodyInput] = field(default_factory=dict)  # by body key
    recipients: dict[str, Recipient] = field(default_factory=dict)  # by member key


@dataclass(frozen=True)
class CountyCascade:
    run: CascadeRun
    chain: CountyChain
    result: domain.CascadeResult


def _check_region(region_code: object) -> str:
    code = "" if region_code is None else str(region_code).strip()
    if not (code.isdigit() and len(code) == 6):
        raise field_error(
            "region_code",
            "利益链按县计算：地区代码须为 6 位县级代码。",
            "The benefit chain is computed per county: give a 6-digit county code.",
            "region_code_invalid",
            value=code,
        )
    return code


def _fetch(rows: QuerySet) -> list[tuple]:
    """The rows of a `values_list` query as the database driver gives them, without Django's per-value converters
    (a county's aggregates run to hundreds of thousands of rows). Only for integers, text and booleans, whose
    driver values are what the caller uses; a decimal sum is converted by the caller."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _ledger_surplus(county: str, year: int) -> dict[int, int]:
    """本年盈余 per body with a book: credits less debits on profit-and-loss accounts in the year, one aggregate."""
    rows = _fetch(
        VoucherLine.objects.filter(
            county_code=county,
            voucher__status=VoucherStatus.POSTED,
            voucher__date__gte=dt.date(year, 1, 1),
            voucher__date__lte=dt.date(year, 12, 31),
            account__account_class=AccountClass.PROFIT_AND_LOSS,
        )
        .exclude(
            Q(voucher__source__startswith=YEAR_CLOSE_SOURCE) | Q(voucher__source__startswith=RECEIVED_SOURCE)
        )
        .order_by()
        .values_list("book_id")
        .annotate(credit=Sum("credit_fen"), debit=Sum("debit_fen"))
    )
    return {book_id: int(credit or 0) - int(debit or 0) for book_id, credit, debit in rows}


def _ledger_losses(county: str, year: int, standards: dict[int, str]) -> dict[int, int]:
    """Losses still to make up on 1 January per book: the debit balance of 盈余分配 (332) / 收益分配 (322)."""
    rows = (
        VoucherLine.objects.filter(
            county_code=county,
            voucher__status=VoucherStatus.POSTED,
            voucher__date__lt=dt.date(year, 1, 1),
        )
        .filter(Q(account__code__startswith="332") | Q(account__code__startswith="322"))
        .order_by()
        .values_list("book_id", "account__code")
        .annotate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    )
    net: dict[int, int] = defaultdict(int)
    for book_id, code, debit, credit in rows:
        wanted = "322" if standards.get(book_id) == COLLECTIVE else "332"
        if code.startswith(wanted):
            net[book_id] += int(debit or 0) - int(credit or 0)
    return {book_id: max(value, 0) for book_id, value in net.items()}


def _run_surplus(county: str, year: int, body_ids: list[int]) -> dict[int, int]:
    """A body's own surplus as its posted run of the year gave it, for the bodies asked (those without books): only
    the two figures are read out of each run's inputs, not the whole JSON."""
    found: dict[int, int] = {}
    if not body_ids:
        return found
    for body_id, surplus, from_above in DistributionRun.objects.filter(
        county_code=county, year=year, status__in=BOOKED_STATUSES, reverses__isnull=True, body_id__in=body_ids
    ).values_list("body_id", "inputs__surplus_fen", "inputs__income_from_above_fen"):
        if isinstance(surplus, int):
            found[body_id] = surplus - int(from_above or 0)
    return found


def _holdings(county: str, year: int) -> dict[int, tuple[int, int, int]]:
    """(capital, subsidy share, units in hundredths) held on 31 December per member, one aggregate: capital from
    capital classes that are no subsidy kind, subsidy share from fiscal poverty-fund and donation classes."""
    subsidy = Q(share_class__kind__in=sorted(SUBSIDY_KINDS))
    rows = _fetch(
        ShareEntry.objects.filter(county_code=county, on__lte=dt.date(year, 12, 31))
        .order_by()
        .values_list("member_id")
        .annotate(
            capital=Sum("amount_fen", filter=Q(share_class__is_capital=True) & ~subsidy),
            subsidy=Sum("amount_fen", filter=subsidy),
            units=Sum("units_centi"),
        )
    )
    return {
        member_id: (int(capital or 0), int(subsidy_share or 0), int(units or 0))
        for member_id, capital, subsidy_share, units in rows
    }


def _counted(county: str, year: int, kinds_of: dict[int, tuple[str, ...]]) -> dict[int, tuple[int, Decimal]]:
    """Member transactions (Art. 41) of the kinds each body's bylaws count, summed per member: one aggregate per
    distinct set of kinds (usually one for the whole county)."""
    bodies_by_kinds: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for body_id, kinds in kinds_of.items():
        if kinds:
            bodies_by_kinds[tuple(sorted(kinds))].append(body_id)
    totals: dict[int, tuple[int, Decimal]] = {}
    for kinds, body_ids in bodies_by_kinds.items():
        rows = MemberTransaction.objects.filter(
            county_code=county, year=year, is_member=True, kind__in=list(kinds)
        )
        if len(bodies_by_kinds) > 1:
            rows = rows.filter(cooperative_id__in=body_ids)
        for member_id, amount, quantity in _fetch(
            rows.order_by()
            .values_list("member_id")
            .annotate(amount=Sum("amount_fen"), quantity=Sum("quantity"))
        ):
            if member_id is None:
                continue
            # SQLite sums a decimal column as a float: back to thousandths, as Django's own converter does.
            if not isinstance(quantity, Decimal):
                quantity = Decimal(f"{quantity:.3f}") if quantity else ZERO
            totals[member_id] = (int(amount or 0), quantity)
    return totals


def _reserve_shares(county: str, year: int) -> dict[int, int]:
    """Reserve quantified to each member by earlier runs in the books (Art. 42), before what exit returned."""
    return dict(
        DistributionLine.objects.filter(
            county_code=county,
            run__year__lt=year,
            run__status__in=BOOKED_STATUSES,
            run__reverses__isnull=True,
        )
        .order_by()
        .values_list("member_id")
        .annotate(total=Sum("reserve_quantified_fen"))
    )


def county_chain(*, county_code: str, year: int, surplus_fen: Mapping[int, int] | None = None) -> CountyChain:
    """Read every body of the county and its figures for `year` and build the domain's bodies (unscoped: the
    caller checked the user). `surplus_fen`: {body id: own surplus} overriding what the books or runs say."""
    given = given_surplus(surplus_fen)
    year_end = dt.date(year, 12, 31)
    bodies = {
        row[0]: row
        for row in Cooperative.objects.filter(county_code=county_code)
        .order_by("pk")
        .values_list("pk", "level", "legal_form", "region_code", "name")
    }
    chain = CountyChain(county_code, year)
    if not bodies:
        return chain
    versions: dict[int, list[Bylaws]] = defaultdict(list)
    for bylaws in Bylaws.objects.filter(cooperative__county_code=county_code, effective_from__lte=year_end):
        versions[bylaws.cooperative_id].append(bylaws)
    in_force = {body_id: bylaws_in_force(v, year_end) for body_id, v in versions.items()}
    missing = sorted(pk for pk in bodies if in_force.get(pk) is None)
    if missing:
        names = [bodies[pk][4] for pk in missing]
        raise InvalidInput(
            f"以下组织在{year}年12月31日没有生效的章程，无法计算分配：{'、'.join(names[:10])}"
            f"{'等' if len(names) > 10 else ''}（共 {len(names)} 个）。",
            f"{len(names)} bodies had no bylaws in force on 31 December {year} and cannot distribute: "
            f"{', '.join(names[:10])}{' …' if len(names) > 10 else ''}.",
            code="no_bylaws",
            details={"field": "bodies", "bodies": missing, "article": "章程 / bylaws"},
        )
    terms = {pk: bylaws_terms(b) for pk, b in in_force.items() if b is not None}

    members = _fetch(
        Member.objects.filter(cooperative__county_code=county_code, status__in=ACCOUNT_STATUSES)
        .order_by("pk")
        .values_list(
            "pk", "cooperative_id", "kind", "household_id", "member_cooperative_id", "status",
            "exit_reserve_returned_fen", "village_code",
        )
    )  # fmt: skip
    # A body's key: its first membership in a body of the county (so the tie-break follows that member number).
    key_of_body: dict[int, str] = {}
    for pk, coop_id, _kind, _h, member_coop, _s, _r, _v in members:
        if member_coop in bodies and coop_id in bodies and member_coop not in key_of_body:
            key_of_body[member_coop] = member_key(pk)
    for pk in bodies:
        key_of_body.setdefault(pk, f"t{pk:09d}")

    books = dict(Book.objects.filter(county_code=county_code).values_list("cooperative_id", "pk"))
    book_standard = dict(Book.objects.filter(county_code=county_code).values_list("pk", "chart__standard"))
    ledger = _ledger_surplus(county_code, year)
    losses = _ledger_losses(county_code, year, book_standard)
    without_books = [
        pk
        for pk, row in bodies.items()
        if pk not in given and not (books.get(pk) is not None and keeps_books(row[2]))
    ]
    from_runs = _run_surplus(county_code, year, without_books)
    held = _holdings(county_code, year)
    counted = _counted(county_code, year, {pk: t.patronage_transaction_kinds for pk, t in terms.items()})
    reserve = _reserve_shares(county_code, year)

    by_body: dict[int, list[tuple]] = defaultdict(list)
    for row in members:
        by_body[row[1]].append(row)

    for pk, (_pk, level, legal_form, region_code, _name) in bodies.items():
        body_key = key_of_body[pk]
        standard = standard_of_form(legal_form)
        book_id = books.get(pk)
        if pk in given:
            surplus, source = given[pk], "given"
        elif book_id is not None and keeps_books(legal_form):
            surplus, source = ledger.get(book_id, 0), "ledger"
        elif pk in from_runs:
            surplus, source = from_runs[pk], "run"
        else:
            surplus, source = 0, "none"
        body_losses = losses.get(book_id, 0) if book_id is not None else 0
        chain.inputs[body_key] = BodyInput(
            pk, body_key, level, standard, region_code, surplus, source, body_losses, in_force[pk].pk
        )
        rows = by_body.get(pk, [])

        def key_for(member_id: int, member_coop: int | None, household_id: int | None, village: str) -> str:
            if member_coop is not None and member_coop in bodies:
                return key_of_body[member_coop]
            key = member_key(member_id)
            chain.recipients[key] = Recipient(member_id, household_id, village)
            return key

        if standard == COLLECTIVE:
            shares: dict[str, int] = defaultdict(int)
            for m_id, _c, _kind, household_id, member_coop, _status, _ret, village in rows:
                if m_id in held:
                    shares[key_for(m_id, member_coop, household_id, village)] += max(held[m_id][2], 0)
            year_input: domain.CooperativeYear | domain.CollectiveYear = domain.CollectiveYear(
                income_fen=surplus,
                shares=tuple(domain.IncomeRightShare(k, Decimal(u) / 100) for k, u in sorted(shares.items())),
                losses_to_make_up_fen=body_losses,
            )
        else:
            accounts: dict[str, list] = {}
            collective_key = None
            no_holding, no_transactions = (0, 0, 0), (0, ZERO)
            for m_id, _c, kind, household_id, member_coop, status, returned, village in rows:
                key = key_for(m_id, member_coop, household_id, village)
                capital, subsidy, _units = held.get(m_id, no_holding)
                amount, quantity = counted.get(m_id, no_transactions)
                reserve_share = max(reserve[m_id] - (returned or 0), 0) if m_id in reserve else 0
                figures = accounts.get(key)
                if figures is None:  # the usual case: a key is one membership
                    # No transactions: the one ZERO, not a decimal per member.
                    accounts[key] = [
                        capital,
                        reserve_share,
                        subsidy,
                        amount,
                        quantity if quantity is ZERO else ZERO + quantity,
                    ]
                else:  # a body that is a member twice
                    figures[0] += capital
                    figures[1] += reserve_share
                    figures[2] += subsidy
                    figures[3] += amount
                    figures[4] += quantity
                if (
                    collective_key is None
                    and kind == MemberKind.COLLECTIVE
                    and status == "active"
                    and member_coop in bodies
                ):
                    collective_key = key
            year_input = domain.CooperativeYear(
                surplus_fen=surplus,
                members=tuple(
                    domain.MemberAccount(k, f[0], f[1], f[2], f[3], f[4]) for k, f in sorted(accounts.items())
                ),
                losses_to_make_up_fen=body_losses,
                collective_key=collective_key,
            )
        chain.bodies.append(domain.CascadeBody(body_key, year_input, terms[pk]))
    return chain


def standard_of_form(legal_form: str) -> str:
    """`common.standard_of` for a legal form read as a value: a platform company distributes by a cooperative's
    steps."""
    return COLLECTIVE if legal_form == COLLECTIVE else COOPERATIVE


_LEVEL_INDEX = {Level.COUNTY: 0, Level.TOWNSHIP: 1, Level.VILLAGE: 2}


def _path_text(path: tuple[str, ...], kind: str, body_ids: dict[str, int]) -> str:
    return ">".join(str(body_ids[k]) for k in path) + "|" + kind


def _steps_json(result) -> dict:
    return {
        name: (value if isinstance(value, int) else str(value)) for name, value in vars(result.steps).items()
    }


def cascade_save(
    *, user, chain: CountyChain, result: domain.CascadeResult, keep_receipts: bool = True
) -> CascadeRun:
    """Keep a computed cascade: the run, a row per body, a row per household (or organisation member), the
    household rows streamed to the database as they are made. `keep_receipts=False`: each household's receipt and
    recipient are dropped from `result` and `chain` once its row is made (both end empty), for a caller that does
    not read them."""
    position = {k: i for i, k in enumerate(result.order)}
    outcomes = result.bodies
    run = CascadeRun.objects.create(
        county_code=chain.county_code,
        year=chain.year,
        inputs={
            "bodies": {
                str(b.body_id): {
                    "key": b.key,
                    "surplus_fen": b.surplus_fen,
                    "surplus_source": b.surplus_source,
                    "losses_to_make_up_fen": b.losses_fen,
                    "bylaws_id": b.bylaws_id,
                }
                for b in chain.inputs.values()
            }
        },
        bodies_count=len(outcomes),
        own_surplus_fen=sum(o.own_surplus_fen for o in outcomes.values()),
        to_households_fen=sum(o.paid_to_households_fen for o in outcomes.values()),
        kept_fen=sum(o.kept_fen for o in outcomes.values()),
        computed_by=actor(user),
    )
    CascadeBodyLine.objects.bulk_create(
        [
            CascadeBodyLine(
                cascade=run,
                body_id=b.body_id,
                position=position[key],
                level=b.level,
                standard=b.standard,
                own_surplus_fen=outcomes[key].own_surplus_fen,
                surplus_source=b.surplus_source,
                income_from_above_fen=outcomes[key].income_from_above_fen,
                paid_to_bodies_fen=outcomes[key].paid_to_bodies_fen,
                paid_to_households_fen=outcomes[key].paid_to_households_fen,
                kept_fen=outcomes[key].kept_fen,
                loss_year=outcomes[key].result.loss_year,
                steps=_steps_json(outcomes[key].result),
                region_code=b.region_code,
                county_code=chain.county_code,
            )
            for key, b in chain.inputs.items()
        ],
        batch_size=1000,
    )
    # One row per household: a household that is a member twice (of its cooperative and its collective) is summed.
    # By household id, or by the key itself (a text, never equal to an id) for a member without a household; the
    # key alone, a list only for the few households with more than one.
    merged: dict[int | str, str | list[str]] = {}
    for key in result.households:
        household_id = chain.recipients[key].household_id
        group = key if household_id is None else household_id
        found = merged.get(group)
        if found is None:
            merged[group] = key
        elif isinstance(found, list):
            found.append(key)
        else:
            merged[group] = [found, key]
    counted = [0]
    rows = _household_rows(chain, result, merged, run.pk, counted, keep_receipts)
    _write_rows(CascadeHouseholdLine._meta.db_table, HOUSEHOLD_COLUMNS, rows)
    if not keep_receipts:
        chain.recipients.clear()
    run.households_count = counted[0]
    run.save(update_fields=["households_count"])
    return run


def _household_rows(
    chain: CountyChain,
    result: domain.CascadeResult,
    merged: dict[int | str, str | list[str]],
    run_id: int,
    counted: list,
    keep_receipts: bool = True,
) -> Iterator[tuple]:
    """The household rows, made one at a time. `by_path` is written as JSON text made by hand: its keys are digits,
    ">", "|" and a payment kind, nothing to escape, and each (path, kind) is rendered once for the whole county;
    `counted[0]` counts the rows with a household; without `keep_receipts` each receipt and recipient is dropped
    once its row is made."""
    body_ids = {k: b.body_id for k, b in chain.inputs.items()}
    levels = {k: b.level for k, b in chain.inputs.items()}
    rendered: dict[tuple, tuple[str, int]] = {}  # (path, kind) → ('"<text>":', origin level index)
    households = result.households
    recipients = chain.recipients
    take = households.__getitem__ if keep_receipts else households.pop
    county = chain.county_code
    for keys in merged.values():
        if isinstance(keys, str):
            keys = (keys,)
        key = keys[0]
        recipient = recipients[key]
        origin = [0, 0, 0]
        if len(keys) == 1:
            receipt = take(key)
            total, converted, lines = receipt.total_fen, receipt.converted_to_capital_fen, receipt.by_path
        else:
            total = converted = 0
            lines = {}
            for other in keys:
                receipt = take(other)
                total += receipt.total_fen
                converted += receipt.converted_to_capital_fen
                for line, amount in receipt.by_path.items():
                    lines[line] = lines.get(line, 0) + amount
        parts = []
        for line, amount in lines.items():
            found = rendered.get(line)
            if found is None:
                path, kind = line
                found = rendered[line] = (
                    f'"{_path_text(path, kind, body_ids)}":',
                    _LEVEL_INDEX.get(levels.get(path[0], Level.VILLAGE), 2),
                )
            origin[found[1]] += amount
            parts.append(f"{found[0]}{amount}")
        if recipient.household_id is not None:
            counted[0] += 1
        if not keep_receipts:
            for other in keys:
                del recipients[other]
        yield (
            run_id, recipient.household_id, key, total, converted, total - converted, origin[0], origin[1],
            origin[2], "{" + ",".join(parts) + "}", recipient.village_code, county,
        )  # fmt: skip


@transaction.atomic
def cascade_compute(
    *,
    user,
    region_code: str,
    year: int,
    surplus_fen: Mapping[int, int] | None = None,
    via: str = "web",
    keep_receipts: bool = True,
) -> CountyCascade:
    """Compute and keep the benefit chain of county `region_code` for `year`: every body's distribution
    top-down, what each household received along which path. For a user who may read the whole county.
    `surplus_fen` ({body id: fen}) gives a body's own surplus, e.g. the platform company's, which keeps no books
    here. A loss year somewhere is carried by that body and the chain continues; a body without bylaws, or
    memberships that form a cycle, are refused and nothing is written. `keep_receipts=False` (the demo, the bench,
    a caller that only needs what was kept): the household receipts and recipients are dropped as their rows are
    written, and the result's `households` and the chain's `recipients` come back empty."""
    county = _check_region(region_code)
    year = check_year(year)
    require_read(user, county)
    chain = county_chain(county_code=county, year=year, surplus_fen=surplus_fen)
    if not chain.bodies:
        raise field_error(
            "region_code",
            "该县没有合作社或集体经济组织。",
            "The county has no cooperatives or collectives.",
            "no_bodies",
            value=county,
        )
    result = domain.cascade(chain.bodies)
    run = cascade_save(user=user, chain=chain, result=result, keep_receipts=keep_receipts)
    audit_record(
        user=user,
        action="distribution.cascade_compute",
        obj=run,
        region_code=county,
        via=via,
        details={
            "year": year,
            "bodies": run.bodies_count,
            "households": run.households_count,
            "to_households_fen": run.to_households_fen,
            "given": {str(k): v for k, v in (surplus_fen or {}).items()},
        },
    )
    return CountyCascade(run, chain, result)


__all__ = ["RECEIVED_SOURCE", "CountyCascade", "CountyChain", "cascade_compute", "county_chain", "member_key"]
