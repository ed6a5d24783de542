"""Request and response schemas of the cooperative endpoints (合作社), described in Chinese and English.

Money goes out both ways, a yuan string with two decimals and integer fen ("amount": "1955.00",
"amount_fen": 195500); it comes in as a yuan string ("46.00"). Units of shares are hundredths at most ("2.50").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from .paging import PageParams

LevelCode = Literal["village", "township", "county"]
MemberStatusCode = Literal["applied", "rejected", "active", "exit_notified", "exited"]
ShareClassKindCode = Literal["cash", "land", "labour", "collective_assets", "fiscal_poverty", "donation"]
YUAN = 'yuan string, two decimals, e.g. "1955.00"'


class _Page(Schema):
    count: int = Field(description="总条数 / Total rows")
    page: int = Field(description="页码 / Page number")
    page_size: int = Field(description="每页条数 / Rows per page")


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- cooperatives


class BoardSeat(Schema):
    name: str = Field(max_length=50, description="姓名 / Name")
    position: str = Field(max_length=20, description="职务：理事、监事… / Position")
    person_id: int | None = Field(None, description="登记人员编号（可空）/ Registered person id, if any")


class CooperativeOut(Schema):
    id: int = Field(description="合作社编号 / Cooperative id")
    name: str = Field(description="名称 / Name")
    credit_code: str = Field(description="统一社会信用代码（GB 32100）/ Unified social credit code")
    level: LevelCode = Field(
        description="village 村级（1.0）/ township 乡镇联合社（2.0）/ county 县级平台（3.0）"
    )
    level_label: str = Field(description="层级名称（当前语言）/ Level in the request's language")
    legal_form: str = Field(
        description="farmers_cooperative 农民专业合作社 / collective_organisation 农村集体经济组织 / company 公司"
    )
    region_code: str = Field(description="所属地区代码（12/9/6位）/ Region code (12, 9 or 6 digits)")
    county_code: str = Field(description="县代码 / County code")
    founded_on: dt.date = Field(description="成立日期 / Date founded")
    industry: str = Field(description="主导产业代码 / Leading industry (code)")
    chairperson_id: int | None = Field(description="理事长（登记人员编号）/ Chairperson's person id")
    chairperson_name: str = Field(description="理事长姓名 / Chairperson")
    board: list[BoardSeat] = Field(description="理事会与监事会 / Board and supervisors")
    party_organisation_name: str = Field(description="领办党组织 / Leading Party organisation")
    closed_through_year: int | None = Field(
        description="已结账年度：此年及以前不能再记 / Books closed through this year"
    )
    created_at: dt.datetime
    updated_at: dt.datetime


class CooperativePage(_Page):
    results: list[CooperativeOut]


class CooperativeFilters(PageParams):
    region: str | None = Field(
        None, pattern=r"^\d{2,12}$", description="地区代码（含下级）/ Region code, with descendants"
    )
    level: LevelCode | None = Field(None, description="按层级筛选 / Only this level")


class _CooperativeFields(_In):
    industry: str | None = Field(
        None,
        description="主导产业 / Industry: sericulture, tea, edible_fungi, chili, cattle, potato, gastrodia, mixed",
    )
    chairperson_id: int | None = Field(
        None, ge=1, description="理事长（本地区登记人员编号）/ Chairperson, a person of the region"
    )
    chairperson_name: str | None = Field(None, max_length=50, description="理事长姓名 / Chairperson's name")
    board: list[BoardSeat] | None = Field(None, description="理事会与监事会 / Board and supervisors")
    party_organisation_name: str | None = Field(
        None, max_length=120, description="领办党组织 / Leading Party organisation"
    )


class CooperativeIn(_CooperativeFields):
    name: str = Field(max_length=120, description="名称 / Name")
    credit_code: str = Field(
        max_length=30,
        description="统一社会信用代码，18位，校验位须正确 / 18-character credit code, valid check",
    )
    level: str = Field(description="village / township / county")
    legal_form: str = Field(description="farmers_cooperative / collective_organisation / company")
    region_code: str = Field(max_length=12, description="所属地区代码，位数随层级 / Region code of the level")
    founded_on: dt.date = Field(description="成立日期 / Date founded")


class CooperativePatch(_CooperativeFields):
    name: str | None = Field(None, max_length=120, description="名称 / Name")
    credit_code: str | None = Field(None, max_length=30, description="统一社会信用代码 / Credit code")
    founded_on: dt.date | None = Field(None, description="成立日期 / Date founded")


# ---------------------------------------------------------------- bylaws


class GuaranteedPaymentIn(_In):
    share_class: ShareClassKindCode = Field(description="股份类别 / Share class kind")
    basis: Literal["per_mu", "per_unit"] = Field(description="按亩 per_mu / 按股 per_unit")
    amount: str = Field(description="每亩或每股保底金额（元）/ Amount per mu or unit, " + YUAN)


class GuaranteedPaymentOut(Schema):
    share_class: str
    basis: str
    amount: str = Field(description="元 / " + YUAN)
    amount_fen: int = Field(description="分 / fen")


class BylawsOut(Schema):
    id: int
    cooperative_id: int
    effective_from: dt.date = Field(description="生效日期 / In force from")
    adopted_on: dt.date = Field(description="成员大会通过日期 / Adopted by the assembly on")
    reserve_rate_bp: int = Field(description="公积金提取比例，基点（1000 = 10%）/ Reserve rate, basis points")
    patronage_share_bp: int = Field(
        description="按交易量返还比例，基点，不低于6000（Art. 44）/ Patronage share, bp, at least 6000"
    )
    transaction_basis: str = Field(description="amount 按交易额 / quantity 按交易量")
    patronage_transaction_kinds: list[str] = Field(description="计入返还的交易类型 / Kinds counted")
    guaranteed_payments: list[GuaranteedPaymentOut] = Field(description="保底收益 / Guaranteed payments")
    remainder_split: dict[str, int] = Field(description="剩余盈余分配，基点 / Split of the remainder, bp")
    secondary_distribution_bp: int = Field(description="二次分配比例，基点 / Secondary distribution, bp")
    secondary_distribution_target: str = Field(description="二次分配对象 / Secondary distribution target")
    join_rules: str = Field(description="入社条件 / Rules for joining")
    exit_notice_months: int = Field(description="退社提前通知月数 / Exit notice, months")
    organisation_exit_notice_months: int = Field(description="单位成员退社通知月数 / For organisations")
    transfer_to_non_members: bool = Field(description="允许向非成员转让股份 / Transfers to non-members")
    poverty_share_conversion_years: int = Field(
        description="脱贫满几年扶贫股转普通股 / Years out of poverty before poverty shares convert"
    )
    notes: str
    created_at: dt.datetime


class BylawsIn(_In):
    effective_from: dt.date = Field(description="生效日期，须晚于现行版本 / In force from; after the latest")
    adopted_on: dt.date = Field(description="成员大会通过日期 / Adopted on")
    reserve_rate_bp: int | None = Field(None, description="公积金提取比例，基点 / Reserve rate, bp")
    patronage_share_bp: int | None = Field(
        None, description="按交易量返还比例，基点，不低于6000 / Patronage share, bp, 6000 at least (Art. 44)"
    )
    transaction_basis: str | None = Field(None, description="amount / quantity")
    patronage_transaction_kinds: list[str] | None = Field(
        None, description="sale_to_coop, purchase_from_coop, labour, land_rent"
    )
    guaranteed_payments: list[GuaranteedPaymentIn] | None = Field(None, description="保底收益 / Guarantees")
    remainder_split: dict[str, int] | None = Field(
        None, description="members, collective, management, welfare → 基点，合计10000 / bp summing to 10000"
    )
    secondary_distribution_bp: int | None = Field(None, description="二次分配比例，基点 / bp")
    secondary_distribution_target: str | None = Field(
        None, description="registered_poor, monitored, public_welfare_jobs"
    )
    join_rules: str | None = Field(None, max_length=5000, description="入社条件 / Rules for joining")
    exit_notice_months: int | None = Field(None, description="退社提前通知月数 / Exit notice months")
    organisation_exit_notice_months: int | None = Field(None, description="单位成员 / For organisations")
    transfer_to_non_members: bool | None = Field(
        None, description="允许向非成员转让 / Transfers to non-members"
    )
    poverty_share_conversion_years: int | None = Field(None, description="扶贫股转换年限 / Conversion years")
    notes: str | None = Field(None, max_length=5000, description="备注 / Notes")


# ---------------------------------------------------------------- members


class MemberOut(Schema):
    id: int = Field(description="成员编号 / Member id")
    cooperative_id: int
    kind: str = Field(
        description="household 农户 / collective 村集体 / cooperative 合作社 / organisation 单位"
    )
    status: MemberStatusCode = Field(
        description="applied 申请中 / rejected 未批准 / active 在册 / exit_notified 已申请退社 / exited 已退社"
    )
    status_label: str = Field(description="状态（当前语言）/ Status in the request's language")
    display_name: str = Field(description="成员名称 / Name")
    household_id: int | None
    person_id: int | None = Field(description="以其名义入社的人员 / Person holding the membership")
    person_id_number: str | None = Field(
        description="该人员身份证号码，按角色遮蔽 / That person's ID number, masked per role"
    )
    member_cooperative_id: int | None
    organisation_name: str
    organisation_credit_code: str
    is_farmer: bool = Field(description="农民成员 / Farmer member")
    is_village_cadre: bool = Field(description="村两委干部 / Village cadre")
    is_woman: bool = Field(description="女性 / Woman")
    village_code: str
    applied_on: dt.date
    joined_on: dt.date | None
    exit_notice_on: dt.date | None
    exit_effective_on: dt.date | None
    exit_settled_on: dt.date | None
    exit_capital_returned: str = Field(description="退还出资（元）/ Capital returned, " + YUAN)
    exit_capital_returned_fen: int
    exit_reserve_returned: str = Field(description="退还公积金份额（元）/ Reserve share returned, " + YUAN)
    exit_reserve_returned_fen: int
    notes: str
    identifiers_masked: bool


class MemberPage(_Page):
    results: list[MemberOut]


class MemberFilters(PageParams):
    status: MemberStatusCode | None = Field(None, description="按状态筛选 / Only this status")


class MemberApplyIn(_In):
    applied_on: dt.date = Field(description="申请日期 / Applied on")
    household_id: int | None = Field(None, ge=1, description="农户（本村）/ A household of the region")
    person_id: int | None = Field(
        None, ge=1, description="以其名义入社的家庭成员，默认户主 / Default: the head"
    )
    member_cooperative_id: int | None = Field(
        None, ge=1, description="作为成员的合作社或村集体经济组织 / A cooperative or the village collective"
    )
    organisation_name: str | None = Field(None, max_length=120, description="单位名称 / Organisation")
    organisation_credit_code: str | None = Field(None, max_length=30, description="单位信用代码 / Its code")
    is_farmer: bool | None = Field(
        None, description="农民成员，默认农户为是 / Farmer; default for households"
    )
    is_village_cadre: bool = Field(False, description="村两委干部 / Village cadre")
    notes: str | None = Field(None, max_length=2000, description="备注 / Notes")


class MemberApproveIn(_In):
    joined_on: dt.date = Field(description="入社日期 / Joined on")


class MemberRejectIn(_In):
    reason: str = Field("", max_length=500, description="理由 / Reason")


class MemberExitNoticeIn(_In):
    notice_on: dt.date = Field(description="书面申请退社日期 / Written notice given on")
    leave_in_year: int | None = Field(
        None,
        description="在哪一年年底退社（默认最早可退的年份）/ Leave at the end of this year (default: first)",
    )


class MemberExitSettlementIn(_In):
    on: dt.date = Field(
        description="结算日期，不早于退社生效日 / Settled on, not before the exit takes effect"
    )
    reserve_share: str = Field("0", description="量化到该成员的公积金份额（元）/ Reserve share, " + YUAN)


# ---------------------------------------------------------------- shares


class ShareClassOut(Schema):
    id: int
    cooperative_id: int
    kind: str
    kind_label: str = Field(description="类别名称（当前语言）/ Kind in the request's language")
    name: str
    unit_name: str = Field(description="单位：股、亩 / Unit")
    unit_value: str = Field(description="每单位作价（元）/ Value of one unit, " + YUAN)
    unit_value_fen: int
    is_capital: bool = Field(description="计入成员出资 / Counts as member capital")
    transferable: bool


class ShareClassIn(_In):
    kind: ShareClassKindCode = Field(description="股份类别 / Kind")
    name: str = Field(max_length=60, description="名称 / Name")
    unit_value: str = Field(description="每单位作价（元）/ Value of one unit, " + YUAN)
    unit_name: str | None = Field(
        None, max_length=10, description="单位，默认股（土地为亩）/ Default 股 (亩)"
    )
    is_capital: bool | None = Field(
        None, description="计入出资；扶贫、捐赠股不计 / Capital (never subsidies)"
    )
    transferable: bool | None = Field(None, description="可转让 / Transferable")


class ShareEntryOut(Schema):
    id: int
    member_id: int
    member_name: str
    share_class_id: int
    share_class_kind: str
    entry_type: str = Field(
        description="subscription, transfer_out/in, inheritance_out/in, conversion_out/in, …"
    )
    entry_type_label: str
    on: dt.date
    units: str = Field(description='数量，带符号，两位小数 / Signed units, e.g. "-2.50"')
    units_centi: int = Field(description="百分之一单位 / Hundredths of a unit")
    amount: str = Field(description="金额，带符号（元）/ Signed capital value, " + YUAN)
    amount_fen: int
    counterparty_id: int | None
    movement: str | None = Field(description="关联业务编号 / Movement shared by the two entries")
    reason: str
    created_at: dt.datetime


class ShareEntryPage(_Page):
    results: list[ShareEntryOut]


class LedgerFilters(PageParams):
    member: int | None = Field(None, ge=1, description="只看该成员 / One member's entries")


class HoldingOut(Schema):
    member_id: int
    member_name: str
    share_class_id: int
    share_class_kind: str
    units: str = Field(description='持有数量 / Units held, e.g. "2.50"')
    units_centi: int
    amount: str = Field(description="作价（元）/ Value, " + YUAN)
    amount_fen: int


class HoldingsOut(Schema):
    on: dt.date = Field(description="截至该日（含）/ At the end of this day")
    holdings: list[HoldingOut]
    total_amount: str = Field(description="合计（元）/ Total, " + YUAN)
    total_amount_fen: int


class HoldingsQuery(Schema):
    on: dt.date | None = Field(None, description="日期，默认今天 / Date, default today")


class _ShareMove(_In):
    on: dt.date = Field(description="日期 / Date")
    reason: str = Field(max_length=200, description="事由 / Reason")


class SubscriptionIn(_ShareMove):
    member_id: int = Field(ge=1)
    share_class_id: int = Field(ge=1)
    units: Decimal = Field(description='数量，最多两位小数 / Units, two decimals at most, e.g. "2.5"')


class RedemptionIn(SubscriptionIn):
    pass


class TransferIn(_ShareMove):
    from_member_id: int = Field(ge=1)
    to_member_id: int = Field(ge=1)
    share_class_id: int = Field(ge=1)
    units: Decimal = Field(description="数量 / Units")


class InheritanceIn(_ShareMove):
    deceased_member_id: int = Field(ge=1, description="去世成员 / Deceased member")
    heir_member_id: int = Field(ge=1, description="继承人（须为成员）/ Heir, a member")


class ConversionIn(_In):
    on: dt.date = Field(description="转换日期 / Conversion date")


# ---------------------------------------------------------------- transactions and accounts


class TransactionOut(Schema):
    id: int
    member_id: int | None
    member_name: str
    is_member: bool = Field(description="成员交易；非成员交易分开（Art. 41）/ Member transaction")
    counterparty_name: str
    kind: str
    kind_label: str
    on: dt.date
    year: int
    product: str
    grade: str
    quantity: str = Field(description='数量（三位小数）/ Quantity, e.g. "42.500"')
    unit: str
    unit_price: str = Field(description="单价（元）/ Unit price, " + YUAN)
    unit_price_fen: int
    amount: str = Field(description="金额（元）/ Amount, " + YUAN)
    amount_fen: int
    created_at: dt.datetime


class TransactionPage(_Page):
    results: list[TransactionOut]


class TransactionFilters(PageParams):
    year: int | None = Field(None, ge=1949, le=2999, description="年度 / Year")
    member: int | None = Field(None, ge=1, description="成员编号 / Member id")
    is_member: bool | None = Field(None, description="成员（true）或非成员（false）交易 / Member or not")


class TransactionIn(_In):
    member_id: int | None = Field(
        None, ge=1, description="成员；非成员交易留空 / Member; empty for a non-member"
    )
    counterparty_name: str | None = Field(None, max_length=120, description="非成员名称 / Non-member's name")
    kind: str = Field(description="sale_to_coop, purchase_from_coop, labour, land_rent（或中文 / or Chinese)")
    on: dt.date = Field(description="日期，不在已结账年度 / Date, not in a closed year")
    product: str = Field(max_length=60, description="产品或项目 / Product")
    grade: str | None = Field(None, max_length=20, description="等级 / Grade")
    quantity: Decimal = Field(description='数量，最多三位小数 / Quantity, e.g. "42.5"')
    unit: str | None = Field(None, max_length=10, description="单位（务工为工日，租地为亩）/ Unit")
    unit_price: str = Field(description="单价（元）/ Unit price, " + YUAN)
    amount: str | None = Field(
        None, description="金额（元），空则按数量×单价 / Amount; default quantity × price"
    )


class MemberAccountOut(Schema):
    member_id: int
    member_name: str
    status: str
    year: int
    capital: str = Field(description="出资额（元）/ Capital, " + YUAN)
    capital_fen: int
    reserve_share: str = Field(description="量化公积金份额（元）/ Quantified reserve share, " + YUAN)
    reserve_share_fen: int
    subsidy_share: str = Field(description="量化财政补助和捐赠份额（元）/ Quantified subsidy share, " + YUAN)
    subsidy_share_fen: int
    transactions_amount: str = Field(description="本年成员交易额（元）/ Member transactions, " + YUAN)
    transactions_amount_fen: int
    transactions_quantity: str = Field(description="本年成员交易量 / Quantity of the year")


class AccountsQuery(Schema):
    year: int = Field(ge=1949, le=2999, description="年度 / Year")


class CoverageOut(Schema):
    village_code: str
    registered_poor: int = Field(description="建档立卡户数 / Registered-poor households")
    registered_poor_members: int = Field(description="其中已入社 / Of them members")
    registered_poor_not_members: list[int] = Field(description="未入社的农户编号 / Household ids not members")
    cadres: int = Field(description="村干部户数 / Cadre households")
    cadre_members: int
    cadres_not_members: list[int]
    all_registered_poor_are_members: bool
    all_cadres_are_members: bool


class CoopFiguresOut(Schema):
    region_code: str
    villages_with_cooperative: int = Field(description="有合作社的村数 / Villages with a cooperative")
    cooperatives: int = Field(description="合作社数 / Cooperatives")
    members: int = Field(description="成员数 / Members")
    household_members: int = Field(description="农户成员数 / Household members")
    registered_poor_households: int = Field(description="入社建档立卡户 / Registered-poor households joined")
    registered_poor_members: int
    cadre_members: int = Field(description="村两委干部成员 / Cadre members")
    women_members: int = Field(description="女性成员 / Women members")
    share_capital: str = Field(description="股金（元）/ Share capital, " + YUAN)
    share_capital_fen: int
    subsidy_shares: str = Field(description="财政补助与捐赠股（元）/ Subsidy shares, " + YUAN)
    subsidy_shares_fen: int
    updated_at: dt.datetime | None


class RegionAccountOut(Schema):
    cooperative_id: int
    cooperative_name: str
    region_code: str = Field(description="合作社所属地区代码 / The cooperative's region code")
    member_id: int
    member_name: str
    status: MemberStatusCode
    year: int
    capital: str = Field(description="出资额（元）/ Capital, " + YUAN)
    capital_fen: int
    reserve_share: str = Field(
        description="量化公积金份额（元），分配前为 0 / Quantified reserve share, " + YUAN
    )
    reserve_share_fen: int
    subsidy_share: str = Field(description="量化财政补助和捐赠份额（元）/ Quantified subsidy share, " + YUAN)
    subsidy_share_fen: int
    transactions_amount: str = Field(description="本年成员交易额（元）/ Member transactions, " + YUAN)
    transactions_amount_fen: int
    transactions_quantity: str = Field(description="本年成员交易量 / Quantity of the year")


class RegionAccountPage(_Page):
    results: list[RegionAccountOut]


class RegionAccountsQuery(PageParams):
    year: int = Field(ge=1949, le=2999, description="年度 / Year")
