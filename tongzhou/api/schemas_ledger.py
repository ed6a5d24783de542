"""Request and response schemas of the books (账簿) endpoints: books, accounts, vouchers, periods."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from .paging import PageParams


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class BookOut(Schema):
    id: int = Field(description="账套编号 / Book id")
    cooperative_id: int = Field(description="合作社或集体经济组织编号 / Organisation id")
    cooperative_name: str = Field(description="组织名称 / Organisation name")
    chart_key: str = Field(description="会计科目表（制度-版本）/ Chart key (standard-version)")
    chart_name: str = Field(description="会计制度 / Accounting standard")
    chart_document: str = Field(description="文号 / Document number")
    start_year: int = Field(description="启用年度 / First year")
    start_month: int = Field(description="启用月份 / First month")
    region_code: str = Field(description="所属地区代码 / Region code")
    closed_through_year: int | None = Field(description="已年结至 / Closed through year")
    created_at: dt.datetime


class BookPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[BookOut]


class BookFilters(PageParams):
    region: str | None = Field(
        None, pattern=r"^\d{2,12}$", description="地区代码（含下级）/ Region code, with descendants"
    )


class BookOpenIn(Strict):
    start_year: int = Field(description="启用年度 / First year kept in the book")
    start_month: int = Field(1, description="启用月份 1–12 / First month, 1 to 12")


class AccountOut(Schema):
    id: int
    code: str = Field(description="科目编号 / Account code")
    name: str = Field(description="科目名称 / Account name")
    parent_code: str | None = Field(description="上级科目 / Parent code")
    level: int = Field(description="级次 / Level")
    account_class: str = Field(description="类别 asset|liability|equity|cost|profit_and_loss / Class")
    normal_balance: Literal["debit", "credit"] = Field(description="余额方向 / Normal balance side")
    party: Literal["none", "member", "counterparty"] = Field(
        description="分录须注明：成员、往来单位或个人、无 / What a line on it must name"
    )
    member_id: int | None = Field(description="明细科目所属成员 / Member of a per-member sub-account")
    is_leaf: bool = Field(description="末级科目（可记账）/ Leaf account: takes lines")
    is_active: bool = Field(description="启用 / Active")
    debit: str = Field(description="已记账借方累计（元）/ Posted debits of it and below, yuan")
    debit_fen: int
    credit: str = Field(description="已记账贷方累计（元）/ Posted credits of it and below, yuan")
    credit_fen: int
    balance: str = Field(description="余额，余额方向为正（元）/ Balance, positive on the normal side, yuan")
    balance_fen: int


class AccountFilters(Schema):
    q: str | None = Field(None, max_length=60, description="编号开头或名称包含 / Code prefix or name part")
    leaf: bool = Field(False, description="只要可记账的末级启用科目 / Only active leaf accounts")


class AccountIn(Strict):
    parent: str = Field(max_length=20, description="上级科目编号 / Parent account code")
    name: str = Field(max_length=60, description="科目名称 / Account name")
    code: str | None = Field(
        None, max_length=20, description="编号，省略则自动 / Code; automatic if left out"
    )
    member_id: int | None = Field(None, description="按成员核算时的成员 / The member, under a member account")


class LineIn(Strict):
    account: str = Field(max_length=20, description="末级科目编号 / Leaf account code")
    debit: str | None = Field(None, max_length=30, description="借方金额（元）/ Debit, yuan")
    credit: str | None = Field(None, max_length=30, description="贷方金额（元）/ Credit, yuan")
    member_id: int | None = Field(None, description="成员（成员类科目必填）/ Member, on a member account")
    counterparty: str = Field("", max_length=120, description="往来单位或个人 / Counterparty")
    summary: str = Field("", max_length=200, description="分录摘要 / Line summary")


class VoucherIn(Strict):
    date: dt.date = Field(description="日期 / Date")
    summary: str = Field(max_length=200, description="摘要 / Summary")
    attachments: int = Field(0, description="附单据数 / Attachments")
    lines: list[LineIn] = Field(
        description="分录，至少两行，借贷相等 / Lines: two at least, debits = credits"
    )


class VoucherPatch(Strict):
    date: dt.date | None = None
    summary: str | None = Field(None, max_length=200)
    attachments: int | None = None
    lines: list[LineIn] | None = Field(None, description="给出则替换全部分录 / Replaces every line if given")


class ReverseIn(Strict):
    date: dt.date | None = Field(None, description="冲销日期，省略为今天 / Date, today if left out")
    summary: str | None = Field(None, max_length=200, description="摘要，省略自动生成 / Summary")


class LineOut(Schema):
    line_no: int
    account: str
    account_name: str
    summary: str
    debit: str
    debit_fen: int
    credit: str
    credit_fen: int
    member_id: int | None
    member_name: str | None
    counterparty: str


class VoucherOut(Schema):
    id: int
    book_id: int
    date: dt.date
    summary: str
    attachments: int
    status: Literal["draft", "posted"] = Field(description="draft 未记账 / posted 已记账")
    number: int | None = Field(description="本月凭证号（记账后）/ Number in its month, once posted")
    period: str | None = Field(description="记账期间 YYYY-MM / Period, once posted")
    reverses_id: int | None = Field(description="所冲销的凭证 / The voucher this one reverses")
    reversed_by_id: int | None = Field(description="冲销本凭证的凭证 / The voucher reversing this one")
    source: str
    total: str = Field(description="借方合计（元）/ Total debits, yuan")
    total_fen: int
    maker: str | None
    made_at: dt.datetime
    checker: str | None
    checked_at: dt.datetime | None
    poster: str | None
    posted_at: dt.datetime | None
    lines: list[LineOut]


class VoucherPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[VoucherOut]


class VoucherFilters(PageParams):
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    status: Literal["draft", "posted"] | None = None


class PeriodOut(Schema):
    year: int
    month: int
    period: str = Field(description="YYYY-MM")
    status: Literal["open", "closed"]
    vouchers_posted: int = Field(description="已记账凭证数（凭证号）/ Vouchers posted (last number)")
    drafts: int = Field(description="未记账凭证数 / Unposted vouchers dated in it")
    closed_by: str | None
    closed_at: dt.datetime | None
