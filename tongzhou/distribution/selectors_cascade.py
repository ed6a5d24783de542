"""Reads of a county's benefit chain (利益链) for the cascade view: the latest cascade of a county and year, per body
what came in and went out, per household what reached it along which path — scoped and paged.

A cascade is read by whoever may read the region asked for, which lies in the cascade's county: a township
officer sees the bodies and households of the township, a village cadre those of the village.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet, Sum

from tongzhou.core.errors import InvalidInput, NotFound
from tongzhou.regions.scope import code_prefix_q, require_read

from .models import CascadeBodyLine, CascadeHouseholdLine, CascadeRun

PAGE_SIZE = 50
PAGE_SIZE_MAX = 500


def _region(cascade: CascadeRun, region_code: str | None) -> str:
    code = cascade.county_code if region_code in (None, "") else str(region_code).strip()
    if not code.isdigit() or not code.startswith(cascade.county_code):
        raise InvalidInput(
            "地区须在该利益链计算所属的县内。",
            "The region must lie in the cascade's county.",
            code="region_code_invalid",
            details={"field": "region_code", "value": code},
        )
    return code


def cascade_latest(*, user, region_code: str, year: int) -> CascadeRun | None:
    """The latest cascade of the county that holds `region_code`, for a user who may read `region_code`."""
    code = str(region_code or "").strip()
    require_read(user, code)
    return CascadeRun.objects.filter(county_code=code[:6], year=year).order_by("-id").first()


def cascade_get(*, user, cascade_id: int, region_code: str | None = None) -> CascadeRun:
    """One cascade, for a user who may read `region_code` (the county by default) inside its county."""
    try:
        cascade = CascadeRun.objects.get(pk=cascade_id)
    except (CascadeRun.DoesNotExist, ValueError, TypeError):
        raise NotFound("找不到该利益链计算。", "No such cascade.", details={"id": cascade_id}) from None
    require_read(user, _region(cascade, region_code))
    return cascade


def cascade_bodies(*, user, cascade: CascadeRun, region_code: str | None = None) -> QuerySet[CascadeBodyLine]:
    """Per body of the region: own surplus, income from above, paid to member bodies and to households, kept;
    top-down."""
    code = _region(cascade, region_code)
    require_read(user, code)
    return (
        CascadeBodyLine.objects.filter(cascade=cascade)
        .filter(code_prefix_q("region_code", code))
        .select_related("body")
        .order_by("position")
    )


def cascade_households(
    *, user, cascade: CascadeRun, region_code: str | None = None
) -> QuerySet[CascadeHouseholdLine]:
    """Per household of the region (by village, then member key): total, cash, converted, by origin level and by
    path."""
    code = _region(cascade, region_code)
    require_read(user, code)
    rows = CascadeHouseholdLine.objects.filter(cascade=cascade)
    if len(code) > 6:
        rows = rows.filter(code_prefix_q("village_code", code))
    return rows.select_related("household").order_by("village_code", "key")


def cascade_page(rows: QuerySet, *, page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """One page of a cascade listing (a page past the end gives the last)."""
    per_page = max(1, min(int(per_page), PAGE_SIZE_MAX))
    return Paginator(rows, per_page).get_page(page)


@dataclass(frozen=True)
class CascadeTotals:
    households: int
    total_fen: int
    from_county_fen: int
    from_township_fen: int
    from_village_fen: int
    converted_to_capital_fen: int


def cascade_household_totals(*, user, cascade: CascadeRun, region_code: str | None = None) -> CascadeTotals:
    """What reached the region's households in all, by the level the money was made at (one aggregate)."""
    sums = (
        cascade_households(user=user, cascade=cascade, region_code=region_code)
        .filter(household__isnull=False)
        .order_by()
        .aggregate(
            total=Sum("total_fen"),
            county=Sum("from_county_fen"),
            township=Sum("from_township_fen"),
            village=Sum("from_village_fen"),
            converted=Sum("converted_to_capital_fen"),
        )
    )
    count = (
        cascade_households(user=user, cascade=cascade, region_code=region_code)
        .filter(household__isnull=False)
        .count()
    )
    return CascadeTotals(
        households=count,
        total_fen=int(sums["total"] or 0),
        from_county_fen=int(sums["county"] or 0),
        from_township_fen=int(sums["township"] or 0),
        from_village_fen=int(sums["village"] or 0),
        converted_to_capital_fen=int(sums["converted"] or 0),
    )


def cascade_path_bodies(cascade, by_path: dict[str, int]) -> dict[int, tuple[str, str]]:
    """{body id: (name, level)} of the bodies on one household's paths (the keys of its `by_path`). Whoever may read
    the household's line may read who its money passed through, also a body above their own region (the union, the
    platform company): the read is bounded by the line, which the caller got through a scoped selector."""
    from .models import CascadeBodyLine

    ids = {int(x) for text in by_path for x in text.partition("|")[0].split(">") if x.isdigit()}
    found = CascadeBodyLine.objects.filter(cascade=cascade, body_id__in=ids).values_list(
        "body_id", "body__name", "level"
    )
    return {pk: (name, level) for pk, name, level in found}
