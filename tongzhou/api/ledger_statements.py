"""Statements of the books and the year close (账簿报表与年终结账): of one book, or rolled up for a region, as JSON,
XLSX, CSV or PDF. Reads go through `ledger.statements.read`, the year close through `ledger.services.year_close`
(via="api"); the scope checks, validation and audit live there."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from ninja.responses import Status

from tongzhou.ledger.services.year_close import year_close
from tongzhou.ledger.statements import exports
from tongzhou.ledger.statements.builders import KINDS
from tongzhou.ledger.statements.read import (
    KIND_ALIASES,
    book_get,
    resolve_period,
    statement_for_book,
    statement_for_region,
)

from .common import READ_ERRORS, WRITE_ERRORS

router = Router(tags=["账簿报表 Statements"])

Kind = Literal[(*KINDS, *KIND_ALIASES)]  # type: ignore[valid-type]
Format = Literal["json", "xlsx", "pdf", "csv"]
BOOK_ID = Path(..., description="账套 ID / book id")
REGION = Path(..., description="地区代码 / region code")
KIND = Path(..., description="报表 / statement")
FORMAT = Query("json", description="json | xlsx | pdf | csv")


def _query(request: HttpRequest) -> dict[str, Any]:
    return {
        "period": request.GET.get("period"),
        "date_from": request.GET.get("from"),
        "date_to": request.GET.get("to"),
    }


def _answer(statement, fmt: str) -> Any:
    if fmt == "json":
        return exports.to_json(statement)
    body = exports.render(statement, fmt)
    response = HttpResponse(body, content_type=exports.CONTENT_TYPES[fmt])
    name = exports.filename(statement, fmt)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


class StatementOut(Schema):
    kind: str
    title: str
    form: str
    entity: str
    unit: str
    columns: list[str]
    money_columns: list[int]
    rows: list[list[Any]]
    figures: dict[str, list[Any]]
    checks: dict[str, bool]

    model_config = {"extra": "allow"}


DESCRIPTION = (
    "期间：`period`=2025（年）、2025-03（月）、2025-Q2（季度），或 `from`/`to`（YYYY-MM-DD）。"
    "`format`=json（金额为分和元）、xlsx、csv、pdf（官方格式）。资产负债表的年初数取 `to` 所在年度 1 月 1 日；"
    "盈余及盈余分配表（收益及收益分配表）含上年同期；明细账须给 `account`，成员科目可加 `member`。"
    "\n\nPeriod: `period` = 2025 (a year), 2025-03 (a month), 2025-Q2 (a quarter), or `from`/`to` (YYYY-MM-DD). "
    "`format` = json (amounts in fen and yuan), xlsx, csv, pdf (the official layout). The balance sheet's opening "
    "column is 1 January of the year of `to`; the surplus statement has the same period a year earlier; the "
    "subsidiary ledger needs `account`, and `member` on a member account. Kinds: " + ", ".join(KINDS) + "."
)


@router.get(
    "/books/{book_id}/statements/{kind}",
    response={200: StatementOut, **READ_ERRORS},
    summary="账套报表 / A statement of one book",
    description=DESCRIPTION,
)
def book_statement(
    request: HttpRequest,
    book_id: int = BOOK_ID,
    kind: Kind = KIND,
    format: Format = FORMAT,
    period: str | None = None,
    account: str | None = None,
    member: int | None = None,
):
    book = book_get(user=request.auth, book_id=book_id)
    date_from, date_to = resolve_period(**_query(request))
    statement = statement_for_book(
        user=request.auth,
        book=book,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        account=account,
        member=member,
    )
    return _answer(statement, format)


@router.get(
    "/regions/{code}/statements/{kind}",
    response={200: StatementOut, **READ_ERRORS},
    summary="地区汇总报表 / A statement rolled up for a region",
    description="本地区及下级所有同一会计制度账套之和（合作社与集体经济组织分别汇总，`standard`）。\n\n"
    "The sum of every book under the region kept to one chart (cooperatives and collectives apart, `standard`). "
    + DESCRIPTION,
)
def region_statement(
    request: HttpRequest,
    code: str = REGION,
    kind: Kind = KIND,
    standard: Literal["farmers_cooperative", "collective_organisation"] = "farmers_cooperative",
    format: Format = FORMAT,
    period: str | None = None,
):
    date_from, date_to = resolve_period(**_query(request))
    statement = statement_for_region(
        user=request.auth,
        region_code=code,
        standard=standard,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
    )
    return _answer(statement, format)


class YearCloseIn(Schema):
    year: int

    model_config = {"extra": "forbid"}


class YearCloseOut(Schema):
    book: int
    year: int
    closed_through_year: int
    vouchers: list[dict[str, Any]]


@router.post(
    "/books/{book_id}/year-close",
    response={200: YearCloseOut, **WRITE_ERRORS},
    summary="年终结账 / Close the year",
    description="各月已结账、无未记账凭证时：损益类科目余额结转本年盈余（本年收益），本年盈余结转盈余分配（收益分配），"
    "结账 12 月并将该年度标记为已结账；之后该年度不能再记账或登记成员交易。按年度顺序进行。\n\n"
    "With every month closed and no draft left: carry every profit-and-loss balance into the year's result and "
    "that into its distribution, close December and mark the year closed; nothing is posted or recorded in it "
    "afterwards. Years close in order. A refused request changes nothing.",
)
def book_year_close(request: HttpRequest, payload: YearCloseIn, book_id: int = BOOK_ID) -> Status:
    book = book_get(user=request.auth, book_id=book_id)
    vouchers = year_close(user=request.auth, book=book, year=payload.year, via="api")
    return Status(
        200,
        {
            "book": book.pk,
            "year": payload.year,
            "closed_through_year": payload.year,
            "vouchers": [
                {
                    "id": v.pk,
                    "number": v.number,
                    "date": v.date.isoformat(),
                    "summary": v.summary,
                    "lines": [
                        {"account": ln.account.code, "debit_fen": ln.debit_fen, "credit_fen": ln.credit_fen}
                        for ln in v.lines.select_related("account").order_by("line_no")
                    ],
                }
                for v in vouchers
            ],
        },
    )
