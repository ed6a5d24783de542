"""Computing a draft run: the year's surplus, losses, bylaws and member accounts read from the database, the pure
rules of `distribution.domain` applied, the per-member sheet written. A draft is recomputed as often as wanted."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Cooperative, Member, MemberKind, MemberTransaction
from tongzhou.coops.selectors.cooperatives import bylaws_for, bylaws_terms
from tongzhou.coops.selectors.shares import holdings_at, member_accounts
from tongzhou.core.bulk import append_rows
from tongzhou.core.errors import Conflict
from tongzhou.ledger.models import Book, BookAccount
from tongzhou.ledger.selectors import posted_balances
from tongzhou.ledger.statements.read import statements_for_book
from tongzhou.regions.scope import require_write

from .. import domain
from ..models import BOOKED_STATUSES, DistributionLine, DistributionRun, RunStatus
from .common import COLLECTIVE, actor, check_count, field_error, lock_run, standard_of, wrong_status

# The statement line that holds the year's result: 盈余及盈余分配表 四、本年盈余 / 收益及收益分配表 四、净收益.
RESULT_FIGURE = {"farmers_cooperative": "本年盈余", "collective_organisation": "净收益"}


def _key(member_id: int) -> str:
    # Zero-padded so that the domain's tie-break by key follows the member number.
    return f"{member_id:010d}"


def _book(body: Cooperative) -> Book | None:
    return Book.objects.filter(cooperative=body).select_related("cooperative", "chart").first()


def _ledger_surplus(*, user, body: Cooperative, year: int) -> int:
    """本年盈余 (本年收益) of the year from the book's surplus statement: the year's income less its costs, the
    year-close vouchers left out, so it reads the same before and after the year is closed."""
    book = _book(body)
    if book is None:
        raise field_error(
            "surplus_fen",
            "该组织尚未建账，无法从账簿读取本年盈余，请直接填写本年盈余。",
            "The organisation has no books to read the year's surplus from; give the surplus instead.",
            "no_book",
        )
    statement = statements_for_book(
        user=user, book=book, kinds=("surplus",), date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31)
    )["surplus"]
    return int(statement.figures[RESULT_FIGURE[book.chart.standard]][0])


def surplus_in_books_now(*, user, run: DistributionRun) -> int | None:
    """The year's surplus the body's books show now, when it is not the one `run` was computed from: for a run that
    read its surplus from the books and is not in them yet (draft, published, approved). A guaranteed payment, a late
    voucher or a reversal posted since makes the run out of date; None when it is not (or the surplus was given)."""
    if run.status not in (RunStatus.DRAFT, RunStatus.PUBLISHED, RunStatus.APPROVED):
        return None
    if run.inputs.get("surplus_source") != "ledger" or _book(run.body) is None:
        return None
    now = _ledger_surplus(user=user, body=run.body, year=run.year)
    return None if now == run.inputs.get("surplus_fen") else now


def _ledger_losses(*, body: Cooperative, year: int) -> int:
    """Losses still to make up when the year opens: a debit balance of 盈余分配 (收益分配) on 1 January."""
    book = _book(body)
    if book is None:
        return 0
    code = {"farmers_cooperative": "332", "collective_organisation": "322"}[book.chart.standard]
    ids = set(BookAccount.objects.filter(book=book, code__startswith=code).values_list("pk", flat=True))
    balances = posted_balances(book=book, before=dt.date(year, 1, 1))
    net = sum(d - c for pk, (d, c) in balances.items() if pk in ids)
    return max(net, 0)


def _reserve_shares(body: Cooperative, year: int) -> dict[int, int]:
    """Each member's reserve share (公积金份额, Art. 42): what earlier runs in the books quantified to them, less what
    was returned at exit."""
    rows = (
        DistributionLine.objects.filter(
            run__body=body, run__year__lt=year, run__status__in=BOOKED_STATUSES, run__reverses__isnull=True
        )
        .order_by()
        .values_list("member_id")
        .annotate(total=Sum("reserve_quantified_fen"))
    )
    shares = dict(rows)
    returned = dict(Member.objects.filter(pk__in=list(shares)).values_list("pk", "exit_reserve_returned_fen"))
    return {pk: max(total - returned.get(pk, 0), 0) for pk, total in shares.items()}


def _counted_transactions(body: Cooperative, year: int, kinds) -> dict[int, tuple[int, Decimal]]:
    """Member transactions (Art. 41) of the kinds the bylaws count for the return, summed per member."""
    return {
        member_id: (amount or 0, quantity or Decimal("0"))
        for member_id, amount, quantity in MemberTransaction.objects.filter(
            cooperative=body, year=year, is_member=True, kind__in=list(kinds)
        )
        .order_by()
        .values_list("member_id")
        .annotate(amount=Sum("amount_fen"), quantity=Sum("quantity"))
    }


def _surplus_input(value, *, user, body, year) -> tuple[int, str]:
    if value is None:
        return _ledger_surplus(user=user, body=body, year=year), "ledger"
    if not isinstance(value, int) or isinstance(value, bool):
        raise field_error(
            "surplus_fen",
            "本年盈余须为整数（分）。",
            "The year's surplus must be a whole number of fen.",
            "amount_type",
            value=repr(value),
        )
    return value, "given"


# A line as the sheets make it: DistributionLine's columns after its run, in this order (`line_rows_write` appends
# them raw with the run's id first; `run_compute` saves them through the ORM, which the batch's tests compare).
LINE_FIELDS = (
    "member_id", "household_id", "key", "display_name", "capital_fen", "reserve_share_fen", "subsidy_share_fen",
    "transactions", "income_right_shares", "reserve_quantified_fen", "subsidy_equal_share_fen",
    "remainder_weight_fen", "patronage_return_fen", "remainder_share_fen", "collective_share_fen",
    "income_right_fen", "converted_to_capital_fen", "cash_fen", "payable_return_fen", "payable_share_fen",
    "paid_fen", "village_code", "county_code",
)  # fmt: skip
_ZERO = Decimal("0")
LINE_CHUNK = 10_000


def line_objects(run: DistributionRun, rows: list[tuple]) -> list[DistributionLine]:
    """The rows of a sheet as unsaved DistributionLine objects of `run`."""
    return [DistributionLine(run=run, **dict(zip(LINE_FIELDS, row, strict=True))) for row in rows]


def line_rows_write(rows_of: list[tuple[int, list[tuple]]]) -> None:
    """Append the lines of runs [(run id, rows)] raw (`core.bulk.append_rows`), in that order: Django's bulk_create
    spent more compiling a township's INSERTs than the database spent on them. In chunks of about `LINE_CHUNK` rows,
    so that a county's quarter of a million lines are not copied into one more list."""
    columns = ("run_id", *LINE_FIELDS)
    chunk: list[tuple] = []
    for run_id, rows in rows_of:
        chunk.extend((run_id, *row) for row in rows)
        if len(chunk) >= LINE_CHUNK:
            append_rows(DistributionLine._meta.db_table, columns, chunk)
            chunk = []
    append_rows(DistributionLine._meta.db_table, columns, chunk)


def _coop_lines(body, accounts, result) -> list[tuple]:
    """The lines of a cooperative (rows in `LINE_FIELDS` order): the sheet, the conversion split between the two
    payables in proportion, and the village collective's part of the remainder on the collective member's line (when
    it is a member). `accounts`: [(member, account)], a member being a Member or a row with the same attributes."""
    sheets = {s.key: s for s in result.members}
    collective_part = result.steps.remainder_to_collective_fen
    collective_member = next(
        (m.pk for m, _a in accounts if m.kind == MemberKind.COLLECTIVE and m.status == "active"), None
    )
    allocate = domain.allocate
    lines = []
    for member, account in accounts:
        sheet = sheets[_key(member.pk)]
        if sheet.converted_to_capital_fen:
            converted = allocate(
                sheet.converted_to_capital_fen,
                {"return": sheet.patronage_return_fen, "share": sheet.remainder_share_fen},
            ).parts
            converted_return, converted_share = converted["return"], converted["share"]
        else:  # nothing to split: allocate gives 0 and 0
            converted_return = converted_share = 0
        collective = collective_part if member.pk == collective_member else 0
        payable_return = sheet.patronage_return_fen - converted_return
        payable_share = sheet.remainder_share_fen - converted_share + collective
        lines.append(
            (
                member.pk,
                member.household_id,
                sheet.key,
                member.display_name[:120],
                account.capital_fen,
                account.reserve_share_fen,
                account.subsidy_share_fen,
                Decimal(sheet.transactions),
                _ZERO,
                sheet.reserve_quantified_fen,
                sheet.subsidy_equal_share_fen,
                sheet.remainder_weight_fen,
                sheet.patronage_return_fen,
                sheet.remainder_share_fen,
                collective,
                0,
                sheet.converted_to_capital_fen,
                payable_return + payable_share,
                payable_return,
                payable_share,
                0,
                member.village_code,
                member.county_code or body.county_code,
            )
        )
    return lines


def cooperative_sheet(*, accounts, counted, terms, surplus, losses, subsidy_property_fen=0, conversion_bp=0):
    """The cooperative's distribution from its member accounts ([(member, account)] in member order) and counted
    transactions ({member id: (amount, quantity)}): (result, snapshot of the inputs per member). Shared by
    `run_compute` and the region's batch, which read the same figures differently."""
    members = tuple(
        domain.MemberAccount(
            key=_key(m.pk),
            capital_fen=a.capital_fen,
            reserve_share_fen=a.reserve_share_fen,
            subsidy_share_fen=a.subsidy_share_fen,
            transactions_amount_fen=counted.get(m.pk, (0, 0))[0],
            transactions_quantity=counted.get(m.pk, (0, Decimal("0")))[1],
        )
        for m, a in accounts
    )
    year_input = domain.CooperativeYear(
        surplus_fen=surplus,
        members=members,
        losses_to_make_up_fen=losses,
        subsidy_property_fen=subsidy_property_fen,
        conversion_bp=conversion_bp,
    )
    result = domain.distribute_cooperative(year_input, terms)
    snapshot = [
        {
            "member_id": m.pk,
            "key": d.key,
            "capital_fen": d.capital_fen,
            "reserve_share_fen": d.reserve_share_fen,
            "subsidy_share_fen": d.subsidy_share_fen,
            "transactions_amount_fen": d.transactions_amount_fen,
            "transactions_quantity": str(d.transactions_quantity),
        }
        for (m, _a), d in zip(accounts, members, strict=True)
    ]
    return result, snapshot


def _compute_cooperative(*, user, body, year, terms, surplus, losses, subsidy_property_fen, conversion_bp):
    reserve = _reserve_shares(body, year)
    accounts = member_accounts(user=user, cooperative=body, year=year, reserve_shares=reserve)
    counted = _counted_transactions(body, year, terms.patronage_transaction_kinds)
    result, snapshot = cooperative_sheet(
        accounts=accounts,
        counted=counted,
        terms=terms,
        surplus=surplus,
        losses=losses,
        subsidy_property_fen=subsidy_property_fen,
        conversion_bp=conversion_bp,
    )
    return result, accounts, snapshot


def collective_sheet(*, body, terms, surplus, losses, members, held):
    """A collective's distribution by income-right shares from its members (in member order; Members or rows with
    the same attributes) and the units each holds ({member id: hundredths}): (result, line rows in `LINE_FIELDS`
    order, snapshot). Shared by `run_compute` and the region's batch."""
    shares = tuple(domain.IncomeRightShare(_key(m.pk), Decimal(max(held[m.pk], 0)) / 100) for m in members)
    result = domain.distribute_collective(
        domain.CollectiveYear(income_fen=surplus, shares=shares, losses_to_make_up_fen=losses), terms
    )
    sheets = {s.key: s for s in result.members}
    lines = []
    for m in members:
        sheet = sheets[_key(m.pk)]
        fen = sheet.income_right_fen
        lines.append(
            (
                m.pk, m.household_id, sheet.key, m.display_name[:120], 0, 0, 0, _ZERO, Decimal(sheet.shares), 0, 0,
                0, 0, 0, 0, fen, 0, fen, 0, fen, 0, m.village_code, m.county_code or body.county_code,
            )
        )  # fmt: skip
    snapshot = [
        {"member_id": m.pk, "key": s.key, "shares": str(s.shares)}
        for m, s in zip(members, shares, strict=True)
    ]
    return result, lines, snapshot


def _compute_collective(*, user, body, year, terms, surplus, losses):
    """A collective's members share by income-right shares (收益权份额, Art. 40): the units of its share classes
    held on 31 December."""
    held: dict[int, int] = {}
    for (member_id, _class), holding in holdings_at(
        user=user, cooperative=body, on=dt.date(year, 12, 31)
    ).items():
        held[member_id] = held.get(member_id, 0) + holding.units_centi
    members = list(
        Member.objects.filter(cooperative=body, status__in=("active", "exit_notified", "exited"))
        .filter(pk__in=list(held))
        .order_by("pk")
    )
    return collective_sheet(
        body=body, terms=terms, surplus=surplus, losses=losses, members=members, held=held
    )


def _steps_json(steps) -> dict:
    return {k: (v if isinstance(v, int) else str(v)) for k, v in dataclasses.asdict(steps).items()}


@transaction.atomic
def run_compute(
    *,
    user,
    body: Cooperative,
    year: int,
    run: DistributionRun | None = None,
    surplus_fen: int | None = None,
    losses_to_make_up_fen: int | None = None,
    subsidy_property_fen: int = 0,
    conversion_bp: int = 0,
    via: str = "web",
) -> DistributionRun:
    """Compute (or recompute) a draft run of `body`'s `year`.

    The surplus is the book's 本年盈余 (本年收益) of the year unless `surplus_fen` is given; the losses to make up
    are the debit balance of 盈余分配 on 1 January unless given; the bylaws are those in force on 31 December; the
    member accounts are read at 31 December (Art. 43) with the transactions of the kinds the bylaws count.
    `conversion_bp` is the share of each member's amount the assembly is asked to turn into capital (Art. 44).
    A loss year is refused (Art. 44) and nothing is written.
    """
    body = Cooperative.objects.get(pk=body.pk)
    require_write(user, body.region_code)
    check_count(year, "year", "年度", "year")
    if not 1990 <= year <= 2100:
        raise field_error("year", "年度不正确。", "The year is not valid.", "year_invalid", value=year)
    if run is not None:
        run = lock_run(run)
        if run.body_id != body.pk or run.year != year:
            raise Conflict(
                "该分配方案不属于这个组织或年度。",
                "The run belongs to another body or year.",
                code="run_mismatch",
                details={"run": run.pk},
            )
        if run.status != RunStatus.DRAFT:
            raise wrong_status(run, "draft", "重新计算（已公示的方案不能再改）", "recompute")
    standard = standard_of(body)
    bylaws = bylaws_for(user=user, cooperative=body, on_date=dt.date(year, 12, 31))
    terms = bylaws_terms(bylaws)
    surplus, surplus_source = _surplus_input(surplus_fen, user=user, body=body, year=year)
    if losses_to_make_up_fen is None:
        losses, losses_source = _ledger_losses(body=body, year=year), "ledger"
    else:
        losses, losses_source = losses_to_make_up_fen, "given"
    inputs = {
        "surplus_fen": surplus,
        "surplus_source": surplus_source,
        "losses_to_make_up_fen": losses,
        "losses_source": losses_source,
        "subsidy_property_fen": subsidy_property_fen,
        "conversion_bp": conversion_bp,
        "bylaws": {
            "id": bylaws.pk,
            "effective_from": bylaws.effective_from.isoformat(),
            "terms": terms.as_row_values(),
        },
    }
    if standard == COLLECTIVE:
        result, lines, snapshot = _compute_collective(
            user=user, body=body, year=year, terms=terms, surplus=surplus, losses=losses
        )
    else:
        result, accounts, snapshot = _compute_cooperative(
            user=user,
            body=body,
            year=year,
            terms=terms,
            surplus=surplus,
            losses=losses,
            subsidy_property_fen=subsidy_property_fen,
            conversion_bp=conversion_bp,
        )
    inputs["members"] = snapshot
    if run is None:
        run = DistributionRun(
            body=body, year=year, region_code=body.region_code, county_code=body.county_code
        )
    run.standard = standard
    run.inputs = inputs
    run.steps = _steps_json(result.steps)
    run.computed_at = timezone.now()
    run.computed_by = actor(user)
    run.save()
    if standard != COLLECTIVE:
        lines = _coop_lines(body, accounts, result)
    lines = line_objects(run, lines)
    DistributionLine.objects.filter(run=run).delete()
    DistributionLine.objects.bulk_create(lines, batch_size=1000)
    audit_record(
        user=user,
        action="distribution.run_compute",
        obj=run,
        region_code=body.region_code,
        via=via,
        details={"year": year, "surplus_fen": surplus, "surplus_source": surplus_source, "lines": len(lines)},
    )
    return run
