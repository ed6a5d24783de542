"""Keep the cooperative coverage figures of regions current; rebuild them from the source tables.

A cooperative's figures belong to its own region (a village cooperative to its village, a township union to its
township, a county platform to its county); a region's kept figures are its own plus the sum of its children's.
The village collective economic organisation (legal form collective organisation) is a member of the village
cooperative, not a cooperative counted here. Members count when active or under exit notice.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from tongzhou.coops.models import Cooperative, LegalForm, Member, MemberKind, MemberStatus, ShareEntry
from tongzhou.regions.models import Region
from tongzhou.regions.scope import code_prefix_q

from .models import RegionCoopFigures

FIGURE_FIELDS = (
    "villages_with_cooperative",
    "cooperatives",
    "members",
    "household_members",
    "registered_poor_households",
    "registered_poor_members",
    "cadre_members",
    "women_members",
    "share_capital_fen",
    "subsidy_shares_fen",
)
LIVE_STATUSES = (MemberStatus.ACTIVE, MemberStatus.EXIT_NOTIFIED)
CHILD_LENGTH = {2: 4, 4: 6, 6: 9, 9: 12}


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9) if n < len(code)]


def _own_figures(codes: list[str] | None) -> dict[str, dict[str, int]]:
    """Figures of the cooperatives located exactly at each code (all codes when `codes` is None), by GROUP BY."""
    coops = Cooperative.objects.exclude(legal_form=LegalForm.COLLECTIVE_ORGANISATION)
    members = Member.objects.filter(status__in=LIVE_STATUSES).exclude(
        cooperative__legal_form=LegalForm.COLLECTIVE_ORGANISATION
    )
    entries = ShareEntry.objects.exclude(cooperative__legal_form=LegalForm.COLLECTIVE_ORGANISATION)
    chunks: list[list[str] | None] = (
        [None] if codes is None else [codes[i : i + 500] for i in range(0, len(codes), 500)]
    )
    figures: dict[str, dict[str, int]] = {}

    def row_for(code: str) -> dict[str, int]:
        return figures.setdefault(code, dict.fromkeys(FIGURE_FIELDS, 0))

    poor = Q(household__poverty_registered_year__isnull=False)
    for chunk in chunks:
        c, m, e = coops, members, entries
        if chunk is not None:
            c = c.filter(region_code__in=chunk)
            m = m.filter(cooperative__region_code__in=chunk)
            e = e.filter(cooperative__region_code__in=chunk)
        for row in c.values("region_code").annotate(n=Count("id")).order_by():
            row_for(row["region_code"])["cooperatives"] = row["n"]
        member_rows = (
            m.values("cooperative__region_code")
            .annotate(
                members=Count("id"),
                household_members=Count("id", filter=Q(kind=MemberKind.HOUSEHOLD)),
                registered_poor_households=Count("household", filter=poor, distinct=True),
                registered_poor_members=Count("id", filter=poor),
                cadre_members=Count("id", filter=Q(is_village_cadre=True)),
                women_members=Count("id", filter=Q(is_woman=True)),
            )
            .order_by()
        )
        for row in member_rows:
            row_for(row.pop("cooperative__region_code")).update(row)
        share_rows = (
            e.values("cooperative__region_code")
            .annotate(
                share_capital_fen=Sum("amount_fen", filter=Q(share_class__is_capital=True)),
                subsidy_shares_fen=Sum("amount_fen", filter=Q(share_class__is_capital=False)),
            )
            .order_by()
        )
        for row in share_rows:
            target = row_for(row["cooperative__region_code"])
            target["share_capital_fen"] = int(row["share_capital_fen"] or 0)
            target["subsidy_shares_fen"] = int(row["subsidy_shares_fen"] or 0)
    for code, row in figures.items():
        if len(code) == 12:
            row["villages_with_cooperative"] = 1 if row["cooperatives"] else 0
    return figures


def _sum_children(code: str, own: dict[str, int] | None) -> dict[str, int]:
    total = dict(own) if own else dict.fromkeys(FIGURE_FIELDS, 0)
    child_len = CHILD_LENGTH[len(code)]
    rows = RegionCoopFigures.objects.filter(code_prefix_q("region_code", code)).values_list(
        "region_code", *FIGURE_FIELDS
    )
    for row in rows:
        if len(row[0]) != child_len:
            continue
        for name, value in zip(FIGURE_FIELDS, row[1:], strict=True):
            total[name] += value
    return total


def _store(figures: dict[str, dict[str, int]]) -> None:
    existing = set(
        RegionCoopFigures.objects.filter(region_code__in=list(figures)).values_list("region_code", flat=True)
    )
    new_rows = [RegionCoopFigures(region_code=c, **f) for c, f in figures.items() if c not in existing]
    RegionCoopFigures.objects.bulk_create(new_rows, batch_size=500)
    now = timezone.now()  # bulk_update skips auto_now
    changed = [
        RegionCoopFigures(region_code=c, updated_at=now, **f) for c, f in figures.items() if c in existing
    ]
    RegionCoopFigures.objects.bulk_update(changed, [*FIGURE_FIELDS, "updated_at"], batch_size=500)


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURE_FIELDS, 0)


@transaction.atomic
def coop_figures_refresh(*, village_codes: Iterable[str]) -> None:
    """Recompute the figures of the given regions (villages, or a union's township or a platform's county) from
    the source tables, then of all their ancestors. Called by the membership and shares services."""
    codes = sorted(set(village_codes))
    if not codes:
        return
    ancestors = {a for c in codes for a in _ancestors(c)}
    own = _own_figures(sorted(set(codes) | ancestors))
    villages = [c for c in codes if len(c) == 12]
    _store({v: own.get(v) or _empty() for v in villages})
    for code in sorted((set(codes) - set(villages)) | ancestors, key=len, reverse=True):
        _store({code: _sum_children(code, own.get(code))})


@transaction.atomic
def coop_figures_rebuild() -> int:
    """Recompute every region's coverage figures from the source tables. Returns the number of regions kept."""
    own = _own_figures(None)
    villages = set(Region.objects.filter(level="village").values_list("code", flat=True))
    villages |= {c for c in own if len(c) == 12}
    higher = {a for v in villages for a in _ancestors(v)} | {c for c in own if len(c) < 12}
    higher |= {a for c in list(higher) for a in _ancestors(c)}
    RegionCoopFigures.objects.all().delete()
    _store({v: own.get(v) or _empty() for v in villages})
    for length in (9, 6, 4, 2):
        for code in sorted(c for c in higher if len(c) == length):
            _store({code: _sum_children(code, own.get(code))})
    return len(villages) + len(higher)
