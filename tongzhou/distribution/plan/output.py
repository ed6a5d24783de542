"""A computed plan as JSON (stable keys; fen integers and yuan strings), as XLSX (parameters, steps, members,
totals) and as a table for the screen. Every figure comes from the domain's result; nothing is recomputed here
except the sums a totals line shows."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from tongzhou.core.money import fen_to_yuan_str
from tongzhou.distribution.domain import CollectiveDistribution, CooperativeDistribution
from tongzhou.distribution.domain.checks import (
    BYLAWS,
    COLLECTIVE_ART_40,
    COLLECTIVE_ART_42,
    COOP_ART_42,
    COOP_ART_44,
)

from .build import PlanResult
from .spec import CHOICES, COOPERATIVE, PARAMETER_BY_KEY, RESULT_FORMAT

MONEY, QUANTITY, TEXT = "money", "quantity", "text"

# step key → (Chinese, English, article); in the law's order, each a field of the domain's steps.
COOPERATIVE_STEPS: dict[str, tuple[str, str, str]] = {
    "surplus": ("本年盈余", "the year's surplus", COOP_ART_44),
    "losses_to_make_up": ("待弥补亏损", "losses to make up", COOP_ART_44),
    "losses_made_up": ("弥补亏损", "losses made up", COOP_ART_44),
    "loss_carried_forward": ("结转下年弥补的亏损", "loss carried forward", COOP_ART_44),
    "reserve": ("提取公积金", "reserve", COOP_ART_42),
    "reserve_quantified": ("　其中量化到成员", "  of which quantified to members", COOP_ART_42),
    "reserve_unquantified": ("　其中未量化", "  of which not quantified", COOP_ART_42),
    "distributable": ("可分配盈余", "distributable surplus", COOP_ART_44),
    "patronage": ("按交易量返还", "patronage return", COOP_ART_44),
    "patronage_unallocated": (
        "　其中无成员交易、未分配",
        "  of which unallocated (no member traded)",
        COOP_ART_44,
    ),
    "secondary_fund": ("二次分配资金", "secondary distribution fund", BYLAWS),
    "secondary_paid": ("　其中已分配到户", "  of which paid to households", BYLAWS),
    "secondary_unallocated": ("　其中未分配", "  of which unallocated", BYLAWS),
    "remainder": ("剩余盈余", "remainder", COOP_ART_44),
    "remainder_to_members": ("　分配给成员", "  to members", COOP_ART_44),
    "remainder_members_unallocated": ("　　其中未分配", "    of which unallocated", COOP_ART_44),
    "remainder_to_collective": ("　分配给村集体", "  to the village collective", BYLAWS),
    "remainder_to_management": ("　分配给管理人员", "  to the management", BYLAWS),
    "remainder_to_welfare": ("　用于公益", "  to welfare", BYLAWS),
    "converted_to_capital": ("转为成员出资", "converted into member capital", COOP_ART_44),
    "cash_to_members": ("应付成员现金", "cash to members", COOP_ART_44),
}
COLLECTIVE_STEPS: dict[str, tuple[str, str, str]] = {
    "income": ("本年收益", "the year's income", COLLECTIVE_ART_42),
    "losses_to_make_up": ("待弥补亏损", "losses to make up", COLLECTIVE_ART_42),
    "losses_made_up": ("弥补亏损", "losses made up", COLLECTIVE_ART_42),
    "loss_carried_forward": ("结转下年弥补的亏损", "loss carried forward", COLLECTIVE_ART_42),
    "welfare_fund": ("提取公积公益金", "reserve and welfare fund (公积公益金)", COLLECTIVE_ART_42),
    "distributable": ("可分配收益", "distributable income", COLLECTIVE_ART_42),
    "secondary_fund": ("二次分配资金", "secondary distribution fund", BYLAWS),
    "secondary_paid": ("　其中已分配到户", "  of which paid to households", BYLAWS),
    "secondary_unallocated": ("　其中未分配", "  of which unallocated", BYLAWS),
    "to_members": ("按收益权份额分配给成员", "to members by income-right shares", COLLECTIVE_ART_40),
    "members_unallocated": ("　其中未分配", "  of which unallocated", COLLECTIVE_ART_40),
}


@dataclass(frozen=True)
class MemberColumn:
    key: str
    zh: str
    en: str
    kind: str
    screen: bool = True  # shown in the screen's member table


COOPERATIVE_COLUMNS = (
    MemberColumn("member_number", "成员编号", "member number", TEXT),
    MemberColumn("name", "成员名称", "name", TEXT),
    MemberColumn("transactions_amount", "交易额（元）", "transactions (yuan)", MONEY),
    MemberColumn("transactions_quantity", "交易量", "transaction quantity", QUANTITY),
    MemberColumn("capital", "出资额（元）", "capital", MONEY, screen=False),
    MemberColumn(
        "reserve_quantified", "本年量化公积金（元）", "reserve quantified this year", MONEY, screen=False
    ),
    MemberColumn("subsidy_equal_share", "平均量化补助（元）", "equal subsidy share", MONEY, screen=False),
    MemberColumn("remainder_weight", "剩余盈余分配依据（元）", "remainder weight", MONEY, screen=False),
    MemberColumn("patronage_return", "按交易量返还（元）", "patronage return", MONEY),
    MemberColumn("remainder_share", "剩余盈余分配（元）", "remainder share", MONEY),
    MemberColumn("total", "合计（元）", "total", MONEY, screen=False),
    MemberColumn("converted_to_capital", "转为出资（元）", "converted to capital", MONEY),
    MemberColumn("cash", "现金（元）", "cash", MONEY, screen=False),
    MemberColumn("secondary", "二次分配（元）", "secondary distribution", MONEY),
    MemberColumn("payable", "应付现金（元）", "cash payable", MONEY),
)
COLLECTIVE_COLUMNS = (
    MemberColumn("member_number", "成员编号", "member number", TEXT),
    MemberColumn("name", "成员名称", "name", TEXT),
    MemberColumn("income_right_shares", "收益权份额", "income-right shares", QUANTITY),
    MemberColumn("income_right", "收益分配（元）", "income-right share", MONEY),
    MemberColumn("secondary", "二次分配（元）", "secondary distribution", MONEY),
    MemberColumn("payable", "应付现金（元）", "cash payable", MONEY),
)


def _english(lang: str) -> bool:
    return (lang or "").lower().startswith("en")


def steps(result: PlanResult) -> list[tuple[str, str, str, str, int]]:
    """(key, Chinese, English, article, fen) for each step, in the law's order."""
    d = result.distribution
    labels = COOPERATIVE_STEPS if isinstance(d, CooperativeDistribution) else COLLECTIVE_STEPS
    values = {f.name.removesuffix("_fen"): getattr(d.steps, f.name) for f in fields(d.steps)}
    values |= {"secondary_paid": d.secondary.paid_fen, "secondary_unallocated": d.secondary.unallocated_fen}
    return [(key, zh, en, article, values[key]) for key, (zh, en, article) in labels.items()]


def columns(result: PlanResult, *, every: bool = False) -> tuple[MemberColumn, ...]:
    """The member columns of this body; without `every`, only the transaction column of the bylaws' basis."""
    if result.plan.body != COOPERATIVE:
        return COLLECTIVE_COLUMNS
    if every:
        return COOPERATIVE_COLUMNS
    unused = (
        "transactions_amount"
        if result.plan.terms.transaction_basis == "quantity"
        else "transactions_quantity"
    )
    return tuple(c for c in COOPERATIVE_COLUMNS if c.key != unused)


def member_rows(result: PlanResult) -> list[dict[str, Any]]:
    """One dict per member (sorted by member number), money in fen."""
    d = result.distribution
    lines = {m.key: m for m in result.plan.members}
    paid = d.secondary.paid
    rows = []
    if isinstance(d, CooperativeDistribution):
        for s in d.members:
            line = lines[s.key]
            secondary = paid.get(s.key, 0)
            rows.append(
                {
                    "member_number": s.key,
                    "name": line.name,
                    "transactions_amount": line.values["transactions_amount"],
                    "transactions_quantity": line.values["transactions_quantity"],
                    "capital": line.values["capital"],
                    "reserve_quantified": s.reserve_quantified_fen,
                    "subsidy_equal_share": s.subsidy_equal_share_fen,
                    "remainder_weight": s.remainder_weight_fen,
                    "patronage_return": s.patronage_return_fen,
                    "remainder_share": s.remainder_share_fen,
                    "total": s.total_fen,
                    "converted_to_capital": s.converted_to_capital_fen,
                    "cash": s.cash_fen,
                    "secondary": secondary,
                    "payable": s.cash_fen + secondary,
                }
            )
    else:
        assert isinstance(d, CollectiveDistribution)
        for share in d.members:
            secondary = paid.get(share.key, 0)
            rows.append(
                {
                    "member_number": share.key,
                    "name": lines[share.key].name,
                    "income_right_shares": share.shares,
                    "income_right": share.income_right_fen,
                    "secondary": secondary,
                    "payable": share.income_right_fen + secondary,
                }
            )
    return rows


def totals(result: PlanResult, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {c.key: sum((r[c.key] for r in rows), 0) for c in columns(result, every=True) if c.kind != TEXT}


def _percent(bp: int) -> str:
    return f"{Decimal(bp) / 100:.2f}%"


def parameter_rows(result: PlanResult) -> list[tuple[str, str, str, Any]]:
    """(key, Chinese label, shown value, JSON value(s)) of every parameter used, defaults filled in."""
    found = []
    names = {code: label for label, code in reversed([*_all_choices()])}
    for key, value in result.plan.parameters.items():
        p = PARAMETER_BY_KEY[key]
        if p.kind in ("money", "signed_money"):
            found.append((key, p.label, _yuan(value), value))
        elif p.kind == "rate":
            found.append((key, p.label, _percent(value), value))
        elif p.kind == "choice":
            found.append((key, p.label, f"{names.get(value, value)} {value}", value))
        else:
            found.append((key, p.label, str(value), value))
    return found


def _all_choices():
    for labels in CHOICES.values():
        yield from labels.items()


# -- JSON ------------------------------------------------------------------------------------------------------


def _json_value(kind: str, key: str, value: Any) -> dict[str, Any]:
    if kind == MONEY:
        return {f"{key}_fen": value, f"{key}_yuan": fen_to_yuan_str(value)}
    if kind == QUANTITY:
        return {key: _quantity(value)}
    return {key: value}


def result_json(result: PlanResult) -> dict[str, Any]:
    """The result as a JSON-ready dict; its keys are stable (docs/DATA-FORMATS.md)."""
    plan, d = result.plan, result.distribution
    rows = member_rows(result)
    every = columns(result, every=True)
    parameters: dict[str, Any] = {}
    for key, _label, _shown, value in parameter_rows(result):
        kind = PARAMETER_BY_KEY[key].kind
        if kind in ("money", "signed_money"):
            parameters |= {f"{key}_fen": value, f"{key}_yuan": fen_to_yuan_str(value)}
        elif kind == "rate":
            parameters |= {f"{key}_bp": value, key: _percent(value)}
        else:
            parameters[key] = value
    members = []
    for row in rows:
        member: dict[str, Any] = {}
        for c in every:
            member |= _json_value(c.kind, c.key, row[c.key])
        members.append(member)
    summed: dict[str, Any] = {"members": len(rows)}
    for c in every:
        if c.kind != TEXT:
            summed |= _json_value(c.kind, c.key, totals(result, rows)[c.key])
    return {
        "format": RESULT_FORMAT,
        "body": plan.body,
        "name": plan.name,
        "year": plan.year,
        "parameters": parameters,
        "steps": [
            {
                "key": key,
                "label_zh": zh.strip("　 "),
                "label_en": en.strip(),
                "article": article,
                "fen": fen,
                "yuan": fen_to_yuan_str(fen),
            }
            for key, zh, en, article, fen in steps(result)
        ],  # fmt: skip
        "members": members,
        "secondary": {
            "target": d.secondary.target,
            "source_fen": d.secondary.source_fen,
            "source_yuan": fen_to_yuan_str(d.secondary.source_fen),
            "paid_fen": d.secondary.paid_fen,
            "paid_yuan": fen_to_yuan_str(d.secondary.paid_fen),
            "unallocated_fen": d.secondary.unallocated_fen,
            "unallocated_yuan": fen_to_yuan_str(d.secondary.unallocated_fen),
        },
        "totals": summed,
    }


# -- XLSX ------------------------------------------------------------------------------------------------------

_YUAN_FORMAT = "#,##0.00"


def write_xlsx(result: PlanResult, path: Path) -> None:
    """Sheets 参数, 分配步骤, 成员分配 and 合计; money as yuan numbers with two decimals (exact: fen / 100)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)

    def sheet(title: str, headers: list[str], widths: list[int]):
        ws = wb.create_sheet(title)
        for i, width in enumerate(widths):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
        cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            cells.append(cell)
        ws.append(cells)
        return ws

    def yuan(ws, fen: int) -> Any:
        cell = WriteOnlyCell(ws, value=Decimal(fen) / 100)
        cell.number_format = _YUAN_FORMAT
        return cell

    plan = result.plan
    ws = sheet("参数 parameters", ["参数 parameter", "key", "值 value"], [34, 26, 30])
    for key, label, text, _value in parameter_rows(result):
        ws.append([label, key, text])
    ws = sheet(
        "分配步骤 steps",
        ["步骤 step", "step", "金额（元）amount", "分 fen", "依据 article"],
        [34, 40, 18, 16, 30],
    )
    for key, zh, en, article, fen in steps(result):
        ws.append([zh.strip("　"), f"{en.strip()} ({key})", yuan(ws, fen), fen, article])
    shown = columns(result)
    rows = member_rows(result)
    ws = sheet(
        "成员分配 members", [f"{c.zh} {c.en}" for c in shown], [max(14, len(c.zh) * 2 + 2) for c in shown]
    )
    for row in rows:
        ws.append([_xlsx_cell(ws, c.kind, row[c.key], yuan) for c in shown])
    summed = totals(result, rows)
    ws = sheet("合计 totals", ["项目 item", "key", "合计 total", "分 fen"], [30, 26, 18, 16])
    ws.append(["成员数", "members", len(rows), None])
    for c in shown:
        if c.kind == MONEY:
            ws.append([c.zh, c.key, yuan(ws, summed[c.key]), summed[c.key]])
        elif c.kind == QUANTITY:
            ws.append([c.zh, c.key, Decimal(_quantity(summed[c.key])), None])
    ws.append([f"{plan.year} 年度 · {plan.name}".strip(" ·"), "year", plan.year, None])
    wb.save(path)


def _xlsx_cell(ws, kind: str, value: Any, yuan: Callable[[Any, int], Any]) -> Any:
    if kind == MONEY:
        return yuan(ws, value)
    return value


# -- the screen ------------------------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{part:02d}"


def _quantity(value: Any) -> str:
    """A quantity without trailing zeros: 11, 2.5 (a sum of 2.5 and 1.5 is 4, not 4.0)."""
    exact = Decimal(value)
    return f"{exact.normalize():f}" if exact else "0"


def cell_text(kind: str, value: Any) -> str:
    """A value as the screen and the web page show it: yuan with two decimals, a quantity, or text."""
    return _shown(kind, value)


def _shown(kind: str, value: Any) -> str:
    if kind == MONEY:
        return _yuan(value)
    if kind == QUANTITY:
        return _quantity(value)
    return str(value)


def screen(result: PlanResult, lang: str = "zh-hans") -> str:
    """A readable table: the parameters, the steps with their articles, and one line per member with totals."""
    en = _english(lang)
    plan = result.plan
    body = (
        ("cooperative" if plan.body == COOPERATIVE else "collective")
        if en
        else ("合作社" if plan.body == COOPERATIVE else "集体经济组织")
    )
    title = (
        f"Dry run of the {plan.year} distribution of {plan.name or 'the ' + body} (nothing was written)"
        if en
        else f"{plan.name or body} {plan.year} 年度收益分配试算（未写入任何数据）"
    )
    lines = [title, ""]
    params = parameter_rows(result)
    label_width = max(_width(key if en else label) for key, label, _s, _v in params)
    for key, label, text, _value in params:
        lines.append(f"  {_pad(key if en else label, label_width)}  {text}")
    lines.append("")
    rows_steps = steps(result)
    label_width = max(_width((e if en else z).rstrip()) for _k, z, e, _a, _f in rows_steps)
    amount_width = max(len(_yuan(f)) for *_x, f in rows_steps)
    for _key, zh, en_label, article, fen in rows_steps:
        label = en_label.rstrip() if en else zh
        lines.append(f"  {_pad(label, label_width)}  {_pad(_yuan(fen), amount_width, right=True)}  {article}")
    lines.append("")
    shown = [c for c in columns(result) if c.screen]
    rows = member_rows(result)
    if not result.distribution.secondary.source_fen:
        shown = [c for c in shown if c.key != "secondary"]
    headers = [c.en if en else c.zh for c in shown]
    table = [[_shown(c.kind, r[c.key]) for c in shown] for r in rows]
    summed = totals(result, rows)
    footer = [
        ("Total" if en else "合计") if i == 0 else (f"{len(rows)}" if c.key == "name" else "")
        if c.kind == TEXT else _shown(c.kind, summed[c.key])
        for i, c in enumerate(shown)
    ]  # fmt: skip
    widths = [max(_width(x) for x in col) for col in zip(headers, *table, footer, strict=True)]
    right = [c.kind != TEXT for c in shown]

    def line(cells: list[str]) -> str:
        return "  " + "  ".join(_pad(x, w, right=r) for x, w, r in zip(cells, widths, right, strict=True))

    lines.append(line(headers))
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines.extend(line(r) for r in table)
    lines.append("  " + "  ".join("-" * w for w in widths))
    lines.append(line(footer))
    d = result.distribution
    if isinstance(d, CooperativeDistribution) and any(
        m.transactions == 0 and m.remainder_weight_fen == 0 for m in d.members
    ):
        lines.append("")
        lines.append(
            "  Members with neither transactions nor capital receive nothing (Art. 44)."
            if en
            else f"  既无交易也无出资的成员分配为零（{COOP_ART_44}）。"
        )
    return "\n".join(lines) + "\n"
