"""Cascade endpoints (利益链): the latest cascade of the county holding a region, seen from that region (totals and
the bodies top-down), its households paged, one household's paths, and computing the county's cascade anew.

Reads go through `distribution.selectors_cascade` (scoped: a township officer reads the township's part) and the
computation through `cascade_compute` (read access to the whole county, audited, via="api"). Money goes out as a
yuan string and as fen and comes in as yuan. Phones are masked per role; no ID numbers are given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, Sum
from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field

from tongzhou.coops.models import Level
from tongzhou.core.errors import InvalidInput, NotFound, TongzhouError
from tongzhou.core.money import yuan_to_fen
from tongzhou.distribution import selectors_cascade as reads
from tongzhou.distribution.models import CascadeBodyLine, CascadeHouseholdLine, CascadeRun
from tongzhou.distribution.services import cascade_compute
from tongzhou.households.selectors import display_phone, shows_full_identifiers
from tongzhou.regions.selectors import region_get

from .common import READ_ERRORS, WRITE_ERRORS, money_fields
from .paging import PageParams, paged

router = Router(tags=["利益链 Cascade"])

YUAN = 'yuan string, two decimals, e.g. "1955.00"'
CODE = Path(
    ...,
    pattern=r"^(\d{6}|\d{9}|\d{12})$",
    description="县、乡镇或村的统计用区划代码 / Code of a county, township or village",
)
YEAR = Path(..., ge=1990, le=2100, description="年度 / Year")
HOUSEHOLD_ID = Path(..., ge=1, description="农户编号 / Household id")
BODY_SUMS = ("own_surplus", "income_from_above", "paid_to_bodies", "paid_to_households", "kept")


# ---------------------------------------------------------------- schemas


class BodyOut(Schema):
    body_id: int
    body_name: str
    level: str = Field(description="county | township | village")
    standard: str = Field(description="farmers_cooperative | collective_organisation")
    region_code: str
    position: int = Field(description="计算顺序（自上而下）/ Order of computation, top-down")
    surplus_source: str = Field(description="ledger | run | given | none")
    loss_year: bool
    own_surplus: str = Field(description="本组织本年盈余（元）/ The body's own surplus, " + YUAN)
    own_surplus_fen: int
    income_from_above: str = Field(description="上级分配收入（元）/ Received from bodies above, " + YUAN)
    income_from_above_fen: int
    paid_to_bodies: str = Field(description="分给成员组织（元）/ Paid to member bodies, " + YUAN)
    paid_to_bodies_fen: int
    paid_to_households: str = Field(description="分给农户（元）/ Paid to households, " + YUAN)
    paid_to_households_fen: int
    kept: str = Field(description="留在本组织（元）/ Kept by the body, " + YUAN)
    kept_fen: int
    steps: dict = Field(description="本组织分配步骤（分）/ The body's step totals, in fen")


class CascadeOut(Schema):
    id: int
    county_code: str
    region_code: str = Field(description="所看的地区 / The region the figures are for")
    region_name: str
    year: int
    computed_at: dt.datetime
    households: int = Field(description="本地区分到钱的农户数 / Households of the region in the cascade")
    to_households: str = Field(description="分到本地区农户（元）/ Reached the region's households, " + YUAN)
    to_households_fen: int
    from_county: str = Field(description="其中源自县级平台 / Of which made by the county platform, " + YUAN)
    from_county_fen: int
    from_township: str = Field(description="其中源自乡镇联合社 / Of which made by township unions, " + YUAN)
    from_township_fen: int
    from_village: str = Field(description="其中源自村级组织 / Of which made in the village, " + YUAN)
    from_village_fen: int
    converted_to_capital: str = Field(description="转为出资 / Converted into capital, " + YUAN)
    converted_to_capital_fen: int
    own_surplus: str = Field(
        description="本地区各组织本年盈余合计 / The region's bodies' own surplus, " + YUAN
    )
    own_surplus_fen: int
    income_from_above: str
    income_from_above_fen: int
    paid_to_bodies: str
    paid_to_bodies_fen: int
    paid_to_households: str
    paid_to_households_fen: int
    kept: str = Field(description="留在本地区各组织 / Kept by the region's bodies, " + YUAN)
    kept_fen: int
    bodies: list[BodyOut] = Field(description="本地区的组织，自上而下 / The region's bodies, top-down")


class HouseholdLineOut(Schema):
    household_id: int | None = Field(
        description="农户编号；组织成员为空 / Household id; null for an organisation"
    )
    key: str = Field(description="利益链中的成员标识 / The member's key in the cascade")
    village_code: str
    household_number: str
    head_name: str
    total: str = Field(description="合计（元）/ Total received, " + YUAN)
    total_fen: int
    from_county: str
    from_county_fen: int
    from_township: str
    from_township_fen: int
    from_village: str
    from_village_fen: int
    converted_to_capital: str
    converted_to_capital_fen: int
    cash: str
    cash_fen: int


class HouseholdPage(Schema):
    cascade_id: int
    count: int
    page: int
    page_size: int
    results: list[HouseholdLineOut]


class PathBody(Schema):
    body_id: int
    body_name: str
    level: str


class PathOut(Schema):
    bodies: list[PathBody] = Field(
        description="盈余产生的组织 → … → 分到本户的组织 / Where the money was made → … → who paid the household"
    )
    kind: str = Field(
        description="patronage_return | remainder_share | collective_share | income_right | secondary"
    )
    amount: str
    amount_fen: int


class HouseholdDetailOut(HouseholdLineOut):
    cascade_id: int
    phone: str = Field(description="联系电话，按角色遮蔽 / Phone, masked per role")
    identifiers_masked: bool
    paths: list[PathOut] = Field(description="各路径金额之和等于合计 / The paths add up to the total")


class HouseholdFilters(PageParams):
    q: str | None = Field(
        None, max_length=30, description="户编号（开头）或户主姓名 / Household number or name"
    )


class ComputeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    surplus: dict[int, str] | None = Field(
        None,
        description="各组织本年盈余（元），按组织编号，覆盖账簿；常用于不在本系统记账的县级平台公司 / "
        "Own surplus per body id in yuan, overriding the books; usually the county platform company, which keeps "
        "no books here",
    )


# ---------------------------------------------------------------- helpers


def _latest(user, code: str, year: int) -> CascadeRun:
    region_get(user=user, code=code)
    cascade = reads.cascade_latest(user=user, region_code=code, year=year)
    if cascade is None:
        raise NotFound(
            f"{year} 年度尚未计算该县的利益链。",
            f"No benefit chain of the county has been computed for {year}.",
            code="cascade_not_computed",
            details={"region_code": code, "county_code": code[:6], "year": year},
        )
    return cascade


def body_out(line: CascadeBodyLine) -> dict[str, Any]:
    return {
        "body_id": line.body_id,
        "body_name": line.body.name,
        "level": line.level,
        "standard": line.standard,
        "region_code": line.region_code,
        "position": line.position,
        "surplus_source": line.surplus_source,
        "loss_year": line.loss_year,
        **{k: v for name in BODY_SUMS for k, v in money_fields(name, getattr(line, f"{name}_fen")).items()},
        "steps": line.steps,
    }


def cascade_out(user, cascade: CascadeRun, code: str) -> dict[str, Any]:
    region = region_get(user=user, code=code)
    bodies = reads.cascade_bodies(user=user, cascade=cascade, region_code=code)
    sums = bodies.order_by().aggregate(**{name: Sum(f"{name}_fen") for name in BODY_SUMS})
    totals = reads.cascade_household_totals(user=user, cascade=cascade, region_code=code)
    out: dict[str, Any] = {
        "id": cascade.pk,
        "county_code": cascade.county_code,
        "region_code": code,
        "region_name": region.name,
        "year": cascade.year,
        "computed_at": cascade.computed_at,
        "households": totals.households,
        **money_fields("to_households", totals.total_fen),
        **money_fields("from_county", totals.from_county_fen),
        **money_fields("from_township", totals.from_township_fen),
        **money_fields("from_village", totals.from_village_fen),
        **money_fields("converted_to_capital", totals.converted_to_capital_fen),
        "bodies": [body_out(b) for b in bodies],
    }
    for name in BODY_SUMS:
        out.update(money_fields(name, int(sums[name] or 0)))
    return out


def household_line_out(line: CascadeHouseholdLine) -> dict[str, Any]:
    household = line.household
    return {
        "household_id": line.household_id,
        "key": line.key,
        "village_code": line.village_code,
        "household_number": household.number if household else "",
        "head_name": household.head_name if household else "",
        **money_fields("total", line.total_fen),
        **money_fields("from_county", line.from_county_fen),
        **money_fields("from_township", line.from_township_fen),
        **money_fields("from_village", line.from_village_fen),
        **money_fields("converted_to_capital", line.converted_to_capital_fen),
        **money_fields("cash", line.cash_fen),
    }


def _path_bodies(cascade: CascadeRun, by_path: dict[str, int]) -> dict[int, dict[str, Any]]:
    """The bodies on a household's paths (see `cascade_path_bodies`)."""
    found = reads.cascade_path_bodies(cascade, by_path)
    return {pk: {"body_id": pk, "body_name": name, "level": level} for pk, (name, level) in found.items()}


def _surplus_fen(surplus: dict[int, str] | None) -> dict[int, int] | None:
    if surplus is None:
        return None
    given: dict[int, int] = {}
    for body_id, yuan in surplus.items():
        try:
            given[body_id] = yuan_to_fen(yuan)
        except InvalidInput as exc:
            zh, en = exc.message_zh, exc.message_en
            raise InvalidInput(
                zh,
                en,
                code="money",
                details={
                    "field": "surplus",
                    "body": body_id,
                    "fields": {"surplus": {"message_zh": zh, "message_en": en, "code": "money"}},
                },
            ) from None
    return given


# ---------------------------------------------------------------- endpoints


@router.get(
    "/regions/{code}/cascade/{year}",
    response={200: CascadeOut, **READ_ERRORS},
    summary="利益链 / The cascade seen from a region",
    description="包含该地区的县最近一次计算的利益链，只含本地区：分到本地区农户的合计（按盈余产生的层级），本地区"
    "各组织自上而下的本年盈余、上级分配收入、分给成员组织和农户的金额、留存。乡镇用户看本乡镇，村干部看本村。"
    "尚未计算 404 cascade_not_computed。\n\nThe latest cascade of the county holding the region, the region's part "
    "only: what reached its households (by the level the money was made at), and its bodies top-down with their "
    "own surplus, income from above, what they paid on and kept. Not computed yet: 404 cascade_not_computed.",
)
def cascade_get(request: HttpRequest, code: str = CODE, year: int = YEAR) -> dict[str, Any]:
    user = request.auth
    return cascade_out(user, _latest(user, code, year), code)


@router.post(
    "/regions/{code}/cascade/{year}",
    response={201: CascadeOut, **WRITE_ERRORS},
    summary="计算利益链 / Compute the county's cascade",
    description="按全县各组织的账簿、12 月 31 日生效的章程和成员账户，自上而下计算包含该地区的县的利益链并保存，"
    "返回该地区看到的结果。须能查看全县。没有章程的组织 400 no_bylaws；金额格式错误 400 money（details.field = "
    "surplus）。出错时不写入任何数据。\n\nCompute the cascade of the county holding the region from every body's "
    "books, the bylaws in force on 31 December and the member accounts, keep it, and answer it as the region sees "
    "it. Needs read access to the whole county. A body without bylaws is 400 no_bylaws; a bad amount 400 money "
    "(details.field = surplus). A refused request writes nothing.",
)
def cascade_post(request: HttpRequest, payload: ComputeIn, code: str = CODE, year: int = YEAR) -> Status:
    user = request.auth
    region_get(user=user, code=code)
    try:
        computed = cascade_compute(
            user=user, region_code=code[:6], year=year, surplus_fen=_surplus_fen(payload.surplus), via="api"
        )
    except TongzhouError as exc:
        if isinstance(exc.details, dict) and exc.details.get("field") == "surplus_fen":
            exc.details["field"] = "surplus"
        raise
    return Status(201, cascade_out(user, computed.run, code))


@router.get(
    "/regions/{code}/cascade/{year}/households",
    response={200: HouseholdPage, **READ_ERRORS},
    summary="利益链农户明细（分页）/ The households, paged",
    description="本地区每户分到的金额，按盈余产生的层级分列，按村和成员排序，可按户编号（开头）或户主姓名查找。"
    "\n\nWhat each household of the region received, by the level the money was made at, by village and member; "
    "searched by household number (start) or head's name.",
)
def cascade_households(
    request: HttpRequest, filters: Query[HouseholdFilters], code: str = CODE, year: int = YEAR
) -> dict[str, Any]:
    user = request.auth
    cascade = _latest(user, code, year)
    rows = reads.cascade_households(user=user, cascade=cascade, region_code=code)
    q = (filters.q or "").strip()
    if q:
        rows = rows.filter(
            Q(household__number__startswith=q) | Q(household__head_name__contains=q) | Q(key=q)
        )
    return {"cascade_id": cascade.pk, **paged(rows, filters, household_line_out)}


@router.get(
    "/regions/{code}/cascade/{year}/households/{household_id}",
    response={200: HouseholdDetailOut, **READ_ERRORS},
    summary="一户的分配路径 / One household's paths",
    description="一户从利益链分到的钱，逐条路径：盈余产生的组织 → 各级成员组织 → 分到本户的组织，及分配方式和金额；"
    "各路径之和等于合计。电话按角色遮蔽。不在本地区或本次计算中 404。\n\nOne household's receipts, path by path: "
    "where the money was made, the bodies that paid it on, how and how much; the paths add up to the total. The "
    "phone is masked per role. 404 when the household is not in the region's part of the cascade.",
)
def cascade_household(
    request: HttpRequest, code: str = CODE, year: int = YEAR, household_id: int = HOUSEHOLD_ID
) -> dict[str, Any]:
    user = request.auth
    cascade = _latest(user, code, year)
    line = (
        reads.cascade_households(user=user, cascade=cascade, region_code=code)
        .filter(household_id=household_id)
        .first()
    )
    if line is None:
        raise NotFound(
            "该农户不在本利益链中。",
            "The household has no line in this benefit chain.",
            details={"household_id": household_id, "region_code": code},
        )
    bodies = _path_bodies(cascade, line.by_path)
    paths = []
    for text, amount in sorted(line.by_path.items(), key=lambda item: (-item[1], item[0])):
        chain, _sep, kind = text.partition("|")
        ids = [int(x) for x in chain.split(">") if x.isdigit()]
        paths.append(
            {
                "bodies": [
                    bodies.get(i, {"body_id": i, "body_name": "", "level": Level.VILLAGE}) for i in ids
                ],
                "kind": kind,
                **money_fields("amount", amount),
            }
        )
    household = line.household
    return {
        **household_line_out(line),
        "cascade_id": cascade.pk,
        "phone": display_phone(user=user, household=household) if household else "",
        "identifiers_masked": not shows_full_identifiers(user=user, village_code=line.village_code),
        "paths": paths,
    }
