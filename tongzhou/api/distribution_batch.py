"""A region's distribution runs computed, posted, or paid in full, at once (issue 5, points 3 and 8): the township's agency
(村账乡代管) posts every run its bodies' assemblies approved, then pays them. Through
`distribution.services.runs_compute_batch` / `runs_post_batch` / `runs_pay_batch` with via="api": one transaction each, all or nothing; a
refusal names the body and the run in its details (run, body, body_name)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict

from tongzhou.distribution import services as writes
from tongzhou.distribution.services.batch import BatchResult

from .common import WRITE_ERRORS, money_fields

router = Router(tags=["盈余分配 Distribution"])

REGION_CODE = Path(..., description="地区代码（乡镇 9 位、县 6 位…）/ Region code (a township's 9 digits, …)")
NOTE = (
    "\n\n全部成功或全部不做：任何一个方案被拒绝（未授权 403、月份或年度已结账 400、已有记账方案 409…），不改动任何数据，"
    "错误的 details 给出方案 run 与组织 body、body_name。\n\nAll or nothing: one refused run (403 scope, 400 closed "
    "month or year, 409 a run already in the books, …) and nothing changes; the error's details name the run and "
    "the body (run, body, body_name)."
)


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class BatchComputeIn(_In):
    year: int = Field(ge=1990, le=2100, description="年度 / Year")


class BatchPostIn(_In):
    year: int = Field(ge=1990, le=2100, description="年度 / Year")
    on: dt.date | None = Field(
        None, description="记账日期，默认各方案成员大会日期 / Posting date (each assembly's)"
    )


class BatchPayIn(_In):
    year: int = Field(ge=1990, le=2100, description="年度 / Year")
    on: dt.date = Field(description="发放日期 / Payment date")
    method: str = Field("bank_transfer", description="bank_transfer | cash | other")
    reference: str = Field("", max_length=60, description="凭据号 / Reference")


class BatchRunOut(Schema):
    id: int
    body_id: int
    body_name: str
    status: str


class BatchSkippedOut(Schema):
    body: int
    body_name: str
    code: str
    message_zh: str
    message_en: str
    run: int | None = None
    status: str | None = None


class BatchOut(Schema):
    region_code: str
    year: int
    runs: list[BatchRunOut]
    lines: int
    skipped: list[BatchSkippedOut]
    vouchers: int
    payments: int
    amount: str
    amount_fen: int
    paid_runs: int


def _out(result: BatchResult) -> dict[str, Any]:
    return {
        "region_code": result.region_code,
        "year": result.year,
        "runs": [
            {"id": r.pk, "body_id": r.body_id, "body_name": r.body.name, "status": r.status}
            for r in result.runs
        ],
        "lines": result.lines,
        "skipped": result.skipped,
        "vouchers": result.vouchers,
        "payments": result.payments,
        **money_fields("amount", result.amount_fen),
        "paid_runs": result.paid_runs,
    }


@router.post(
    "/regions/{region_code}/distribution-runs/compute",
    response={200: BatchOut, **WRITE_ERRORS},
    summary="批量计算分配草稿 / Compute a region's draft runs",
    description="计算该地区每个组织本年度的分配草稿（本年盈余、待弥补亏损取自账簿），与逐个计算结果相同；已有草稿的重新计算，"
    "已公示及以后的方案不动。本年亏损、未建账或无生效章程的组织不计算，列在 skipped（含原因）。\n\nCompute every body's "
    "draft run of the year (surplus and losses from its books), exactly as computing each alone; a draft is recomputed, "
    "a published or later run is left alone. A body whose year is a loss, that keeps no books or has no bylaws in "
    "force is left out and listed in skipped with the reason; no body to compute at all is 409 nothing_to_compute.",
)
def region_runs_compute(
    request: HttpRequest, payload: BatchComputeIn, region_code: str = REGION_CODE
) -> dict[str, Any]:
    result = writes.runs_compute_batch(
        user=request.auth, region_code=region_code, year=payload.year, via="api"
    )
    return _out(result)


@router.post(
    "/regions/{region_code}/distribution-runs/post",
    response={200: BatchOut, **WRITE_ERRORS},
    summary="批量记账 / Post a region's approved runs",
    description="记账该地区本年度全部已经成员大会通过的分配方案，与逐个记账结果相同。\n\nPost every approved run of "
    "the year of the bodies in the region, exactly as posting each alone." + NOTE,
)
def region_runs_post(
    request: HttpRequest, payload: BatchPostIn, region_code: str = REGION_CODE
) -> dict[str, Any]:
    result = writes.runs_post_batch(
        user=request.auth, region_code=region_code, year=payload.year, on=payload.on, via="api"
    )
    return _out(result)


@router.post(
    "/regions/{region_code}/distribution-runs/pay",
    response={200: BatchOut, **WRITE_ERRORS},
    summary="批量发放 / Pay a region's posted runs in full",
    description="发放该地区本年度全部已记账方案的应发现金（全额），与逐个发放结果相同；发放给农户的金额记为该户收入。"
    "\n\nPay every posted run of the year in the region in full, exactly as paying each alone; a household's "
    "payment becomes its income line." + NOTE,
)
def region_runs_pay(
    request: HttpRequest, payload: BatchPayIn, region_code: str = REGION_CODE
) -> dict[str, Any]:
    result = writes.runs_pay_batch(
        user=request.auth,
        region_code=region_code,
        year=payload.year,
        on=payload.on,
        method=payload.method,
        reference=payload.reference,
        via="api",
    )
    return _out(result)
