"""Automatic vouchers: which accounts a cooperative's operation debits and credits (issue 4, point 3). Pure Python.

The operations are the share ledger's entries (coops.EntryType, per coops.ShareClassKind) and the member
transactions (coops.TransactionKind). The mapping follows 农民专业合作社会计制度 (财会〔2021〕37号); a collective
economic organisation's book (农村集体经济组织会计制度, 财会〔2023〕14号) uses the equivalent accounts:

| operation | cooperative (farmers_cooperative) | collective (collective_organisation) |
|---|---|---|
| subscription, cash class | Dr 102 银行存款 / Cr 301 股金 (member) | Dr 102 / Cr 301 资本 |
| subscription, land class | Dr 161 无形资产 / Cr 301 | Dr 161 / Cr 301 |
| subscription, labour class | Dr 401 生产成本 / Cr 301 | Dr 401 / Cr 301 |
| subscription, collective assets | Dr 151 固定资产 / Cr 301 | Dr 151 / Cr 301 |
| subscription, fiscal poverty fund | Dr 235 专项应付款 / Cr 311 专项基金 | Dr 241 专项应付款 / Cr 311 公积公益金 |
| subscription, donation | Dr 102 / Cr 311 | Dr 102 / Cr 311 |
| transfer, inheritance (capital) | Dr 301 (from) / Cr 301 (to) | nothing: 301 has no member sub-ledger |
| transfer, inheritance (subsidy) | nothing: it stays in 311 | nothing |
| poverty-fund shares → cash shares | Dr 311 / Cr 301 (member) | Dr 311 / Cr 301 |
| redemption, exit settlement (capital) | Dr 301 (member) / Cr 114 成员往来 (member) | Dr 301 / Cr 113 内部往来 (member) |
| redemption at exit (subsidy) | nothing: no cash leaves, Dr 311 / Cr 311 is nothing | nothing |
| reserve share returned at exit | Dr 322 盈余公积 / Cr 114 (member) | Dr 311 / Cr 113 (member) |
| member sells to it (e.g. cocoons) | Dr 121 产品物资 / Cr 114 (member) | Dr 121 库存物资 / Cr 113 (member) |
| member buys inputs from it | Dr 114 (member) / Cr 501 经营收入 | Dr 113 (member) / Cr 501 |
| labour | Dr 401 / Cr 212 应付工资 | Dr 401 / Cr 212 |
| land rent | Dr 401 / Cr 114 (member) | Dr 401 / Cr 113 (member) |

A non-member's transaction uses 211 应付款 (credit) or the receivables account (debit: 113 应收款, collective
112 应收款) with the counterparty's name instead of the member account. A subscription of a class that is not
capital (`is_capital` false) credits 311 instead of 301.

A two-leg movement (transfer, inheritance, conversion) is one voucher, built on its *out* leg: the out leg's lines
describe the whole movement and the in leg's are empty. A company (legal form `company`, the 3.0 platform) keeps
enterprise books outside Tongzhou: no lines. A zero amount gives no lines (a voucher's total may not be zero).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

COOPERATIVE = "farmers_cooperative"
COLLECTIVE = "collective_organisation"
STANDARDS = (COOPERATIVE, COLLECTIVE)

# coops.EntryType values
SUBSCRIPTION = "subscription"
TRANSFER_OUT = "transfer_out"
TRANSFER_IN = "transfer_in"
INHERITANCE_OUT = "inheritance_out"
INHERITANCE_IN = "inheritance_in"
CONVERSION_OUT = "conversion_out"
CONVERSION_IN = "conversion_in"
REDEMPTION = "redemption"
ENTRY_KINDS = (
    SUBSCRIPTION,
    TRANSFER_OUT,
    TRANSFER_IN,
    INHERITANCE_OUT,
    INHERITANCE_IN,
    CONVERSION_OUT,
    CONVERSION_IN,
    REDEMPTION,
)
# An operation that is not a share entry but moves money at exit.
EXIT_RESERVE = "exit_reserve"

# coops.ShareClassKind values
CASH = "cash"
LAND = "land"
LABOUR_CLASS = "labour"
COLLECTIVE_ASSETS = "collective_assets"
FISCAL_POVERTY = "fiscal_poverty"
DONATION = "donation"
SUBSIDY_KINDS = frozenset({FISCAL_POVERTY, DONATION})

# coops.TransactionKind values
SALE_TO_COOP = "sale_to_coop"
PURCHASE_FROM_COOP = "purchase_from_coop"
LABOUR = "labour"
LAND_RENT = "land_rent"
TRANSACTION_KINDS = (SALE_TO_COOP, PURCHASE_FROM_COOP, LABOUR, LAND_RENT)


@dataclass(frozen=True)
class AutoLine:
    """One line of an automatic voucher, on a first-level account code of the book's chart (the book resolves it:
    to the member's sub-account where the book keeps one per member)."""

    account_code: str
    debit_fen: int
    credit_fen: int
    member_id: int | None = None
    counterparty: str = ""


@dataclass(frozen=True)
class _Accounts:
    bank: str
    capital: str  # 股金 / 资本
    capital_by_member: bool  # whether the capital account takes a member
    special_fund: str  # 专项基金 / 公积公益金
    special_payable: str  # 专项应付款
    reserve: str  # 盈余公积 / 公积公益金
    member_current: str  # 成员往来 / 内部往来
    receivable: str  # 应收款 (counterparty)
    payable: str  # 应付款 (counterparty)
    products: str  # 产品物资 / 库存物资
    wages: str  # 应付工资
    cost: str  # 生产成本
    revenue: str  # 经营收入
    intangible: str
    fixed_assets: str


_CHARTS: dict[str, _Accounts] = {
    COOPERATIVE: _Accounts(
        bank="102",
        capital="301",
        capital_by_member=True,
        special_fund="311",
        special_payable="235",
        reserve="322",
        member_current="114",
        receivable="113",
        payable="211",
        products="121",
        wages="212",
        cost="401",
        revenue="501",
        intangible="161",
        fixed_assets="151",
    ),
    COLLECTIVE: _Accounts(
        bank="102",
        capital="301",
        capital_by_member=False,
        special_fund="311",
        special_payable="241",
        reserve="311",
        member_current="113",
        receivable="112",
        payable="211",
        products="121",
        wages="212",
        cost="401",
        revenue="501",
        intangible="161",
        fixed_assets="151",
    ),
}


def keeps_books(standard: str) -> bool:
    """Whether an organisation of this legal form keeps its books in Tongzhou (a company does not)."""
    return standard in _CHARTS


def _dr(code: str, fen: int, member_id: int | None = None, counterparty: str = "") -> AutoLine:
    return AutoLine(code, fen, 0, member_id, counterparty)


def _cr(code: str, fen: int, member_id: int | None = None, counterparty: str = "") -> AutoLine:
    return AutoLine(code, 0, fen, member_id, counterparty)


def share_entry_lines(
    *,
    standard: str,
    entry_kind: str,
    class_kind: str,
    amount_fen: int,
    member_id: int,
    counter_member_id: int | None = None,
    is_capital: bool | None = None,
) -> list[AutoLine]:
    """The lines of the voucher for one share entry. `amount_fen` may be signed as on the entry (out legs are
    negative); its absolute value is booked. For a transfer or inheritance out leg, `member_id` is the member who
    gives and `counter_member_id` the one who receives. `is_capital` defaults to "not a subsidy class"."""
    accounts = _CHARTS.get(standard)
    amount = abs(int(amount_fen))
    if accounts is None or amount == 0:
        return []
    if entry_kind not in ENTRY_KINDS:
        raise ValueError(f"unknown share entry kind {entry_kind!r}")
    capital = (class_kind not in SUBSIDY_KINDS) if is_capital is None else bool(is_capital)
    capital = capital and class_kind not in SUBSIDY_KINDS
    cap_member = member_id if accounts.capital_by_member else None

    if entry_kind == SUBSCRIPTION:
        debit = {
            CASH: accounts.bank,
            LAND: accounts.intangible,
            LABOUR_CLASS: accounts.cost,
            COLLECTIVE_ASSETS: accounts.fixed_assets,
            FISCAL_POVERTY: accounts.special_payable,
            DONATION: accounts.bank,
        }.get(class_kind)
        if debit is None:
            raise ValueError(f"unknown share class kind {class_kind!r}")
        if capital:
            return [_dr(debit, amount), _cr(accounts.capital, amount, cap_member)]
        return [_dr(debit, amount), _cr(accounts.special_fund, amount)]

    if entry_kind in (TRANSFER_OUT, INHERITANCE_OUT):
        # A subsidy class moves within 311: no voucher. A collective's 资本 has no member sub-ledger: nothing moves.
        if not capital or not accounts.capital_by_member:
            return []
        if counter_member_id is None:
            raise ValueError("a transfer or inheritance needs the receiving member (counter_member_id)")
        return [_dr(accounts.capital, amount, member_id), _cr(accounts.capital, amount, counter_member_id)]

    if entry_kind == CONVERSION_OUT:
        # Poverty-fund shares (in 311) become the member's cash shares: 311 → 301.
        return [_dr(accounts.special_fund, amount), _cr(accounts.capital, amount, cap_member)]

    if entry_kind == REDEMPTION:
        if not capital:
            return []  # withdrawn at exit, not paid back: no cash leaves
        return [_dr(accounts.capital, amount, cap_member), _cr(accounts.member_current, amount, member_id)]

    return []  # TRANSFER_IN, INHERITANCE_IN, CONVERSION_IN: booked on the out leg


def exit_reserve_lines(*, standard: str, amount_fen: int, member_id: int) -> list[AutoLine]:
    """The quantified reserve share returned to an exiting member (Art. 28): Dr 322 盈余公积 / Cr 114 成员往来
    (collective: Dr 311 公积公益金 / Cr 113 内部往来)."""
    accounts = _CHARTS.get(standard)
    amount = abs(int(amount_fen))
    if accounts is None or amount == 0:
        return []
    return [_dr(accounts.reserve, amount), _cr(accounts.member_current, amount, member_id)]


def transaction_lines(
    *, standard: str, kind: str, amount_fen: int, member_id: int | None, counterparty: str = ""
) -> list[AutoLine]:
    """The lines of the voucher for one member (or non-member) transaction."""
    accounts = _CHARTS.get(standard)
    amount = int(amount_fen)
    if amount < 0:
        raise ValueError("a transaction's amount is not negative")
    if accounts is None or amount == 0:
        return []
    if kind not in TRANSACTION_KINDS:
        raise ValueError(f"unknown transaction kind {kind!r}")
    if member_id is None and not counterparty:
        raise ValueError("a non-member transaction needs the counterparty's name")
    if member_id is not None:

        def owed(fen: int) -> AutoLine:  # the cooperative owes the member
            return _cr(accounts.member_current, fen, member_id)

        def owing(fen: int) -> AutoLine:  # the member owes the cooperative
            return _dr(accounts.member_current, fen, member_id)
    else:

        def owed(fen: int) -> AutoLine:
            return _cr(accounts.payable, fen, counterparty=counterparty)

        def owing(fen: int) -> AutoLine:
            return _dr(accounts.receivable, fen, counterparty=counterparty)

    if kind == SALE_TO_COOP:
        return [_dr(accounts.products, amount), owed(amount)]
    if kind == PURCHASE_FROM_COOP:
        return [owing(amount), _cr(accounts.revenue, amount)]
    if kind == LABOUR:
        return [_dr(accounts.cost, amount), _cr(accounts.wages, amount)]
    return [_dr(accounts.cost, amount), owed(amount)]  # LAND_RENT


# (year, month, kind, member id or None, counterparty name) → (amount in fen, latest date)
TransactionTotals = dict[tuple[int, int, str, int | None, str], tuple[int, dt.date]]


def add_transaction_total(
    totals: TransactionTotals,
    *,
    on: dt.date,
    kind: str,
    member_id: int | None,
    counterparty: str,
    amount_fen: int,
) -> None:
    """Add one transaction to its month's totals (see `transaction_summary_lines`)."""
    key = (on.year, on.month, kind, member_id, counterparty)
    had = totals.get(key)
    totals[key] = (amount_fen, on) if had is None else (had[0] + amount_fen, max(had[1], on))


def transaction_summary_lines(
    *, standard: str, totals: TransactionTotals
) -> list[tuple[int, int, dt.date, list[AutoLine]]]:
    """The summary vouchers (汇总记账凭证) of many member transactions: per month, in month order, (year, month, the
    month's last transaction date, lines). Each member's (or non-member's) total per kind goes through
    `transaction_lines`, and the lines are merged per account, member or counterparty and side — so 成员往来 stays
    per member while 产品物资 or 经营收入 is one line a month. A side is never netted against the other."""
    by_month: dict[tuple[int, int], dict[tuple, int]] = {}
    last_day: dict[tuple[int, int], dt.date] = {}
    for (year, month, kind, member_id, counterparty), (amount, on) in sorted(
        totals.items(), key=lambda item: (item[0][0], item[0][1], item[0][2], item[0][3] or 0, item[0][4])
    ):
        merged = by_month.setdefault((year, month), {})
        last_day[(year, month)] = max(last_day.get((year, month), on), on)
        for line in transaction_lines(
            standard=standard, kind=kind, amount_fen=amount, member_id=member_id, counterparty=counterparty
        ):
            side = "debit" if line.debit_fen else "credit"
            key = (line.account_code, line.member_id, line.counterparty, side)
            merged[key] = merged.get(key, 0) + line.debit_fen + line.credit_fen
    out = []
    for (year, month), merged in sorted(by_month.items()):
        lines = [
            AutoLine(
                code, fen if side == "debit" else 0, fen if side == "credit" else 0, member_id, counterparty
            )
            for (code, member_id, counterparty, side), fen in merged.items()
            if fen
        ]
        if lines:
            out.append((year, month, last_day[(year, month)], lines))
    return out


_ENTRY_SUMMARY = {
    SUBSCRIPTION: "{member} 认购{cls}",
    TRANSFER_OUT: "{member} 转让{cls}给 {counter}",
    TRANSFER_IN: "{counter} 转让{cls}给 {member}",
    INHERITANCE_OUT: "{counter} 继承 {member} 的{cls}",
    INHERITANCE_IN: "{member} 继承 {counter} 的{cls}",
    CONVERSION_OUT: "{member} 财政扶贫资金股转为现金股",
    CONVERSION_IN: "{member} 财政扶贫资金股转为现金股",
    REDEMPTION: "{member} 退还{cls}",
    EXIT_RESERVE: "{member} 退社返还公积金份额",
    SALE_TO_COOP: "{member} 交售{product}",
    PURCHASE_FROM_COOP: "{member} 购买{product}",
    LABOUR: "{member} 务工工资{product}",
    LAND_RENT: "{member} 土地流转租金{product}",
}


def summary_of(
    operation: str,
    *,
    member_name: str = "",
    counter_name: str = "",
    class_name: str = "",
    product: str = "",
) -> str:
    """The voucher's summary (摘要), e.g. "张三 认购现金股金". `operation` is a share entry kind, a transaction kind
    or EXIT_RESERVE; for a transaction, `member_name` is the member's or the non-member's name. At most 200
    characters (the voucher's field)."""
    template = _ENTRY_SUMMARY.get(operation)
    if template is None:
        raise ValueError(f"unknown operation {operation!r}")
    if operation in (LABOUR, LAND_RENT) and product:
        product = f"（{product}）"
    text = template.format(
        member=member_name or "成员",
        counter=counter_name or "成员",
        cls=class_name or "股金",
        product=product,
    )
    return " ".join(text.split())[:200]
