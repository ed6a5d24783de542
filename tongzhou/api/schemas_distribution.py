"""Request and response schemas of the distribution endpoints (盈余分配): runs, their lines, payments, the published
list and household income lines. Money goes out as a yuan string and as fen, and comes in as a yuan string."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import ConfigDict, Field

from .paging import PageParams

YUAN = 'yuan string, two decimals, e.g. "1955.00"'


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class RunFilters(PageParams):
    year: int | None = Field(None, ge=1990, le=2100, description="年度 / Year")


class LineOut(Schema):
    member_id: int
    member_name: str = Field(description="成员名称 / Member name")
    household_id: int | None
    capital: str = Field(description="出资额（元）/ Capital, " + YUAN)
    capital_fen: int
    reserve_share: str
    reserve_share_fen: int
    subsidy_share: str
    subsidy_share_fen: int
    transactions: str = Field(description="计入返还的交易量（额）/ Counted member transactions")
    income_right_shares: str = Field(description="收益权份额 / Income-right shares (collective)")
    reserve_quantified: str
    reserve_quantified_fen: int
    patronage_return: str = Field(description="按交易量返还（元）/ Patronage return, " + YUAN)
    patronage_return_fen: int
    remainder_share: str = Field(description="剩余盈余返还（元）/ Remainder share, " + YUAN)
    remainder_share_fen: int
    collective_share: str
    collective_share_fen: int
    income_right: str = Field(description="收益权分配（元）/ By income-right shares, " + YUAN)
    income_right_fen: int
    converted_to_capital: str = Field(description="转为出资（元）/ Converted into capital, " + YUAN)
    converted_to_capital_fen: int
    cash: str = Field(description="应发现金（元）/ Cash due, " + YUAN)
    cash_fen: int
    paid: str = Field(description="已发放（元）/ Paid, " + YUAN)
    paid_fen: int


class RunOut(Schema):
    id: int
    body_id: int = Field(description="合作社或集体经济组织编号 / Body id")
    body_name: str
    year: int
    standard: str = Field(description="farmers_cooperative | collective_organisation")
    status: str = Field(description="draft | published | approved | posted | paid | reversed")
    status_display: str
    reverses_id: int | None = Field(description="本方案冲销的方案 / The run this one reverses")
    reversed_by_id: int | None = Field(description="冲销本方案的方案 / The run that reverses this one")
    inputs: dict = Field(
        description="计算依据（本年盈余及来源、亏损、章程、成员账户）/ What the run was computed from"
    )
    steps: dict = Field(description="各步骤金额（分）/ The step totals, in fen")
    surplus: str = Field(description="本年盈余（收益）（元）/ The year's surplus (income), " + YUAN)
    surplus_fen: int
    distributable: str
    distributable_fen: int
    computed_at: dt.datetime | None
    published_on: dt.date | None
    notice_days: int | None
    assembly_on: dt.date | None
    votes_for: int | None
    votes_against: int | None
    members_entitled: int | None
    posted_on: dt.date | None
    voucher_ids: list[int] = Field(description="记账凭证 / The run's vouchers")
    paid_at: dt.datetime | None
    region_code: str


class ReceiverVoucherOut(Schema):
    body_id: int = Field(description="接收分配的成员组织 / The receiving member body")
    body_name: str
    voucher_id: int
    date: dt.date
    number: int | None = Field(description="凭证号（当月）/ The voucher's number in its month")
    summary: str
    amount: str = Field(description="金额（元）/ Amount, " + YUAN)
    amount_fen: int


class RunDetailOut(RunOut):
    lines: list[LineOut]
    receiver_vouchers: list[ReceiverVoucherOut] = Field(
        default_factory=list,
        description="本方案在接收分配的成员组织账上的凭证：记账时 借 应收款（转为出资部分借 对外投资/长期投资）贷 投资收益，"
        "发放时 借 银行存款 贷 应收款，冲销时红字 / The vouchers the run booked in its receiving member bodies' own "
        "books: on posting Dr receivable (investment for the part converted into capital) / Cr investment income, on "
        "payment Dr bank / Cr receivable, red ink on reversal",
    )
    surplus_in_books_now_fen: int | None = Field(
        None,
        description="方案计算后账簿中的本年盈余已变化时为现值（方案已过时，草稿须重新计算）；否则为空 / The year's "
        "surplus in the books now when it differs from the one the run was computed from (the run is out of date); "
        "null otherwise",
    )


class RunPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[RunOut]


class LinePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[LineOut]


class ComputeIn(_In):
    year: int = Field(description="年度 / Year")
    surplus: str | None = Field(
        None, description="本年盈余（元），不给则取账簿 / Surplus; the books' if absent"
    )
    losses_to_make_up: str | None = Field(
        None, description="待弥补亏损（元），不给则取账簿 / Losses to make up; the books' if absent"
    )
    subsidy_property: str | None = Field(
        None, description="未量化的补助形成财产（元）/ Subsidy-formed property not yet quantified"
    )
    conversion_bp: int = Field(0, description="转为出资比例（基点，1000 = 10%）/ Conversion into capital, bp")


class RecomputeIn(_In):
    surplus: str | None = None
    losses_to_make_up: str | None = None
    subsidy_property: str | None = None
    conversion_bp: int = 0


class PublishIn(_In):
    on: dt.date | None = Field(None, description="公示日期，默认今天 / Publication date, today by default")


class ApproveIn(_In):
    assembly_on: dt.date = Field(description="成员大会日期 / Date of the assembly")
    votes_for: int = Field(description="赞成票 / Votes for")
    votes_against: int = Field(0, description="反对票 / Votes against")
    members_entitled: int = Field(description="有表决权的成员数 / Members entitled to vote")


class PostIn(_In):
    on: dt.date | None = Field(
        None, description="记账日期，默认成员大会日期 / Posting date, the assembly's by default"
    )


class PaymentIn(_In):
    member_id: int
    amount: str | None = Field(
        None, description="金额（元），不给则发放该成员全部应发 / Amount; all due if absent"
    )
    method: str | None = Field(None, description="bank_transfer | cash | other")
    reference: str | None = Field(None, max_length=60)


class PayIn(_In):
    on: dt.date = Field(description="发放日期 / Payment date")
    payments: list[PaymentIn] | None = Field(
        None, description="不给则发放全部应发 / Everything due if absent"
    )
    method: str = Field("bank_transfer", description="bank_transfer | cash | other")
    reference: str = Field("", max_length=60, description="凭据号 / Reference")


class PaymentOut(Schema):
    id: int
    member_id: int
    member_name: str
    on: dt.date
    amount: str
    amount_fen: int
    return_part: str = Field(description="其中盈余返还（元）/ Of it, patronage return")
    return_part_fen: int
    share_part: str = Field(description="其中剩余盈余（元）/ Of it, remainder share")
    share_part_fen: int
    method: str
    reference: str
    voucher_id: int | None


class PayOut(Schema):
    run: RunOut
    payments: list[PaymentOut]


class ReverseIn(_In):
    on: dt.date | None = Field(None, description="冲销日期，默认今天 / Reversal date, today by default")


class PublishedRow(Schema):
    number: int = Field(description="序号 / Row number")
    member_name: str = Field(description="成员名称（不含身份证号等个人标识）/ Name, no personal identifiers")
    transactions: str
    income_right_shares: str
    patronage_return: str
    patronage_return_fen: int
    remainder_share: str
    remainder_share_fen: int
    collective_share: str
    collective_share_fen: int
    income_right: str
    income_right_fen: int
    converted_to_capital: str
    converted_to_capital_fen: int
    cash: str
    cash_fen: int


class PublishedPage(Schema):
    run_id: int
    body_name: str
    year: int
    status: str
    published_on: dt.date | None
    notice_days: int | None
    count: int
    page: int
    page_size: int
    results: list[PublishedRow]


class IncomeFilters(PageParams):
    year: int | None = Field(None, ge=1990, le=2100, description="年度 / Year")


class IncomeOut(Schema):
    id: int
    year: int
    kind: str = Field(description="dividend | patronage_return | wage | land_rent | guaranteed_payment")
    kind_display: str
    amount: str
    amount_fen: int
    on: dt.date
    body_id: int | None
    body_name: str | None
    run_id: int | None
    payment_id: int | None = Field(description="来源：分配发放 / Source: a distribution payment")
    guarantee_id: int | None = Field(description="来源：保底收益 / Source: a guaranteed payment")
    transaction_id: int | None = Field(
        description="来源：成员交易（务工、土地租金） / Source: a member transaction"
    )


class IncomePage(Schema):
    count: int
    page: int
    page_size: int
    results: list[IncomeOut]
