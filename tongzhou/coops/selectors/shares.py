"""Reads of the share ledger, holdings at a date and member accounts (成员账户, 农民专业合作社法 Art. 43).

Always given the user: a cooperative is read by whoever may read its region code. Holdings and accounts are
computed by SQL aggregates, one query per family of figures, never one per member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from tongzhou.core.errors import InvalidInput
from tongzhou.regions.scope import require_read

from ..domain import shares as domain
from ..domain.bylaws import bylaws_in_force
from ..models import (
    Bylaws,
    Cooperative,
    Member,
    MemberKind,
    MemberStatus,
    MemberTransaction,
    ShareClass,
    ShareClassKind,
    ShareEntry,
)

# Members who have (or had) an account: admitted at some time.
ACCOUNT_STATUSES = (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED, MemberStatus.EXITED)


def share_ledger(*, user, cooperative: Cooperative, member: Member | None = None) -> QuerySet[ShareEntry]:
    """The cooperative's share ledger, oldest first, optionally one member's entries only."""
    require_read(user, cooperative.region_code)
    entries = ShareEntry.objects.filter(cooperative=cooperative).select_related(
        "member", "share_class", "counterparty"
    )
    if member is not None:
        entries = entries.filter(member=member)
    return entries.order_by("on", "id")


def _holdings_query(cooperative: Cooperative, on: dt.date) -> dict[tuple[int, int], domain.Holding]:
    rows = (
        ShareEntry.objects.filter(cooperative=cooperative, on__lte=on)
        .order_by()
        .values_list("member_id", "share_class_id")
        .annotate(units=Sum("units_centi"), amount=Sum("amount_fen"))
    )
    held = {(m, c): domain.Holding(u, a) for m, c, u, a in rows}
    return {key: h for key, h in held.items() if not h.is_empty}


def holdings_at(*, user, cooperative: Cooperative, on: dt.date) -> dict[tuple[int, int], domain.Holding]:
    """Every holding per (member id, share class id) at the end of `on`: one SUM … GROUP BY over the entries."""
    require_read(user, cooperative.region_code)
    return _holdings_query(cooperative, on)


def member_accounts(
    *, user, cooperative: Cooperative, year: int, reserve_shares: dict[int, int] | None = None
) -> list[tuple[Member, domain.MemberAccount]]:
    """Art. 43's account of every admitted member for `year`: capital and subsidy share held at 31 December,
    the quantified reserve share (given; 0 until the distribution writes it) and member transactions of the year.
    """
    require_read(user, cooperative.region_code)
    reserve_shares = reserve_shares or {}
    members = list(Member.objects.filter(cooperative=cooperative, status__in=ACCOUNT_STATUSES).order_by("pk"))
    classes = list(ShareClass.objects.filter(cooperative=cooperative).values_list("pk", "kind", "is_capital"))
    class_kinds = {pk: kind for pk, kind, _ in classes}
    capital_classes = {pk for pk, _, is_capital in classes if is_capital}
    by_member: dict[int, dict[int, domain.Holding]] = {}
    for (member_id, class_id), holding in _holdings_query(cooperative, dt.date(year, 12, 31)).items():
        by_member.setdefault(member_id, {})[class_id] = holding
    totals = {
        member_id: (amount or 0, quantity or Decimal("0"))
        for member_id, amount, quantity in MemberTransaction.objects.filter(
            cooperative=cooperative, year=year, is_member=True
        )
        .order_by()
        .values_list("member_id")
        .annotate(amount=Sum("amount_fen"), quantity=Sum("quantity"))
    }
    accounts = []
    for member in members:
        amount, quantity = totals.get(member.pk, (0, Decimal("0")))
        accounts.append(
            (
                member,
                domain.member_account(
                    member_id=member.pk,
                    year=year,
                    held=by_member.get(member.pk, {}),
                    class_kinds=class_kinds,
                    capital_classes=capital_classes,
                    reserve_share_fen=reserve_shares.get(member.pk, 0),
                    transactions_amount_fen=amount,
                    transactions_quantity=quantity,
                ),
            )
        )
    return accounts


def share_class_list(*, user, cooperative: Cooperative) -> QuerySet[ShareClass]:
    """The cooperative's share classes, for a user who may read the cooperative."""
    require_read(user, cooperative.region_code)
    return ShareClass.objects.filter(cooperative=cooperative).order_by("id")


@dataclass(frozen=True)
class ConversionCandidate:
    """A holder of fiscal poverty-fund shares and where it stands for conversion to cash shares on a date."""

    member: Member
    exit_year: int | None  # the year the household left poverty (None: not yet, or not a household)
    converts_on: dt.date | None  # when the bylaws' years are full (None: not out of poverty / no bylaws)
    holding: domain.Holding  # the poverty-fund shares held
    cash_units_centi: int | None  # the cash shares they become, when due
    due: bool


@dataclass(frozen=True)
class ConversionPreview:
    poverty_class: ShareClass
    cash_class: ShareClass | None
    years: int | None  # the bylaws' years out of poverty before shares convert (None: no bylaws in force)
    candidates: list[ConversionCandidate]

    @property
    def due_count(self) -> int:
        return sum(1 for c in self.candidates if c.due)


def poverty_conversion_preview(*, user, cooperative: Cooperative, on: dt.date) -> ConversionPreview | None:
    """Every holder of fiscal poverty-fund shares and whether `poverty_shares_convert` would convert them on `on`
    under the bylaws then in force (the same domain rules); None when the cooperative has no such class."""
    require_read(user, cooperative.region_code)
    classes = {c.kind: c for c in ShareClass.objects.filter(cooperative=cooperative)}
    poverty = classes.get(ShareClassKind.FISCAL_POVERTY)
    if poverty is None:
        return None
    cash = classes.get(ShareClassKind.CASH)
    bylaws = bylaws_in_force(Bylaws.objects.filter(cooperative=cooperative), on)
    years = bylaws.poverty_share_conversion_years if bylaws is not None else None
    held = {
        member_id: holding
        for (member_id, class_id), holding in _holdings_query(cooperative, dt.date.max).items()
        if class_id == poverty.pk and holding.units_centi > 0
    }
    candidates = []
    for member in Member.objects.filter(pk__in=list(held)).select_related("household").order_by("pk"):
        exit_year = member.household.poverty_exit_year if member.household_id else None
        due = (
            years is not None
            and member.kind == MemberKind.HOUSEHOLD
            and domain.poverty_shares_due_for_conversion(exit_year, on.year, years)
        )
        cash_units = None
        if due and cash is not None:
            try:
                cash_units = domain.plan_conversion(held[member.pk], cash.unit_value_fen)[1].units_centi
            except InvalidInput:
                due = False
        converts_on = (
            domain.poverty_conversion_date(exit_year, years)
            if exit_year is not None and years is not None
            else None
        )
        candidates.append(
            ConversionCandidate(member, exit_year, converts_on, held[member.pk], cash_units, due)
        )
    return ConversionPreview(poverty, cash, years, candidates)
