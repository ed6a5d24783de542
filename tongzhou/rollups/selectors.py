"""Reads of kept figures, scoped: a region's totals only for a user who may read the whole region."""

from __future__ import annotations

from tongzhou.regions.scope import access_for, require_read

from .models import RegionCoopFigures, RegionRegisterFigures


def coop_figures(*, user, code: str) -> RegionCoopFigures | None:
    """The coverage figures of a region (None when none are kept yet); ScopeDenied unless the whole region is read."""
    require_read(user, code)
    return RegionCoopFigures.objects.filter(region_code=code).first()


def coop_figures_if_readable(*, user, code: str) -> RegionCoopFigures | None:
    """The coverage figures for a page that may show them: None when the user reads only part of the region."""
    if not access_for(user).can_read(code):
        return None
    return RegionCoopFigures.objects.filter(region_code=code).first()


def register_figures(*, user, code: str) -> RegionRegisterFigures | None:
    require_read(user, code)
    return RegionRegisterFigures.objects.filter(region_code=code).first()
