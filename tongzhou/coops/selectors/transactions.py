"""Reads of member transactions, always scoped to the cooperative's region (农民专业合作社法 Art. 41, 43)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from tongzhou.coops.models import Cooperative, Member, MemberTransaction
from tongzhou.regions.scope import require_read


def transaction_list(
    *,
    user,
    cooperative: Cooperative,
    year: int | None = None,
    member: Member | None = None,
    is_member: bool | None = None,
) -> QuerySet[MemberTransaction]:
    """A cooperative's transactions the user may read, by year, member, or member/non-member (Art. 41)."""
    require_read(user, cooperative.region_code)
    qs = MemberTransaction.objects.filter(cooperative=cooperative)
    if year is not None:
        qs = qs.filter(year=year)
    if member is not None:
        qs = qs.filter(member=member)
    if is_member is not None:
        qs = qs.filter(is_member=is_member)
    return qs.select_related("member").order_by("on", "id")


@dataclass(frozen=True)
class MemberTotals:
    """One member's transactions in a year (成员账户 Art. 43 (3)): count, quantity and amount."""

    member_id: int
    transactions: int
    quantity: Decimal
    amount_fen: int


def transaction_totals_by_member(
    *, user, cooperative: Cooperative, year: int, kinds: list[str] | None = None
) -> dict[int, MemberTotals]:
    """Member transaction totals for one year (non-members excluded, Art. 41), in one aggregate query."""
    require_read(user, cooperative.region_code)
    qs = MemberTransaction.objects.filter(cooperative=cooperative, year=year, is_member=True)
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    rows = (
        qs.values("member_id")
        .annotate(transactions=Count("id"), quantity=Sum("quantity"), amount_fen=Sum("amount_fen"))
        .order_by()
    )
    return {
        row["member_id"]: MemberTotals(
            member_id=row["member_id"],
            transactions=row["transactions"],
            quantity=row["quantity"] or Decimal("0"),
            amount_fen=int(row["amount_fen"] or 0),
        )
        for row in rows
    }


def latest_transaction_year(*, user, cooperative: Cooperative) -> int | None:
    """The latest year in which the cooperative recorded a transaction (None when it has none)."""
    require_read(user, cooperative.region_code)
    return (
        MemberTransaction.objects.filter(cooperative=cooperative)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
