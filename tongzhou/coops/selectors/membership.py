"""Reads of members and of membership coverage, scoped on the cooperative's region."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from tongzhou.core.errors import NotFound
from tongzhou.households.models import Household
from tongzhou.regions.scope import require_read

from ..domain.membership import CoverageReport, coverage_report
from ..models import Cooperative, Level, Member, MemberKind, MemberStatus

MEMBER_STATUSES = (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED)


def member_list(*, user, cooperative: Cooperative, status: str | None = None) -> QuerySet[Member]:
    """The cooperative's members and applicants, optionally of one status."""
    require_read(user, cooperative.region_code)
    qs = Member.objects.filter(cooperative=cooperative)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("id")


def member_get(*, user, member_id: int) -> Member:
    try:
        member = Member.objects.select_related("cooperative").get(pk=member_id)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该成员。", "No such member.", details={"id": member_id}) from None
    require_read(user, member.cooperative.region_code)
    return member


def member_coverage(
    *, user, village_code: str, cadre_household_ids: Iterable[int] | None = None
) -> CoverageReport:
    """Which registered-poor and cadre households of the village are not members of its village cooperatives.

    Registered-poor households are those with `poverty_registered_year` set (including those since out of
    poverty). Until the Party issue supplies the real list of village cadres ("two committees"), cadres are the
    members flagged `is_village_cadre`, so no cadre can show as missing; pass `cadre_household_ids` to check a
    real list.
    """
    require_read(user, village_code)
    members = Member.objects.filter(
        cooperative__level=Level.VILLAGE,
        cooperative__region_code=village_code,
        kind=MemberKind.HOUSEHOLD,
        status__in=MEMBER_STATUSES,
    )
    member_households = set(members.values_list("household_id", flat=True))
    if cadre_household_ids is None:
        cadre_household_ids = members.filter(is_village_cadre=True).values_list("household_id", flat=True)
    poor = Household.objects.filter(village_code=village_code, poverty_registered_year__isnull=False)
    return coverage_report(
        registered_poor_households=poor.values_list("id", flat=True),
        cadre_households=cadre_household_ids,
        member_households=member_households,
    )
