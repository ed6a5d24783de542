"""Reads of the share ledger, holdings at a date and member accounts (成员账户, 农民专业合作社法 Art. 43).

Always given the user: a cooperative is read by whoever may read its region code. Holdings and accounts are
computed by SQL aggregates, one query per family of figures, never one per member.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import QuerySet, Sum

from tongzhou.regions.scope import require_read

from ..domain import shares as domain
from ..models import Cooperative, Member, MemberStatus, MemberTransaction, ShareClass, ShareEntry

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
