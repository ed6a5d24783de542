"""Keep the register figures of villages and their ancestors current; rebuild them from the source facts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q

from tongzhou.households.models import Household, Person
from tongzhou.regions.models import Region
from tongzhou.regions.scope import code_prefix_q

from .models import RegionRegisterFigures

FIGURE_FIELDS = (
    "households",
    "persons",
    "registered_poor_households",
    "exited_poverty_households",
    "registered_poor_persons",
    "migrant_workers",
    "elderly_persons",
    "women",
    "villages",
)


def _ancestors(code: str) -> list[str]:
    """The codes of every ancestor of a village code: county, prefecture, province and township."""
    return [code[:n] for n in (2, 4, 6, 9) if n < len(code)]


def _elderly_cutoff(today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    try:
        return today.replace(year=today.year - 60)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 60, day=28)


def _village_figures(village_codes: list[str]) -> dict[str, dict[str, int]]:
    figures: dict[str, dict[str, int]] = {c: dict.fromkeys(FIGURE_FIELDS, 0) for c in village_codes}
    for code in village_codes:
        figures[code]["villages"] = 1
    cutoff = _elderly_cutoff()
    for start in range(0, len(village_codes), 500):
        chunk = village_codes[start : start + 500]
        household_rows = (
            Household.objects.filter(village_code__in=chunk)
            .values("village_code")
            .annotate(
                households=Count("id"),
                registered_poor_households=Count("id", filter=Q(poverty_registered_year__isnull=False)),
                exited_poverty_households=Count("id", filter=Q(poverty_exit_year__isnull=False)),
            )
            .order_by()
        )
        for row in household_rows:
            figures[row.pop("village_code")].update(row)
        person_rows = (
            Person.objects.filter(village_code__in=chunk)
            .values("village_code")
            .annotate(
                persons=Count("id"),
                registered_poor_persons=Count(
                    "id", filter=Q(household__poverty_registered_year__isnull=False)
                ),
                migrant_workers=Count("id", filter=Q(migrant_worker=True)),
                elderly_persons=Count("id", filter=Q(birth_date__lte=cutoff)),
                women=Count("id", filter=Q(sex="F")),
            )
            .order_by()
        )
        for row in person_rows:
            figures[row.pop("village_code")].update(row)
    return figures


@transaction.atomic
def register_figures_refresh(*, village_codes: Iterable[str]) -> None:
    """Recompute the figures of the given villages from the register, then of all their ancestors."""
    villages = sorted(set(village_codes))
    if not villages:
        return
    figures = _village_figures(villages)
    _store(figures)
    ancestors = sorted({a for v in villages for a in _ancestors(v)}, key=len, reverse=True)
    for code in ancestors:
        _store({code: _sum_children(code)})


def _sum_children(code: str) -> dict[str, int]:
    child_len = {2: 4, 4: 6, 6: 9, 9: 12}[len(code)]
    total = dict.fromkeys(FIGURE_FIELDS, 0)
    rows = RegionRegisterFigures.objects.filter(code_prefix_q("region_code", code)).values_list(
        "region_code", *FIGURE_FIELDS
    )
    for row in rows:
        if len(row[0]) != child_len:
            continue
        for name, value in zip(FIGURE_FIELDS, row[1:], strict=True):
            total[name] += value
    # Villages are counted from the tree, so a village without households yet still counts.
    total["villages"] = Region.objects.filter(code_prefix_q("code", code), level="village").count()
    return total


def _store(figures: dict[str, dict[str, int]]) -> None:
    existing = set(
        RegionRegisterFigures.objects.filter(region_code__in=list(figures)).values_list(
            "region_code", flat=True
        )
    )
    new_rows = [RegionRegisterFigures(region_code=c, **f) for c, f in figures.items() if c not in existing]
    RegionRegisterFigures.objects.bulk_create(new_rows, batch_size=500)
    changed = [RegionRegisterFigures(region_code=c, **f) for c, f in figures.items() if c in existing]
    RegionRegisterFigures.objects.bulk_update(changed, list(FIGURE_FIELDS), batch_size=500)


@transaction.atomic
def register_figures_rebuild() -> int:
    """Recompute every region's figures from the register. Returns the number of villages."""
    village_codes = list(Region.objects.filter(level="village").values_list("code", flat=True))
    RegionRegisterFigures.objects.all().delete()
    figures = _village_figures(village_codes)
    _store(figures)
    codes_by_len: dict[int, set[str]] = {}
    for v in village_codes:
        for a in _ancestors(v):
            codes_by_len.setdefault(len(a), set()).add(a)
    for length in (9, 6, 4, 2):
        for code in sorted(codes_by_len.get(length, ())):
            _store({code: _sum_children(code)})
    return len(village_codes)
