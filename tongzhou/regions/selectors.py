"""Reads of the region tree, always scoped to what the user may read."""

from __future__ import annotations

from django.db.models import QuerySet

from tongzhou.core.errors import NotFound
from tongzhou.rollups.models import RegionRegisterFigures

from .models import CHILD_LEVEL, Region
from .scope import access_for, require_read


def region_get(*, user, code: str) -> Region:
    """The region with this code, if the user may read it or one of its descendants (for navigation)."""
    access = access_for(user)
    if not (access.can_read(code) or any(r.startswith(code) for r in access.read)):
        require_read(user, code)
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise NotFound("找不到该地区。", "No such region.", details={"code": code}) from None


def region_children(*, user, code: str) -> QuerySet[Region]:
    """Children of a region that the user may read, or that lead down to a region they may read."""
    region = region_get(user=user, code=code)
    child_level = CHILD_LEVEL.get(region.level)
    qs = Region.objects.filter(parent_code=code, level=child_level) if child_level else Region.objects.none()
    access = access_for(user)
    if access.everything or access.can_read(code):
        return qs
    # The user reads only part of this region: keep children on the way to their scopes.
    child_len = {2: 4, 4: 6, 6: 9, 9: 12, 12: 15}[len(code)]
    allowed = {r[:child_len] for r in access.read if r.startswith(code) and len(r) >= child_len}
    return qs.filter(code__in=allowed)


def region_ancestors(region: Region) -> list[Region]:
    codes = [region.code[:n] for n in (2, 4, 6, 9, 12) if n < len(region.code)]
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


def region_roots(*, user) -> list[Region]:
    """The topmost regions the user may read: where their navigation starts."""
    access = access_for(user)
    if access.everything:
        return list(Region.objects.filter(level="province"))
    return list(Region.objects.filter(code__in=access.read_roots()))


def region_list(
    *, user, level: str | None = None, parent_code: str | None = None, q: str | None = None
) -> QuerySet[Region]:
    from .scope import readable

    qs = readable(Region.objects.all(), user, field="code")
    if level:
        qs = qs.filter(level=level)
    if parent_code:
        qs = qs.filter(parent_code=parent_code)
    if q:
        qs = qs.filter(name__contains=q)
    return qs


def region_figures(codes: list[str]) -> dict[str, RegionRegisterFigures]:
    return {f.region_code: f for f in RegionRegisterFigures.objects.filter(region_code__in=codes)}
