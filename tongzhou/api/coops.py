"""Cooperative endpoints (合作社): cooperatives, bylaws, members, shares, transactions, member accounts, coverage.

Every read goes through the coops selectors and every write through the coops services, with via="api": the
scope checks, validation and audit live there. Money goes out as a yuan string and as fen, and comes in as yuan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
import tempfile
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Path, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from tongzhou.coops.members_import import members_import
from tongzhou.coops.models import Bylaws, Cooperative, Member, MemberTransaction, ShareClass, ShareEntry
from tongzhou.coops.selectors.cooperatives import bylaws_versions, cooperative_get, cooperative_list
from tongzhou.coops.selectors.membership import member_coverage, member_get, member_list
from tongzhou.coops.selectors.region_accounts import RegionAccount, region_member_accounts
from tongzhou.coops.selectors.shares import holdings_at, member_accounts, share_class_list, share_ledger
from tongzhou.coops.selectors.transactions import transaction_list
from tongzhou.coops.services.cooperatives import bylaws_adopt, cooperative_create, cooperative_update
from tongzhou.coops.services.membership import member_apply, member_approve, member_exit_notify, member_reject
from tongzhou.coops.services.shares import (
    member_exit_settle,
    poverty_shares_convert,
    share_class_create,
    share_inherit,
    share_redeem,
    share_subscribe,
    share_transfer,
)
from tongzhou.coops.services.transactions import transaction_record
from tongzhou.coops.shares_import import shares_import
from tongzhou.coops.transactions_import import transactions_import
from tongzhou.core.errors import ImportRejected, InvalidInput, NotFound
from tongzhou.core.money import fen_to_yuan_str, yuan_to_fen
from tongzhou.households.selectors import household_get, person_get, shows_full_identifiers
from tongzhou.regions.scope import require_write
from tongzhou.regions.selectors import region_get
from tongzhou.rollups.coverage import FIGURE_FIELDS
from tongzhou.rollups.selectors import coop_figures

from .common import COOP_ID, READ_ERRORS, WRITE_ERRORS, money_fields
from .errors import RequestInvalid, UploadTooLarge, shown_rejection
from .paging import paged
from .schemas import Error
from .schemas_coops import (
    AccountsQuery,
    BylawsIn,
    BylawsOut,
    ConversionIn,
    CooperativeFilters,
    CooperativeIn,
    CooperativeOut,
    CooperativePage,
    CooperativePatch,
    CoopFiguresOut,
    CoverageOut,
    HoldingsOut,
    HoldingsQuery,
    InheritanceIn,
    LedgerFilters,
    MemberAccountOut,
    MemberApplyIn,
    MemberApproveIn,
    MemberExitNoticeIn,
    MemberExitSettlementIn,
    MemberFilters,
    MemberOut,
    MemberPage,
    MemberRejectIn,
    RedemptionIn,
    RegionAccountPage,
    RegionAccountsQuery,
    ShareClassIn,
    ShareClassOut,
    ShareEntryOut,
    ShareEntryPage,
    SubscriptionIn,
    TransactionFilters,
    TransactionIn,
    TransactionOut,
    TransactionPage,
    TransferIn,
)

router = Router(tags=["合作社 Cooperatives"])

WRITE_NOTE = (
    "\n\n违反规则返回 400（details.fields.<字段>），冲突或重复返回 409，类型或未知字段返回 422；出错时不改动任何数据。"
    "\n\nA broken rule answers 400 (details.fields.<field>), a conflict or duplicate 409, a wrong type or unknown "
    "field 422; a refused request changes nothing."
)

MEMBER_ID = Path(..., ge=1, description="成员编号 / Member id")
CODE_PATH = Path(..., pattern=r"^\d{2,12}$", description="统计用区划代码 / Statistical division code")


# ---------------------------------------------------------------- helpers


def _field_error(field: str, zh: str, en: str, code: str) -> InvalidInput:
    return InvalidInput(
        zh, en, code=code, details={"fields": {field: {"message_zh": zh, "message_en": en, "code": code}}}
    )


def _fen(field: str, yuan: str) -> int:
    """A yuan string of the request as fen; a bad one is a 400 naming the field."""
    try:
        return yuan_to_fen(yuan)
    except InvalidInput as exc:
        raise _field_error(field, exc.message_zh, exc.message_en, "money") from None


def _quantity(value: Decimal) -> str:
    """A quantity with its three decimals, whatever the database's sum left of them."""
    return format(Decimal(value).quantize(Decimal("0.001")), "f")


def _units(centi: int) -> str:
    return fen_to_yuan_str(centi)  # hundredths of a unit print like fen: two decimals, signed


def _member_of(user, cooperative: Cooperative, member_id: int, field: str = "member_id") -> Member:
    """A member of this cooperative; one of another cooperative is named as a bad field."""
    member = member_get(user=user, member_id=member_id)
    if member.cooperative_id != cooperative.pk:
        raise _field_error(
            field,
            "该成员不属于本社。",
            "The member belongs to another cooperative.",
            "member_of_other_cooperative",
        )
    return member


def _path_member(user, cooperative: Cooperative, member_id: int) -> Member:
    member = member_get(user=user, member_id=member_id)
    if member.cooperative_id != cooperative.pk:
        raise NotFound("找不到该成员。", "No such member.", details={"id": member_id})
    return member


def _share_class_of(user, cooperative: Cooperative, share_class_id: int) -> ShareClass:
    found = share_class_list(user=user, cooperative=cooperative).filter(pk=share_class_id).first()
    if found is None:
        raise _field_error(
            "share_class_id",
            "本社没有该股份类别。",
            "The cooperative has no such share class.",
            "unknown_class",
        )
    return found


# ---------------------------------------------------------------- output


def cooperative_out(cooperative: Cooperative) -> dict[str, Any]:
    return {
        "id": cooperative.pk,
        "name": cooperative.name,
        "credit_code": cooperative.credit_code,
        "level": cooperative.level,
        "level_label": str(cooperative.get_level_display()),
        "legal_form": cooperative.legal_form,
        "region_code": cooperative.region_code,
        "county_code": cooperative.county_code,
        "founded_on": cooperative.founded_on,
        "industry": cooperative.industry,
        "chairperson_id": cooperative.chairperson_id,
        "chairperson_name": cooperative.chairperson_name,
        "board": [
            {"name": s.get("name", ""), "position": s.get("position", ""), "person_id": s.get("person_id")}
            for s in cooperative.board
        ],
        "party_organisation_name": cooperative.party_organisation_name,
        "closed_through_year": cooperative.closed_through_year,
        "created_at": cooperative.created_at,
        "updated_at": cooperative.updated_at,
    }


def bylaws_out(bylaws: Bylaws) -> dict[str, Any]:
    return {
        "id": bylaws.pk,
        "cooperative_id": bylaws.cooperative_id,
        "effective_from": bylaws.effective_from,
        "adopted_on": bylaws.adopted_on,
        "reserve_rate_bp": bylaws.reserve_rate_bp,
        "patronage_share_bp": bylaws.patronage_share_bp,
        "transaction_basis": bylaws.transaction_basis,
        "patronage_transaction_kinds": list(bylaws.patronage_transaction_kinds),
        "guaranteed_payments": [
            {"share_class": g["share_class"], "basis": g["basis"], **money_fields("amount", g["amount_fen"])}
            for g in bylaws.guaranteed_payments
        ],
        "remainder_split": dict(bylaws.remainder_split),
        "secondary_distribution_bp": bylaws.secondary_distribution_bp,
        "secondary_distribution_target": bylaws.secondary_distribution_target,
        "join_rules": bylaws.join_rules,
        "exit_notice_months": bylaws.exit_notice_months,
        "organisation_exit_notice_months": bylaws.organisation_exit_notice_months,
        "transfer_to_non_members": bylaws.transfer_to_non_members,
        "poverty_share_conversion_years": bylaws.poverty_share_conversion_years,
        "notes": bylaws.notes,
        "created_at": bylaws.created_at,
    }


def member_out(user, member: Member) -> dict[str, Any]:
    person = member.person
    full = person is not None and shows_full_identifiers(user=user, village_code=person.village_code)
    id_number = None if person is None else (person.id_number if full else person.masked_id_number)
    return {
        "id": member.pk,
        "cooperative_id": member.cooperative_id,
        "kind": member.kind,
        "status": member.status,
        "status_label": str(member.get_status_display()),
        "display_name": member.display_name,
        "household_id": member.household_id,
        "person_id": member.person_id,
        "person_id_number": id_number,
        "member_cooperative_id": member.member_cooperative_id,
        "organisation_name": member.organisation_name,
        "organisation_credit_code": member.organisation_credit_code,
        "is_farmer": member.is_farmer,
        "is_village_cadre": member.is_village_cadre,
        "is_woman": member.is_woman,
        "village_code": member.village_code,
        "applied_on": member.applied_on,
        "joined_on": member.joined_on,
        "exit_notice_on": member.exit_notice_on,
        "exit_effective_on": member.exit_effective_on,
        "exit_settled_on": member.exit_settled_on,
        **money_fields("exit_capital_returned", member.exit_capital_returned_fen),
        **money_fields("exit_reserve_returned", member.exit_reserve_returned_fen),
        "notes": member.notes,
        "identifiers_masked": person is not None and not full,
    }


def share_class_out(share_class: ShareClass) -> dict[str, Any]:
    return {
        "id": share_class.pk,
        "cooperative_id": share_class.cooperative_id,
        "kind": share_class.kind,
        "kind_label": str(share_class.get_kind_display()),
        "name": share_class.name,
        "unit_name": share_class.unit_name,
        **money_fields("unit_value", share_class.unit_value_fen),
        "is_capital": share_class.is_capital,
        "transferable": share_class.transferable,
    }


def share_entry_out(entry: ShareEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "member_id": entry.member_id,
        "member_name": entry.member.display_name,
        "share_class_id": entry.share_class_id,
        "share_class_kind": entry.share_class.kind,
        "entry_type": entry.entry_type,
        "entry_type_label": str(entry.get_entry_type_display()),
        "on": entry.on,
        "units": _units(entry.units_centi),
        "units_centi": entry.units_centi,
        **money_fields("amount", entry.amount_fen),
        "counterparty_id": entry.counterparty_id,
        "movement": str(entry.movement) if entry.movement else None,
        "reason": entry.reason,
        "created_at": entry.created_at,
    }


def transaction_out(row: MemberTransaction) -> dict[str, Any]:
    return {
        "id": row.pk,
        "member_id": row.member_id,
        "member_name": row.member.display_name if row.member else row.counterparty_name,
        "is_member": row.is_member,
        "counterparty_name": row.counterparty_name,
        "kind": row.kind,
        "kind_label": str(row.get_kind_display()),
        "on": row.on,
        "year": row.year,
        "product": row.product,
        "grade": row.grade,
        "quantity": _quantity(row.quantity),
        "unit": row.unit,
        **money_fields("unit_price", row.unit_price_fen),
        **money_fields("amount", row.amount_fen),
        "created_at": row.created_at,
    }


def _entries_out(entries: list[ShareEntry]) -> list[dict[str, Any]]:
    ids = [e.pk for e in entries]
    rows = ShareEntry.objects.filter(pk__in=ids).select_related("member", "share_class").order_by("id")
    return [share_entry_out(e) for e in rows]


# ---------------------------------------------------------------- cooperatives


@router.get(
    "/coops",
    response={200: CooperativePage, **READ_ERRORS},
    summary="合作社列表 / List cooperatives",
    description="可查看范围内的村级合作社、乡镇联合社和县级平台公司，可按地区（含下级）和层级筛选。\n\n"
    "Village cooperatives, township unions and county platforms within the caller's scopes, by region "
    "(with descendants) and level.",
)
def coops_list(request: HttpRequest, filters: Query[CooperativeFilters]) -> dict[str, Any]:
    qs = cooperative_list(user=request.auth, region_code=filters.region, level=filters.level)
    return paged(qs, filters, cooperative_out)


@router.post(
    "/coops",
    response={201: CooperativeOut, **WRITE_ERRORS},
    summary="登记合作社 / Register a cooperative",
    description="在可修改的地区登记合作社；统一社会信用代码按 GB 32100 校验且不得重复，地区代码位数随层级。"
    "\n\nRegister a cooperative in a writable region; the credit code is checked per GB 32100 and must be new; "
    "the region code's length follows the level." + WRITE_NOTE,
)
def coops_create(request: HttpRequest, payload: CooperativeIn) -> Status:
    user = request.auth
    data = payload.model_dump(exclude_unset=True)
    chairperson_id = data.pop("chairperson_id", None)
    if chairperson_id is not None:
        data["chairperson"] = person_get(user=user, person_id=chairperson_id)
    cooperative = cooperative_create(user=user, via="api", **data)
    return Status(201, cooperative_out(cooperative))


@router.get(
    "/coops/{coop_id}",
    response={200: CooperativeOut, **READ_ERRORS},
    summary="合作社详情 / A cooperative",
    description="一个合作社。\n\nOne cooperative.",
)
def coops_get(request: HttpRequest, coop_id: int = COOP_ID) -> dict[str, Any]:
    return cooperative_out(cooperative_get(user=request.auth, cooperative_id=coop_id))


@router.patch(
    "/coops/{coop_id}",
    response={200: CooperativeOut, **WRITE_ERRORS},
    summary="修改合作社 / Change a cooperative",
    description="只改给出的字段；层级、组织形式和地区不能改。\n\nOnly the fields sent change; the level, legal form "
    "and region are fixed." + WRITE_NOTE,
)
def coops_update(request: HttpRequest, payload: CooperativePatch, coop_id: int = COOP_ID) -> dict[str, Any]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    data = payload.model_dump(exclude_unset=True)
    if "chairperson_id" in data:
        chairperson_id = data.pop("chairperson_id")
        data["chairperson"] = (
            None if chairperson_id is None else person_get(user=user, person_id=chairperson_id)
        )
    return cooperative_out(cooperative_update(user=user, cooperative=cooperative, via="api", **data))


# ---------------------------------------------------------------- bylaws


@router.get(
    "/coops/{coop_id}/bylaws",
    response={200: list[BylawsOut], **READ_ERRORS},
    summary="章程各版本 / Bylaws versions",
    description="合作社章程的全部版本，新者在前；过去的年度按当时生效的版本。\n\n"
    "Every bylaws version, newest first; past years keep the version they ran under.",
)
def bylaws_list(request: HttpRequest, coop_id: int = COOP_ID) -> list[dict[str, Any]]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    return [bylaws_out(b) for b in bylaws_versions(user=user, cooperative=cooperative)]


@router.post(
    "/coops/{coop_id}/bylaws",
    response={201: BylawsOut, **WRITE_ERRORS},
    summary="通过新版章程 / Adopt a bylaws version",
    description="记录成员大会通过的新版章程，自 effective_from 起生效，须晚于现行版本且不在已结账年度；"
    "按交易量返还比例不得低于 60%（农民专业合作社法第44条）。省略的条款取法定默认值。\n\n"
    "Record a version adopted by the members' assembly, in force from effective_from (after the latest version, "
    "not in a closed year); the patronage share is at least 6000 bp (Art. 44). Terms left out take the law's "
    "defaults." + WRITE_NOTE,
)
def bylaws_create(request: HttpRequest, payload: BylawsIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    data = payload.model_dump(exclude_unset=True)
    if data.get("guaranteed_payments") is not None:
        data["guaranteed_payments"] = [
            {
                "share_class": g["share_class"],
                "basis": g["basis"],
                "amount_fen": _fen("guaranteed_payments", g["amount"]),
            }
            for g in data["guaranteed_payments"]
        ]
    terms = {k: v for k, v in data.items() if v is not None}
    bylaws = bylaws_adopt(user=user, cooperative=cooperative, via="api", **terms)
    return Status(201, bylaws_out(bylaws))


# ---------------------------------------------------------------- members


@router.get(
    "/coops/{coop_id}/members",
    response={200: MemberPage, **READ_ERRORS},
    summary="成员与申请 / Members and applicants",
    description="合作社的成员和入社申请，可按状态筛选；身份证号码按角色遮蔽。\n\n"
    "The cooperative's members and applicants, by status; ID numbers masked per role.",
)
def members_list(
    request: HttpRequest, filters: Query[MemberFilters], coop_id: int = COOP_ID
) -> dict[str, Any]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    qs = member_list(user=user, cooperative=cooperative, status=filters.status).select_related("person")
    return paged(qs, filters, lambda m: member_out(user, m))


@router.post(
    "/coops/{coop_id}/members",
    response={201: MemberOut, **WRITE_ERRORS},
    summary="申请入社 / Apply to join",
    description="记录入社申请：本村农户（以户主或指定家庭成员的名义）、合作社或村集体经济组织、或单位（须有信用代码），"
    "三者只能给一个。农民成员不少于80%，单位成员受第20条限制。\n\n"
    "Record an application: a household of the region (through its head or a named person), a cooperative or "
    "the village collective, or an organisation with its credit code; exactly one. Art. 20's composition "
    "holds." + WRITE_NOTE,
)
def members_apply(request: HttpRequest, payload: MemberApplyIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    data = payload.model_dump(exclude_unset=True)
    household_id = data.pop("household_id", None)
    person_id = data.pop("person_id", None)
    member_cooperative_id = data.pop("member_cooperative_id", None)
    if household_id is not None:
        data["household"] = household_get(user=user, household_id=household_id)
    if person_id is not None:
        data["person"] = person_get(user=user, person_id=person_id)
    if member_cooperative_id is not None:
        data["member_cooperative"] = cooperative_get(user=user, cooperative_id=member_cooperative_id)
    data = {k: v for k, v in data.items() if v is not None}
    member = member_apply(user=user, cooperative=cooperative, via="api", **data)
    return Status(201, member_out(user, member))


@router.post(
    "/coops/{coop_id}/members/{member_id}/approve",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="批准入社 / Approve an application",
    description="自 joined_on 起成为在册成员。\n\nAdmit the applicant from joined_on." + WRITE_NOTE,
)
def members_approve(
    request: HttpRequest, payload: MemberApproveIn, coop_id: int = COOP_ID, member_id: int = MEMBER_ID
) -> dict[str, Any]:
    user = request.auth
    member = _path_member(user, cooperative_get(user=user, cooperative_id=coop_id), member_id)
    return member_out(user, member_approve(user=user, member=member, joined_on=payload.joined_on, via="api"))


@router.post(
    "/coops/{coop_id}/members/{member_id}/reject",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="不予批准 / Reject an application",
    description="拒绝入社申请，理由记入备注。\n\nRefuse an application; the reason goes into the notes."
    + WRITE_NOTE,
)
def members_reject(
    request: HttpRequest, payload: MemberRejectIn, coop_id: int = COOP_ID, member_id: int = MEMBER_ID
) -> dict[str, Any]:
    user = request.auth
    member = _path_member(user, cooperative_get(user=user, cooperative_id=coop_id), member_id)
    return member_out(user, member_reject(user=user, member=member, reason=payload.reason, via="api"))


@router.post(
    "/coops/{coop_id}/members/{member_id}/exit-notice",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="申请退社 / Give notice of exit",
    description="成员书面申请退社，于年底退出；须在年底前3个月（单位成员6个月，或章程所定）提出（第25条）。\n\n"
    "A member's written notice to leave at the end of a year; due 3 months before (6 for organisations, or as the "
    "bylaws say; Art. 25)." + WRITE_NOTE,
)
def members_exit_notice(
    request: HttpRequest, payload: MemberExitNoticeIn, coop_id: int = COOP_ID, member_id: int = MEMBER_ID
) -> dict[str, Any]:
    user = request.auth
    member = _path_member(user, cooperative_get(user=user, cooperative_id=coop_id), member_id)
    member = member_exit_notify(
        user=user, member=member, notice_on=payload.notice_on, leave_in_year=payload.leave_in_year, via="api"
    )
    return member_out(user, member)


@router.post(
    "/coops/{coop_id}/members/{member_id}/exit-settlement",
    response={200: MemberOut, **WRITE_ERRORS},
    summary="退社结算 / Settle an exit",
    description="退社生效后退还出资和量化的公积金份额（第28条）；财政补助和捐赠形成的股份收回，不予退还。\n\n"
    "Once the exit has taken effect, return the capital and the quantified reserve share (Art. 28); subsidy-formed "
    "shares are withdrawn, not paid out." + WRITE_NOTE,
)
def members_exit_settle(
    request: HttpRequest, payload: MemberExitSettlementIn, coop_id: int = COOP_ID, member_id: int = MEMBER_ID
) -> dict[str, Any]:
    user = request.auth
    member = _path_member(user, cooperative_get(user=user, cooperative_id=coop_id), member_id)
    reserve_fen = _fen("reserve_share", payload.reserve_share)
    if reserve_fen < 0:
        raise _field_error(
            "reserve_share", "公积金份额不能为负。", "The reserve share must not be negative.", "negative"
        )
    member = member_exit_settle(
        user=user, member=member, on=payload.on, reserve_share_fen=reserve_fen, via="api"
    )
    return member_out(user, member)


# ---------------------------------------------------------------- share classes and the ledger


@router.get(
    "/coops/{coop_id}/share-classes",
    response={200: list[ShareClassOut], **READ_ERRORS},
    summary="股份类别 / Share classes",
    description="现金股、土地经营权股、劳务股、集体资产股、财政扶贫资金股、捐赠股，每单位作价。\n\n"
    "The cooperative's classes of shares with the value of one unit.",
)
def share_classes_list(request: HttpRequest, coop_id: int = COOP_ID) -> list[dict[str, Any]]:
    cooperative = cooperative_get(user=request.auth, cooperative_id=coop_id)
    return [share_class_out(c) for c in share_class_list(user=request.auth, cooperative=cooperative)]


@router.post(
    "/coops/{coop_id}/share-classes",
    response={201: ShareClassOut, **WRITE_ERRORS},
    summary="设立股份类别 / Create a share class",
    description="每类一社一个；财政扶贫资金股和捐赠股不计入出资（第44条）。\n\n"
    "One class per kind; fiscal poverty-fund and donation shares are not capital (Art. 44)." + WRITE_NOTE,
)
def share_classes_create(request: HttpRequest, payload: ShareClassIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    data = payload.model_dump(exclude_unset=True)
    data["unit_value_fen"] = _fen("unit_value", data.pop("unit_value"))
    share_class = share_class_create(user=user, cooperative=cooperative, via="api", **data)
    return Status(201, share_class_out(share_class))


@router.get(
    "/coops/{coop_id}/shares/ledger",
    response={200: ShareEntryPage, **READ_ERRORS},
    summary="股份台账 / Share ledger",
    description="只增不改的股份变动记录，按日期排序，可只看一名成员。\n\n"
    "The append-only share ledger, oldest first, optionally one member's entries.",
)
def shares_ledger(
    request: HttpRequest, filters: Query[LedgerFilters], coop_id: int = COOP_ID
) -> dict[str, Any]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    member = _member_of(user, cooperative, filters.member, "member") if filters.member else None
    return paged(share_ledger(user=user, cooperative=cooperative, member=member), filters, share_entry_out)


@router.get(
    "/coops/{coop_id}/shares/holdings",
    response={200: HoldingsOut, **READ_ERRORS},
    summary="某日持股 / Holdings at a date",
    description="截至某日（含）每名成员每类股份的持有量和作价，由台账汇总得出。\n\n"
    "Every member's holding of every class at the end of a day, summed from the ledger.",
)
def shares_holdings(
    request: HttpRequest, query: Query[HoldingsQuery], coop_id: int = COOP_ID
) -> dict[str, Any]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    on = query.on or dt.date.today()
    held = holdings_at(user=user, cooperative=cooperative, on=on)
    names = dict(member_list(user=user, cooperative=cooperative).values_list("id", "display_name"))
    kinds = dict(share_class_list(user=user, cooperative=cooperative).values_list("id", "kind"))
    rows = [
        {
            "member_id": member_id,
            "member_name": names.get(member_id, ""),
            "share_class_id": class_id,
            "share_class_kind": kinds.get(class_id, ""),
            "units": _units(h.units_centi),
            "units_centi": h.units_centi,
            **money_fields("amount", h.amount_fen),
        }
        for (member_id, class_id), h in sorted(held.items())
    ]
    return {
        "on": on,
        "holdings": rows,
        **money_fields("total_amount", sum(h.amount_fen for h in held.values())),
    }


@router.post(
    "/coops/{coop_id}/shares/subscriptions",
    response={201: list[ShareEntryOut], **WRITE_ERRORS},
    summary="认购股份 / Subscribe shares",
    description="在册成员认购：金额 = 数量 × 每单位作价，四舍五入到分（第13条）。\n\n"
    "An active member subscribes: amount = units × unit value, rounded half up to the fen (Art. 13)."
    + WRITE_NOTE,
)
def shares_subscribe(request: HttpRequest, payload: SubscriptionIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    entry = share_subscribe(
        user=user,
        member=_member_of(user, cooperative, payload.member_id),
        share_class=_share_class_of(request.auth, cooperative, payload.share_class_id),
        units=payload.units,
        on=payload.on,
        reason=payload.reason,
        via="api",
    )
    return Status(201, _entries_out([entry]))


@router.post(
    "/coops/{coop_id}/shares/transfers",
    response={201: list[ShareEntryOut], **WRITE_ERRORS},
    summary="转让股份 / Transfer shares",
    description="成员之间转让：不得超过所持；章程决定可否转给非成员；出资按比例随股转移。两条记录共用一个 movement。"
    "\n\nBetween members: never more than held; the bylaws decide on non-members; capital moves in proportion. "
    "Two entries share one movement." + WRITE_NOTE,
)
def shares_transfer(request: HttpRequest, payload: TransferIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    entries = share_transfer(
        user=user,
        from_member=_member_of(user, cooperative, payload.from_member_id, "from_member_id"),
        to_member=_member_of(user, cooperative, payload.to_member_id, "to_member_id"),
        share_class=_share_class_of(request.auth, cooperative, payload.share_class_id),
        units=payload.units,
        on=payload.on,
        reason=payload.reason,
        via="api",
    )
    return Status(201, _entries_out(list(entries)))


@router.post(
    "/coops/{coop_id}/shares/inheritances",
    response={201: list[ShareEntryOut], **WRITE_ERRORS},
    summary="继承股份 / Inherit shares",
    description="去世成员的全部股份整体转给作为成员的继承人。\n\n"
    "Every holding of a deceased member passes whole to an heir who is a member." + WRITE_NOTE,
)
def shares_inherit(request: HttpRequest, payload: InheritanceIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    entries = share_inherit(
        user=user,
        deceased_member=_member_of(user, cooperative, payload.deceased_member_id, "deceased_member_id"),
        heir_member=_member_of(user, cooperative, payload.heir_member_id, "heir_member_id"),
        on=payload.on,
        reason=payload.reason,
        via="api",
    )
    return Status(201, _entries_out(entries))


@router.post(
    "/coops/{coop_id}/shares/conversions",
    response={201: list[ShareEntryOut], **WRITE_ERRORS},
    summary="扶贫股转普通股 / Convert poverty-fund shares",
    description="脱贫满章程规定年限的农户，其财政扶贫资金股按同等价值转为现金股；可重复执行，已转换的不再转换。\n\n"
    "Fiscal poverty-fund shares of households out of poverty for the bylaws' years become cash shares of the "
    "same value; running it again converts nothing more." + WRITE_NOTE,
)
def shares_convert(request: HttpRequest, payload: ConversionIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    entries = poverty_shares_convert(user=user, cooperative=cooperative, on=payload.on, via="api")
    return Status(201, _entries_out(entries))


@router.post(
    "/coops/{coop_id}/shares/redemptions",
    response={201: list[ShareEntryOut], **WRITE_ERRORS},
    summary="退股 / Redeem shares",
    description="退还成员部分出资，不得超过所持；财政补助和捐赠形成的股份不退。\n\n"
    "Pay back part of a member's capital, never more than held; subsidy-formed shares are not paid back."
    + WRITE_NOTE,
)
def shares_redeem(request: HttpRequest, payload: RedemptionIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    entry = share_redeem(
        user=user,
        member=_member_of(user, cooperative, payload.member_id),
        share_class=_share_class_of(request.auth, cooperative, payload.share_class_id),
        units=payload.units,
        on=payload.on,
        reason=payload.reason,
        via="api",
    )
    return Status(201, _entries_out([entry]))


# ---------------------------------------------------------------- transactions, accounts, coverage


@router.get(
    "/coops/{coop_id}/transactions",
    response={200: TransactionPage, **READ_ERRORS},
    summary="成员交易 / Member transactions",
    description="成员与合作社的交易，非成员交易分开（第41条）；可按年度、成员、是否成员筛选。\n\n"
    "Transactions with members, non-member ones kept apart (Art. 41); by year, member or member/non-member.",
)
def transactions_list(
    request: HttpRequest, filters: Query[TransactionFilters], coop_id: int = COOP_ID
) -> dict[str, Any]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    member = _member_of(user, cooperative, filters.member, "member") if filters.member else None
    qs = transaction_list(
        user=user, cooperative=cooperative, year=filters.year, member=member, is_member=filters.is_member
    )
    return paged(qs, filters, transaction_out)


@router.post(
    "/coops/{coop_id}/transactions",
    response={201: TransactionOut, **WRITE_ERRORS},
    summary="记录交易 / Record a transaction",
    description="与在册成员（member_id）或非成员（counterparty_name）的一笔交易；金额须等于数量×单价（可省略），"
    "不能记在已结账年度，同一笔交易重复记录返回 409。\n\n"
    "One transaction with a member (member_id) or a named non-member (counterparty_name); the amount must equal "
    "quantity × unit price (or be left out); no closed year; the same transaction twice is a 409."
    + WRITE_NOTE,
)
def transactions_create(request: HttpRequest, payload: TransactionIn, coop_id: int = COOP_ID) -> Status:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    data = payload.model_dump(exclude_unset=True)
    member_id = data.pop("member_id", None)
    member = _member_of(user, cooperative, member_id) if member_id is not None else None
    counterparty_name = data.pop("counterparty_name", None) or ""
    data = {k: ("" if v is None else v) for k, v in data.items()}
    row = transaction_record(
        user=user,
        cooperative=cooperative,
        member=member,
        counterparty_name=counterparty_name,
        via="api",
        **data,
    )
    return Status(201, transaction_out(MemberTransaction.objects.select_related("member").get(pk=row.pk)))


@router.get(
    "/coops/{coop_id}/member-accounts",
    response={200: list[MemberAccountOut], **READ_ERRORS},
    summary="成员账户 / Member accounts",
    description="每名成员一年的账户（第43条）：年末出资额、量化公积金份额、量化财政补助和捐赠份额、本年成员交易额和交易量。"
    "\n\nEach admitted member's account for a year (Art. 43): capital at year end, quantified reserve and subsidy "
    "shares, and the year's member transactions.",
)
def member_accounts_list(
    request: HttpRequest, query: Query[AccountsQuery], coop_id: int = COOP_ID
) -> list[dict[str, Any]]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    return [
        {
            "member_id": member.pk,
            "member_name": member.display_name,
            "status": member.status,
            "year": account.year,
            **money_fields("capital", account.capital_fen),
            **money_fields("reserve_share", account.reserve_share_fen),
            **money_fields("subsidy_share", account.subsidy_share_fen),
            **money_fields("transactions_amount", account.transactions_amount_fen),
            "transactions_quantity": _quantity(account.transactions_quantity),
        }
        for member, account in member_accounts(user=user, cooperative=cooperative, year=query.year)
    ]


@router.get(
    "/coops/{coop_id}/coverage",
    response={200: CoverageOut, **READ_ERRORS},
    summary="入社覆盖情况 / Membership coverage",
    description="村级合作社：本村建档立卡户和村干部中尚未入社的农户（如实报告，不作假定）。乡镇、县级返回 400。\n\n"
    "For a village cooperative: the registered-poor and cadre households of the village that are not members — "
    "reported, never assumed. A township or county cooperative answers 400.",
)
def coops_coverage(request: HttpRequest, coop_id: int = COOP_ID) -> dict[str, Any]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    if cooperative.level != "village":
        raise InvalidInput(
            "只有村级合作社有入社覆盖情况。",
            "Membership coverage is reported for village cooperatives only.",
            code="not_a_village_cooperative",
            details={"level": cooperative.level},
        )
    report = member_coverage(user=user, village_code=cooperative.region_code)
    return {
        "village_code": cooperative.region_code,
        "registered_poor": report.registered_poor,
        "registered_poor_members": report.registered_poor_members,
        "registered_poor_not_members": list(report.registered_poor_not_members),
        "cadres": report.cadres,
        "cadre_members": report.cadre_members,
        "cadres_not_members": list(report.cadres_not_members),
        "all_registered_poor_are_members": report.all_registered_poor_are_members,
        "all_cadres_are_members": report.all_cadres_are_members,
    }


@router.get(
    "/regions/{code}/coop-figures",
    response={200: CoopFiguresOut, **READ_ERRORS},
    summary="地区合作社统计 / Cooperative figures of a region",
    description="有合作社的村数、合作社数、成员数、入社建档立卡户、村干部成员、女性成员、按类股金；"
    "只有能查看整个地区的用户可看（否则 403）。\n\n"
    "Villages with a cooperative, cooperatives, members, registered-poor households and cadres who are members, "
    "women members, share capital by kind; only for a caller who reads the whole region (else 403).",
)
def regions_coop_figures(request: HttpRequest, code: str = CODE_PATH) -> dict[str, Any]:
    user = request.auth
    region_get(user=user, code=code)
    figures = coop_figures(user=user, code=code)
    out: dict[str, Any] = {"region_code": code}
    for name in FIGURE_FIELDS:
        value = getattr(figures, name, 0) if figures else 0
        if name.endswith("_fen"):
            out.update(money_fields(name.removesuffix("_fen"), value))
        else:
            out[name] = value
    out["updated_at"] = figures.updated_at if figures else None
    return out


# ---------------------------------------------------------------- imports (成员、股份、交易导入)

IMPORTS = {"members": members_import, "shares": shares_import, "transactions": transactions_import}
ImportKind = Literal["members", "shares", "transactions"]
IMPORT_KIND = Path(
    ..., description="导入类别：members 成员、shares 股份认购、transactions 成员交易 / What the file holds"
)
# Optional here so that an upload stopped at the size limit is answered 413, not "field required".
IMPORT_FILE = File(None, description="XLSX 或 CSV 文件 / The XLSX or CSV file")
DRY_RUN = Form(False, description="只检查，不写入 / Check only, write nothing")
TEMPLATE_FORMAT = Path(..., description="模板格式 / Template format: xlsx or csv")
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class ImportResultOut(Schema):
    """What an import did (or, in a dry run, would do); only the counts of its kind are present."""

    kind: str
    dry_run: bool
    rows: int
    summary: str
    admitted: int | None = None
    applied: int | None = None
    subscriptions: int | None = None
    member_transactions: int | None = None
    non_member_transactions: int | None = None
    income_lines: int | None = None
    amount: str | None = None
    amount_fen: int | None = None


def _write_template(kind: str, path: pathlib.Path, fmt: str) -> None:
    if kind == "members":
        from tongzhou.coops.members_import import write_template
    elif kind == "shares":
        from tongzhou.coops.shares_import import write_template
    else:
        from tongzhou.coops.transactions_import.columns import write_template
    write_template(path, fmt)


def _import_result(kind: str, result: Any) -> dict[str, Any]:
    out = {k: v for k, v in dataclasses.asdict(result).items() if k != "amount_fen"}
    if hasattr(result, "amount_fen"):
        out.update(money_fields("amount", result.amount_fen))
    return {"kind": kind, "summary": result.summary(), **out}


@router.post(
    "/coops/{coop_id}/imports/{kind}",
    response={200: ImportResultOut, 413: Error, **WRITE_ERRORS},
    exclude_none=True,
    summary="导入成员、股份认购或交易 / Import members, subscriptions or transactions",
    description="上传一个 XLSX 或 CSV 文件（multipart 字段 `file`），格式同网页和命令行的导入（模板见下一个接口）。"
    "先检查每一行：只要有一处错误，整个文件都不导入，返回 422，details.errors 列出前50处错误（行号 row、列 column、"
    "值 value、原因 reason_zh / reason_en），details.error_count 为错误总数。表单字段 `dry_run=true` 只检查不写入。"
    "文件超过大小上限返回 413；须有本社所在地区的修改权限。\n\n"
    "Upload one XLSX or CSV file (multipart field `file`) in the format of the web and CLI imports (see the "
    "template endpoint). Every row is checked first: any error rejects the whole file unwritten with a 422 whose "
    "details.errors lists the first 50 errors (row, column, value, reason_zh / reason_en) and details.error_count "
    "counts them all. The form field `dry_run=true` checks without writing. A file over the size limit is a 413; "
    "the caller needs write access to the cooperative's region.",
)
def coops_import(
    request: HttpRequest,
    kind: ImportKind = IMPORT_KIND,
    coop_id: int = COOP_ID,
    file: UploadedFile | None = IMPORT_FILE,
    dry_run: bool = DRY_RUN,
) -> dict[str, Any]:
    user = request.auth
    cooperative = cooperative_get(user=user, cooperative_id=coop_id)
    require_write(user, cooperative.region_code)
    if getattr(request, "tongzhou_upload_too_large", False):
        raise UploadTooLarge(settings.TONGZHOU_IMPORT_MAX_BYTES)
    if file is None:
        raise RequestInvalid([{"loc": ["form", "file"], "msg": "Field required"}])
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / ("upload" + pathlib.Path(file.name or "").suffix.lower()[:8])
            with path.open("wb") as out:
                for chunk in file.chunks():
                    out.write(chunk)
            result = IMPORTS[kind](
                user=user,
                cooperative=cooperative,
                path=path,
                file_name=file.name,
                dry_run=dry_run,
                via="api",
            )
    except ImportRejected as exc:
        raise shown_rejection(exc) from None
    return _import_result(kind, result)


@router.get(
    "/coops/{coop_id}/imports/{kind}/template.{fmt}",
    response=READ_ERRORS,
    summary="导入模板 / Import template",
    description="某类导入的空模板：表头和一行示例；XLSX 另有一页说明各列。\n\n"
    "The empty template of an import: the headers and one example row; the XLSX also describes every column.",
    openapi_extra={
        "responses": {
            200: {
                "description": "模板文件 / The template file",
                "content": {mime.split(";")[0]: {} for mime in TEMPLATE_TYPES.values()},
            }
        }
    },
)
def coops_import_template(
    request: HttpRequest,
    kind: ImportKind = IMPORT_KIND,
    fmt: Literal["xlsx", "csv"] = TEMPLATE_FORMAT,
    coop_id: int = COOP_ID,
) -> FileResponse:
    cooperative_get(user=request.auth, cooperative_id=coop_id)
    out = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115 - FileResponse closes (and so deletes) it
    _write_template(kind, pathlib.Path(out.name), fmt)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"{kind}-import-template.{fmt}", content_type=TEMPLATE_TYPES[fmt]
    )


@router.get(
    "/regions/{code}/member-accounts",
    response={200: RegionAccountPage, **READ_ERRORS},
    summary="地区成员账户 / Member accounts of a region",
    description="本地区及下级所有合作社的成员账户（第43条），按地区、合作社、成员编号排序，分页；"
    "只有能查看整个地区的用户可看（否则 403）。公积金份额在盈余分配前为 0。\n\n"
    "Every member account (Art. 43) of the cooperatives of the region and below, ordered by region, cooperative "
    "and member, paged; only for a caller who reads the whole region (else 403). The reserve share is 0 until "
    "the distribution writes it.",
)
def regions_member_accounts(
    request: HttpRequest, query: Query[RegionAccountsQuery], code: str = CODE_PATH
) -> dict[str, Any]:
    user = request.auth
    region_get(user=user, code=code)
    accounts = region_member_accounts(user=user, code=code, year=query.year)

    def account_out(a: RegionAccount) -> dict[str, Any]:
        return {
            "cooperative_id": a.cooperative_id,
            "cooperative_name": a.cooperative_name,
            "region_code": a.region_code,
            "member_id": a.member_id,
            "member_name": a.member_name,
            "status": a.status,
            "year": query.year,
            **money_fields("capital", a.capital_fen),
            **money_fields("reserve_share", a.reserve_share_fen),
            **money_fields("subsidy_share", a.subsidy_share_fen),
            **money_fields("transactions_amount", a.transactions_amount_fen),
            "transactions_quantity": _quantity(a.transactions_quantity),
        }

    return paged(accounts, query, account_out)
