"""The statements, built from `LedgerData` by pure functions: no database, every figure an integer of fen.

A `Statement` is one table in the official row layout (columns, rows, the 行次 of each line) plus its figures by
label, so the web page, the API's JSON and the XLSX, CSV and PDF exports all show the same thing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..domain.balances import AccountInfo, Posting, trial_balance
from .data import COLLECTIVE, COOPERATIVE, PROFIT_AND_LOSS, ROLE_CODES, LedgerData, StatementAccount
from .layouts import BALANCE_SHEET, EQUITY, SURPLUS, Line

Cell = str | int | None

KINDS = (
    "balance-sheet",
    "surplus",
    "equity-changes",
    "trial-balance",
    "general-ledger",
    "subsidiary-ledger",
)
TITLES = {
    ("balance-sheet", COOPERATIVE): ("资产负债表", "会农社01表"),
    ("balance-sheet", COLLECTIVE): ("资产负债表", "会农集01表"),
    ("surplus", COOPERATIVE): ("盈余及盈余分配表", "会农社02表"),
    ("surplus", COLLECTIVE): ("收益及收益分配表", "会农集02表"),
    ("equity-changes", COOPERATIVE): ("成员权益变动表", "会农社03表"),
    ("equity-changes", COLLECTIVE): ("成员权益变动表", ""),
    ("trial-balance", COOPERATIVE): ("科目余额表（试算平衡表）", ""),
    ("trial-balance", COLLECTIVE): ("科目余额表（试算平衡表）", ""),
    ("general-ledger", COOPERATIVE): ("总账", ""),
    ("general-ledger", COLLECTIVE): ("总账", ""),
    ("subsidiary-ledger", COOPERATIVE): ("明细账", ""),
    ("subsidiary-ledger", COLLECTIVE): ("明细账", ""),
}


@dataclass(frozen=True)
class Statement:
    kind: str
    title: str
    form: str  # the form's number, e.g. 会农社01表
    entity: str  # 编制单位
    date_from: dt.date
    date_to: dt.date
    columns: tuple[str, ...]
    money: frozenset[int]  # indexes of the columns that hold fen
    rows: tuple[tuple[Cell, ...], ...]
    styles: tuple[str, ...]  # per row: "" | "head" (a heading) | "total"
    figures: Mapping[str, tuple[int | None, ...]] = field(default_factory=dict)
    checks: Mapping[str, bool] = field(default_factory=dict)
    unit: str = "元"

    @property
    def period(self) -> str:
        return f"{self.date_from:%Y年%m月%d日} 至 {self.date_to:%Y年%m月%d日}"

    def figure(self, label: str) -> tuple[int | None, ...]:
        return self.figures[label]


def _statement(kind: str, data_standard: str, **kwargs) -> Statement:
    title, form = TITLES[(kind, data_standard)]
    return Statement(kind=kind, title=kwargs.pop("title", title), form=form, **kwargs)


# -- formulas ------------------------------------------------------------------------------------------------------

TOKEN = re.compile(r"([+-]?)(L\d+|[DCOT]\d+|PL|IN|OUTX|\d+)")


@functools.cache
def _terms(formula: str) -> tuple[tuple[int, str], ...]:
    """The signed tokens of a layout formula; parsed once per formula (the layouts are fixed, and every statement
    of every book evaluates them)."""
    terms = []
    pos = 0
    for match in TOKEN.finditer(formula):
        if match.start() != pos:
            raise ValueError(f"bad formula {formula!r}")
        pos = match.end()
        terms.append((-1 if match.group(1) == "-" else 1, match.group(2)))
    if pos != len(formula):
        raise ValueError(f"bad formula {formula!r}")
    return tuple(terms)


class _Balances:
    """Balances of `data` when the period opens (`at="open"`) or closes (`at="close"`)."""

    def __init__(self, data: LedgerData, at: str):
        self.data = data
        self.at = at

    def _value(self, m) -> int:
        return m.opening if self.at == "open" else m.closing

    def term(self, token: str, lines: Mapping[int, int]) -> int:
        if token.startswith("L"):
            return lines.get(int(token[1:]), 0)
        if token == "PL":
            return sum(self.net(code) for code in self.data.class_codes(PROFIT_AND_LOSS))
        if token[0] in "DC":
            leaves = self.data.positions(token[1:], self.at)
            return sum(v for v in leaves if v > 0) if token[0] == "D" else -sum(v for v in leaves if v < 0)
        return self.net(token)

    def net(self, code: str) -> int:
        return sum(self._value(m) for _, m in self.data.subtree(code))


class _Activity:
    """Movements of the period, the year-close vouchers left out, in each account's own direction."""

    def __init__(self, data: LedgerData, named: Iterable[str]):
        self.data = data
        roles = ROLE_CODES[data.standard]
        self.skip = {roles["current"], roles["distribution"]}
        self.distribution = roles["distribution"]
        self.named = set(named)

    def term(self, token: str, lines: Mapping[int, int]) -> int:
        if token.startswith("L"):
            return lines.get(int(token[1:]), 0)
        if token.startswith("O"):
            return -sum(m.opening for _, m in self.data.subtree(token[1:]))
        if token.startswith("T"):
            return self.data.flows.get(token[1:], (0, 0))[1]
        if token == "IN":
            return sum(d for code, (d, _c) in self.data.flows.items() if code not in self.skip)
        if token == "OUTX":
            return sum(c for code, (_d, c) in self.data.flows.items() if code not in self.skip | self.named)
        account = self.data.account(token)
        debit = credit = 0
        for _, m in self.data.subtree(token):
            debit += m.debit - m.close_debit
            credit += m.credit - m.close_credit
        if account is not None and account.normal_balance == "credit":
            return credit - debit
        return debit - credit


def _evaluate(layout: Sequence[Line], source) -> dict[int, int]:
    values: dict[int, int] = {}
    for number, _label, formula in layout:
        if formula is None or number is None:
            continue
        values[number] = sum(sign * source.term(token, values) for sign, token in _terms(formula))
    return values


def _named_in(layout: Sequence[Line]) -> set[str]:
    return {
        token[1:]
        for _, _, f in layout
        if f
        for _, token in _terms(f)
        if token.startswith("T") and len(token) > 1
    }


# -- 资产负债表 ----------------------------------------------------------------------------------------------------


def balance_sheet(data: LedgerData) -> Statement:
    """The balance sheet in the two-sided official layout: 年初数 when the period opens (the caller passes a period
    that starts on 1 January), 期末数 when it closes."""
    assets, claims = BALANCE_SHEET[data.standard]
    both = assets + claims
    opening = _evaluate(both, _Balances(data, "open"))
    closing = _evaluate(both, _Balances(data, "close"))
    rows: list[tuple[Cell, ...]] = []
    styles: list[str] = []
    for i in range(max(len(assets), len(claims))):
        cells: list[Cell] = []
        style = ""
        for side in (assets, claims):
            if i < len(side):
                number, label, formula = side[i]
                if formula is None:
                    cells += [label, None, None, None]
                    style = style or "head"
                else:
                    cells += [label, number, opening[number], closing[number]]
                    if "合计" in label or "总计" in label:
                        style = "total"
            else:
                cells += [None, None, None, None]
        rows.append(tuple(cells))
        styles.append(style)
    figures = {label: (opening[n], closing[n]) for n, label, f in both if f is not None and n is not None}
    total_assets = assets[-1][0]
    total_claims = claims[-1][0]
    checks = {
        "balanced": opening[total_assets] == opening[total_claims]
        and closing[total_assets] == closing[total_claims]
    }
    return _statement(
        "balance-sheet",
        data.standard,
        entity=data.entity,
        date_from=data.date_from,
        date_to=data.date_to,
        columns=("资产", "行次", "年初数", "期末数", "负债和所有者权益", "行次", "年初数", "期末数"),
        money=frozenset({2, 3, 6, 7}),
        rows=tuple(rows),
        styles=tuple(styles),
        figures=figures,
        checks=checks,
    )


# -- 盈余及盈余分配表 / 收益及收益分配表 -------------------------------------------------------------------------


def surplus_statement(data: LedgerData, prior: LedgerData | None = None) -> Statement:
    """The cooperative's 盈余及盈余分配表 or the collective's 收益及收益分配表: the period's amounts (本期金额) and
    those of the same period a year earlier (上年同期金额, blank without `prior`)."""
    layout = SURPLUS[data.standard]
    named = _named_in(layout)
    current = _evaluate(layout, _Activity(data, named))
    before = _evaluate(layout, _Activity(prior, named)) if prior is not None else {}
    rows = []
    styles = []
    figures = {}
    for number, label, _f in layout:
        assert number is not None
        rows.append((label, number, current[number], before.get(number)))
        styles.append("total" if label[:2] in ("一、", "二、", "三、", "四、", "五、", "六、") else "")
        figures[label.split("、")[-1].removeprefix("加：").removeprefix("减：")] = (
            current[number],
            before.get(number),
        )
    return _statement(
        "surplus",
        data.standard,
        entity=data.entity,
        date_from=data.date_from,
        date_to=data.date_to,
        columns=("项目", "行次", "本期金额", "上年同期金额"),
        money=frozenset({2, 3}),
        rows=tuple(rows),
        styles=tuple(styles),
        figures=figures,
    )


# -- 成员权益变动表 -------------------------------------------------------------------------------------------------


def equity_changes(data: LedgerData) -> Statement:
    """Per equity column: the balance when the period opens, the period's increases and decreases and the balance
    when it closes, credit positive. The column of undistributed surplus takes the profit-and-loss accounts too, so
    the year's result counts as an increase (a loss as a decrease) whether or not the year is closed yet."""
    columns = EQUITY[data.standard]
    roles = ROLE_CODES[data.standard]
    result_codes = (roles["current"], roles["distribution"])
    pl = data.class_codes(PROFIT_AND_LOSS)
    opening: list[int] = []
    increase: list[int] = []
    decrease: list[int] = []
    closing: list[int] = []
    for _label, codes in columns:
        o = inc = dec = 0
        for code in codes:
            for _, m in data.subtree(code):
                o -= m.opening
                inc += m.credit - m.close_credit
                dec += m.debit - m.close_debit
        if set(codes) == set(result_codes):
            result = 0
            for code in pl:
                for _, m in data.subtree(code):
                    o -= m.opening
                    result += (m.credit - m.close_credit) - (m.debit - m.close_debit)
            inc += max(result, 0)
            dec += max(-result, 0)
        opening.append(o)
        increase.append(inc)
        decrease.append(dec)
        closing.append(o + inc - dec)
    names = [label for label, _ in columns]
    table = [
        ("一、期初余额", 1, opening),
        ("二、本期增加", 2, increase),
        ("三、本期减少", 3, decrease),
        ("四、期末余额", 4, closing),
    ]
    rows = [(label, n, *values, sum(values)) for label, n, values in table]
    figures = {label[2:]: (*values, sum(values)) for label, _n, values in table}
    checks = {
        "closing_ties": all(
            o + i - d == c for o, i, d, c in zip(opening, increase, decrease, closing, strict=True)
        )
    }
    return _statement(
        "equity-changes",
        data.standard,
        entity=data.entity,
        date_from=data.date_from,
        date_to=data.date_to,
        columns=("项目", "行次", *names, "合计"),
        money=frozenset(range(2, len(names) + 3)),
        rows=tuple(rows),
        styles=("", "", "", "total"),
        figures=figures,
        checks=checks,
    )


# -- 科目余额表（试算平衡表） -------------------------------------------------------------------------------------


def trial_balance_statement(data: LedgerData) -> Statement:
    """Opening balance, the period's debits and credits and the closing balance of every account, summed into
    its ancestors; totals over the first-level accounts, which balance."""
    infos = [AccountInfo(a.code, a.name, a.normal_balance, a.parent_code) for a in data.accounts]
    tb = trial_balance(
        infos,
        opening={code: m.opening for code, m in data.movements.items() if m.opening},
        postings=[Posting(code, m.debit, m.credit) for code, m in data.movements.items()],
    )
    active = {code for code, m in data.movements.items() if m.opening or m.debit or m.credit}
    covered = data.above(active)
    shown = [r for r in tb.rows if r.code in covered]
    rows = [
        (
            r.code,
            ("　" * (r.level - 1)) + r.name,
            r.opening_debit_fen,
            r.opening_credit_fen,
            r.period_debit_fen,
            r.period_credit_fen,
            r.closing_debit_fen,
            r.closing_credit_fen,
        )
        for r in shown
    ]
    t = tb.totals
    rows.append(
        (
            None,
            "合计",
            t.opening_debit_fen,
            t.opening_credit_fen,
            t.period_debit_fen,
            t.period_credit_fen,
            t.closing_debit_fen,
            t.closing_credit_fen,
        )
    )
    figures = {r[0] or "合计": tuple(r[2:]) for r in rows}  # type: ignore[misc]
    return _statement(
        "trial-balance",
        data.standard,
        entity=data.entity,
        date_from=data.date_from,
        date_to=data.date_to,
        columns=(
            "科目编号",
            "科目名称",
            "期初借方",
            "期初贷方",
            "本期借方",
            "本期贷方",
            "期末借方",
            "期末贷方",
        ),
        money=frozenset(range(2, 8)),
        rows=tuple(rows),
        styles=tuple(["" if r.level == 1 else "sub" for r in shown] + ["total"]),
        figures=figures,
        checks={"balanced": tb.balanced},
    )


# -- 总账 ----------------------------------------------------------------------------------------------------------


def _side(net: int, normal: str) -> tuple[str, int]:
    if net == 0:
        return "平", 0
    return ("借", net) if net > 0 else ("贷", -net)


def general_ledger(data: LedgerData, monthly: Mapping[tuple[str, int, int], tuple[int, int]]) -> Statement:
    """The general ledger (总账) of every first-level account with a balance or movements: its opening balance,
    per month the month's totals (本月合计) and the running totals of the year (本年累计), with the balance.
    `monthly` maps (code, year, month) of any account to its (debit, credit); they are summed into the first
    level."""
    tops: dict[str, dict[tuple[int, int], list[int]]] = {}
    for (code, year, month), (d, c) in monthly.items():
        per = tops.setdefault(data.top_of(code), {}).setdefault((year, month), [0, 0])
        per[0] += d
        per[1] += c
    rows: list[tuple[Cell, ...]] = []
    styles: list[str] = []
    figures: dict[str, tuple[int | None, ...]] = {}
    for account in sorted((a for a in data.accounts if not a.parent_code), key=lambda a: a.code):
        opening = sum(m.opening for _, m in data.subtree(account.code))
        months = tops.get(account.code, {})
        if not opening and not months:
            continue
        rows.append((f"{account.code} {account.name}", None, None, None, None, None, None))
        styles.append("head")
        side, amount = _side(opening, account.normal_balance)
        rows.append((None, None, "期初余额", None, None, side, amount))
        styles.append("")
        balance = opening
        year_d = year_c = 0
        current_year = None
        for (year, month), (d, c) in sorted(months.items()):
            if year != current_year:
                current_year, year_d, year_c = year, 0, 0
            balance += d - c
            year_d += d
            year_c += c
            side, amount = _side(balance, account.normal_balance)
            rows.append((year, month, "本月合计", d, c, side, amount))
            rows.append((year, month, "本年累计", year_d, year_c, side, amount))
            styles += ["", "total"]
        total_d = sum(d for d, _ in months.values())
        total_c = sum(c for _, c in months.values())
        figures[account.code] = (opening, total_d, total_c, balance)
    return _statement(
        "general-ledger",
        data.standard,
        entity=data.entity,
        date_from=data.date_from,
        date_to=data.date_to,
        columns=("年", "月", "摘要", "借方", "贷方", "借或贷", "余额"),
        money=frozenset({3, 4, 6}),
        rows=tuple(rows),
        styles=tuple(styles),
        figures=figures,
    )


# -- 明细账 ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    date: dt.date
    voucher: str  # 凭证字号, e.g. 记-3
    summary: str
    debit: int
    credit: int


def subsidiary_ledger(
    *,
    standard: str,
    entity: str,
    account: StatementAccount,
    date_from: dt.date,
    date_to: dt.date,
    opening: int,
    entries: Sequence[Entry],
    member_name: str = "",
) -> Statement:
    """The subsidiary ledger (明细账) of one account (with everything below it), or of one member on a member
    account: the opening balance, every posted line in date order with the running balance, and the totals."""
    rows: list[tuple[Cell, ...]] = []
    styles: list[str] = []
    side, amount = _side(opening, account.normal_balance)
    rows.append((None, None, "期初余额", None, None, side, amount))
    styles.append("")
    balance = opening
    total_d = total_c = 0
    for e in entries:
        balance += e.debit - e.credit
        total_d += e.debit
        total_c += e.credit
        side, amount = _side(balance, account.normal_balance)
        rows.append((e.date.isoformat(), e.voucher, e.summary, e.debit, e.credit, side, amount))
        styles.append("")
    side, amount = _side(balance, account.normal_balance)
    rows.append((None, None, "本期合计", total_d, total_c, side, amount))
    styles.append("total")
    heading = f"{account.code} {account.name}" + (f" · {member_name}" if member_name else "")
    return _statement(
        "subsidiary-ledger",
        standard,
        title=f"明细账：{heading}",
        entity=entity,
        date_from=date_from,
        date_to=date_to,
        columns=("日期", "凭证字号", "摘要", "借方", "贷方", "借或贷", "余额"),
        money=frozenset({3, 4, 6}),
        rows=tuple(rows),
        styles=tuple(styles),
        figures={"opening": (opening,), "period": (total_d, total_c), "closing": (balance,)},
    )
