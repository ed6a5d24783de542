"""Region endpoints: the tree by statistical codes, with the register figures the rollups keep."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from tongzhou.regions.models import Region
from tongzhou.regions.scope import access_for
from tongzhou.regions.selectors import (
    region_ancestors,
    region_children,
    region_figures,
    region_get,
    region_list,
)
from tongzhou.rollups.models import RegionRegisterFigures

from .paging import paged
from .schemas import Error, RegionDetail, RegionFilters, RegionOut, RegionPage

router = Router(tags=["地区 Regions"])

ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}
CODE_PATH = Path(..., pattern=r"^\d{2,15}$", description="统计用区划代码 / Statistical division code")
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


def region_out(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": str(region.get_level_display()),
        "parent_code": region.parent_code,
        "county_code": region.county_code,
    }


def figures_out(figures: RegionRegisterFigures | None) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(figures, name, 0) if figures else 0 for name in FIGURE_FIELDS}
    out["updated_at"] = figures.updated_at if figures else None
    return out


@router.get(
    "/regions",
    response={200: RegionPage, **ERRORS},
    summary="地区列表 / List regions",
    description="可查看范围内的地区，可按级别、上级代码、名称筛选。\n\n"
    "Regions within the caller's scopes, filtered by level, parent code or name.",
)
def regions_list(request: HttpRequest, filters: Query[RegionFilters]) -> dict[str, Any]:
    qs = region_list(user=request.auth, level=filters.level, parent_code=filters.parent, q=filters.q)
    return paged(qs, filters, region_out)


@router.get(
    "/regions/{code}",
    response={200: RegionDetail, **ERRORS},
    summary="地区详情 / Region with figures",
    description="地区、其上级，以及户籍统计（户数、人数、建档立卡户等）。只能查看其中一部分下级的用户"
    "（如村干部查看所属乡镇）可看到该地区以便导航，但不给统计数。\n\n"
    "A region, its ancestors and its register figures. A caller who reads only part of it (a village cadre "
    "looking at their township) sees the region for navigation but no figures.",
)
def regions_get(request: HttpRequest, code: str = CODE_PATH) -> dict[str, Any]:
    user = request.auth
    region = region_get(user=user, code=code)
    access = access_for(user)
    out = region_out(region)
    out["ancestors"] = [region_out(a) for a in region_ancestors(region)]
    out["figures"] = figures_out(region_figures([code]).get(code)) if access.can_read(code) else None
    out["can_write"] = access.can_write(code)
    return out


@router.get(
    "/regions/{code}/children",
    response={200: list[RegionOut], **ERRORS},
    summary="下级地区 / Children of a region",
    description="可查看的下级地区（或通往可查看地区的下级）。\n\n"
    "The children the caller may read, or that lead down to a region they may read.",
)
def regions_children(request: HttpRequest, code: str = CODE_PATH) -> list[dict[str, Any]]:
    return [region_out(r) for r in region_children(user=request.auth, code=code)]
