"""Guaranteed payments endpoints (保底收益): a body's year computed from its bylaws and share ledger (preview), booked
as a cost before the surplus (and paid at once, or later), reversed while unpaid.

Every read and write goes through `distribution.services.guarantees` with via="api": scope, the bylaws, the one
booking per year, the vouchers, the households' income lines and the audit live there. Money goes out as a yuan
string and as fen. A refused request changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field

from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.distribution.models import GuaranteeBooking
from tongzhou.distribution.services import guarantees as service

from .common import COOP_ID, READ_ERRORS, WRITE_ERRORS, money_fields

router = Router(tags=["保底收益 Guaranteed payments"])

BOOKING_ID = Path(..., ge=1, description="保底收益记录编号 / Booking id")
WRITE_NOTE = (
    "\n\n违反规则返回 400（details.fields.<字段>，details.article 指明章程条款），该年度已记账或状态不对返回 409，"
    "类型或未知字段返回 422；出错时不改动任何数据。"
    "\n\nA broken rule answers 400 (details.fields.<field>, details.article names the bylaws' term), a year already "
    "booked or a wrong state 409, a wrong type or unknown field 422; a refused request changes nothing."
)


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class GuaranteeYearQuery(Schema):
    year: int = Field(..., ge=1990, le=2100, description="年度 / Year")


class GuaranteeListQuery(Schema):
    year: int | None = Field(None, ge=1990, le=2100, description="年度 / Year")


class GuaranteeBookIn(_In):
    year: int = Field(..., description="年度 / Year")
    on: dt.date | None = Field(
        None, description="记账日期，默认 12 月 31 日 / Booking date, 31 December by default"
    )
    pay: bool = Field(False, description="同时发放 / Pay at once")
    paid_on: dt.date | None = Field(
        None, description="发放日期，默认记账日期 / Payment date, the booking's by default"
    )


class GuaranteeDateIn(_In):
    on: dt.date | None = Field(None, description="日期，默认记账日期 / Date, the booking's date by default")


class GuaranteeLineOut(Schema):
    member_id: int
    member_name: str
    household_id: int | None
    share_class: str = Field(description="股份类别 / Share class kind: land, fiscal_poverty, …")
    basis: str = Field(description="per_mu | per_unit")
    units: str = Field(description="年末持有量（亩或股）/ Units held on 31 December")
    units_centi: int
    rate: str = Field(description="保底标准（元/亩或股）/ Rate per unit, yuan")
    rate_fen: int
    amount: str
    amount_fen: int


class GuaranteePreviewOut(Schema):
    body_id: int
    year: int
    bylaws_id: int
    bylaws_effective_from: dt.date
    guaranteed_payments: list[dict[str, Any]] = Field(description="章程保底条款 / The bylaws' guarantees")
    total: str
    total_fen: int
    lines: list[GuaranteeLineOut]


class GuaranteeBookingOut(Schema):
    id: int
    body_id: int
    body_name: str
    year: int
    standard: str
    total: str
    total_fen: int
    booked_on: dt.date
    paid_on: dt.date | None
    reversed_on: dt.date | None
    status: str = Field(description="booked | paid | reversed")
    voucher_ids: list[int]
    payment_voucher_ids: list[int]
    reversal_voucher_ids: list[int]
    inputs: dict[str, Any]
    lines: list[GuaranteeLineOut]


class GuaranteeBookingList(Schema):
    count: int
    results: list[GuaranteeBookingOut]


def _units(centi: int) -> str:
    return f"{centi // 100}.{centi % 100:02d}"


def _line(
    member_id, name, household_id, share_class, basis, units_centi, rate_fen, amount_fen
) -> dict[str, Any]:
    return {
        "member_id": member_id,
        "member_name": name,
        "household_id": household_id,
        "share_class": share_class,
        "basis": basis,
        "units": _units(units_centi),
        "units_centi": units_centi,
        **money_fields("rate", rate_fen),
        **money_fields("amount", amount_fen),
    }


def booking_out(booking: GuaranteeBooking) -> dict[str, Any]:
    status = "reversed" if booking.reversed_on else "paid" if booking.paid_on else "booked"
    return {
        "id": booking.pk,
        "body_id": booking.body_id,
        "body_name": booking.body.name,
        "year": booking.year,
        "standard": booking.standard,
        **money_fields("total", booking.total_fen),
        "booked_on": booking.booked_on,
        "paid_on": booking.paid_on,
        "reversed_on": booking.reversed_on,
        "status": status,
        "voucher_ids": sorted(v.pk for v in booking.vouchers.all()),
        "payment_voucher_ids": sorted(v.pk for v in booking.payment_vouchers.all()),
        "reversal_voucher_ids": sorted(v.pk for v in booking.reversal_vouchers.all()),
        "inputs": booking.inputs,
        "lines": [
            _line(
                x.member_id,
                x.display_name,
                x.household_id,
                x.share_class,
                x.basis,
                x.units_centi,
                x.rate_fen,
                x.amount_fen,
            )
            for x in booking.lines.order_by("member_id", "share_class")
        ],
    }


@router.get(
    "/coops/{coop_id}/guarantees/preview",
    response={200: GuaranteePreviewOut, **READ_ERRORS},
    summary="保底收益试算 / Preview a year's guaranteed payments",
    description="按 12 月 31 日生效的章程和当日的股份持有量计算各成员的保底收益（每行四舍五入到分），不写入任何数据。"
    "章程未约定保底收益 400 no_guarantees，当日无生效章程 400 no_bylaws。\n\nEach member's guaranteed payments "
    "from the bylaws in force on 31 December and the units held that day (each line rounded half up to the fen); "
    "nothing is written. Bylaws without guarantees 400 no_guarantees, none in force 400 no_bylaws.",
)
def guarantees_preview(
    request: HttpRequest, query: Query[GuaranteeYearQuery], coop_id: int = COOP_ID
) -> dict[str, Any]:
    user = request.auth
    body = cooperative_get(user=user, cooperative_id=coop_id)
    preview = service.guarantees_preview(user=user, body=body, year=query.year)
    return {
        "body_id": body.pk,
        "year": preview.year,
        "bylaws_id": preview.bylaws.pk,
        "bylaws_effective_from": preview.bylaws.effective_from,
        "guaranteed_payments": list(preview.guarantees),
        **money_fields("total", preview.total_fen),
        "lines": [
            _line(
                x.member.pk,
                x.member.display_name,
                x.member.household_id,
                x.share_class,
                x.basis,
                x.units_centi,
                x.rate_fen,
                x.amount_fen,
            )
            for x in preview.lines
        ],
    }


@router.get(
    "/coops/{coop_id}/guarantee-bookings",
    response={200: GuaranteeBookingList, **READ_ERRORS},
    summary="保底收益记录 / A body's bookings",
    description="组织各年度的保底收益记录（含已冲销的），新年度在前，可按年度筛选。\n\nA body's bookings of "
    "guaranteed payments (reversed ones included), newest year first, by year.",
)
def guarantees_list(
    request: HttpRequest, query: Query[GuaranteeListQuery], coop_id: int = COOP_ID
) -> dict[str, Any]:
    user = request.auth
    body = cooperative_get(user=user, cooperative_id=coop_id)
    bookings = list(service.guarantee_list(user=user, body=body, year=query.year).select_related("body"))
    return {"count": len(bookings), "results": [booking_out(b) for b in bookings]}


@router.post(
    "/coops/{coop_id}/guarantee-bookings",
    response={201: GuaranteeBookingOut, **WRITE_ERRORS},
    summary="保底收益记账（可同时发放）/ Book (and pay) a year's guaranteed payments",
    description="把该年度的保底收益作为分配前的成本记账（借：经营支出；贷：成员往来/内部往来，按成员），日期默认 12 月"
    " 31 日，须在该年度内、未结账的月份；pay=true 时同时发放（借：成员往来；贷：银行存款），农户成员的每行记为该户收入。"
    "每个组织每年一次（409 guarantees_already_booked）；该年度分配方案已记账时拒绝（409 distribution_already_posted）。"
    "\n\nBook the year's guaranteed payments as a cost before the surplus (Dr 经营支出 / Cr 成员往来 or 内部往来 per "
    "member), on 31 December unless given, in the year and an open month; with pay=true pay them at once (Dr "
    "成员往来 / Cr 银行存款), each household member's line becoming its income line. Once per body and year (409 "
    "guarantees_already_booked); refused once the year's distribution is posted (409 distribution_already_posted)."
    + WRITE_NOTE,
)
def guarantees_book(request: HttpRequest, payload: GuaranteeBookIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    body = cooperative_get(user=user, cooperative_id=coop_id)
    booking = service.guarantees_book(
        user=user,
        body=body,
        year=payload.year,
        on=payload.on,
        pay=payload.pay,
        paid_on=payload.paid_on,
        via="api",
    )
    return Status(201, booking_out(service.guarantee_get(user=user, booking_id=booking.pk)))


@router.get(
    "/guarantee-bookings/{booking_id}",
    response={200: GuaranteeBookingOut, **READ_ERRORS},
    summary="保底收益记录 / One booking with its lines",
    description="一条保底收益记录：计算依据、每个成员每类股份的明细、记账、发放和冲销凭证。\n\nOne booking: its "
    "inputs, each member's line per share class, and its booking, payment and reversal vouchers.",
)
def guarantees_get(request: HttpRequest, booking_id: int = BOOKING_ID) -> dict[str, Any]:
    return booking_out(service.guarantee_get(user=request.auth, booking_id=booking_id))


@router.post(
    "/guarantee-bookings/{booking_id}/pay",
    response={200: GuaranteeBookingOut, **WRITE_ERRORS},
    summary="发放保底收益 / Pay a booking",
    description="全额发放已记账的保底收益（日期默认记账日期，不得早于记账日期）；农户成员的每行记为该户收入。已发放 409 "
    "guarantees_already_paid。\n\nPay a booking in full (dated the booking's day unless given, not before it); each "
    "household member's line becomes its income line. Already paid: 409 guarantees_already_paid."
    + WRITE_NOTE,
)
def guarantees_pay(
    request: HttpRequest, payload: GuaranteeDateIn, booking_id: int = BOOKING_ID
) -> dict[str, Any]:
    user = request.auth
    booking = service.guarantee_get(user=user, booking_id=booking_id)
    service.guarantees_pay(user=user, booking=booking, on=payload.on, via="api")
    return booking_out(service.guarantee_get(user=user, booking_id=booking_id))


@router.post(
    "/guarantee-bookings/{booking_id}/reverse",
    response={200: GuaranteeBookingOut, **WRITE_ERRORS},
    summary="冲销保底收益 / Reverse an unpaid booking",
    description="红字冲销尚未发放的保底收益记账凭证，之后可重新记账本年度；已发放的不能冲销（409 guarantees_paid）。\n\n"
    "Reverse an unpaid booking's vouchers in red ink; the year may then be booked again. A paid booking is not "
    "reversed (409 guarantees_paid)." + WRITE_NOTE,
)
def guarantees_reverse(
    request: HttpRequest, payload: GuaranteeDateIn, booking_id: int = BOOKING_ID
) -> dict[str, Any]:
    user = request.auth
    booking = service.guarantee_get(user=user, booking_id=booking_id)
    service.guarantees_reverse(user=user, booking=booking, on=payload.on, via="api")
    return booking_out(service.guarantee_get(user=user, booking_id=booking_id))
