"""The example plans (the worked examples of docs/DISTRIBUTION.md as plan files) and the template writer.

`tongzhou template distribution-plan` writes the cooperative example, as XLSX (sheets 参数, 成员, 说明) or JSON;
docs/examples/ ships the same files, and a test keeps them equal to what is written here.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from .spec import (
    COLLECTIVE,
    COOPERATIVE,
    JSON_FORMAT,
    MEMBER_BODIES,
    MEMBER_BY_KEY,
    MEMBER_KIND,
    MEMBERS_SHEET,
    MONEY,
    NOTES_SHEET,
    PARAMETER_COLUMNS,
    PARAMETERS,
    PARAMETERS_SHEET,
    QUANTITY,
    RATE,
    SIGNED_MONEY,
    SUMMED,
)

# 白马村蚕桑专业合作社: the worked example of test_cooperative_domain (Art. 42–44), every fen hand-computed there.
COOPERATIVE_EXAMPLE: dict[str, Any] = {
    "format": JSON_FORMAT,
    "body": COOPERATIVE,
    "name": "白马村蚕桑专业合作社",
    "year": 2025,
    "surplus": "100000.00",
    "losses_to_make_up": "5000.00",
    "reserve_rate": "10%",
    "patronage_share": "60%",
    "transaction_basis": "amount",
    "reserve_quantified_by": "transactions",
    "remainder_members": "100%",
    "secondary_rate": "0%",
    "secondary_target": "registered_poor",
    "conversion_rate": "20%",
    "subsidy_property": "0.00",
    "members": [
        {"member_number": "M001", "name": "张德明", "capital": "10000.00", "reserve_share": "2000.00",
         "subsidy_share": "0.00", "transactions_amount": "62350.17", "registered_poor": False, "monitored": False},
        {"member_number": "M002", "name": "李秀英", "capital": "5000.00", "reserve_share": "1000.00",
         "subsidy_share": "3000.00", "transactions_amount": "44120.50", "registered_poor": True, "monitored": False},
        {"member_number": "M003", "name": "王建国", "capital": "5000.00", "reserve_share": "0.00",
         "subsidy_share": "0.00", "transactions_amount": "29800.00", "registered_poor": False, "monitored": False},
        {"member_number": "M004", "name": "杨桂芬", "capital": "0.00", "reserve_share": "0.00",
         "subsidy_share": "3000.00", "transactions_amount": "13729.33", "registered_poor": True, "monitored": True},
        {"member_number": "M005", "name": "白马村股份经济合作社", "capital": "20000.00", "reserve_share": "0.00",
         "subsidy_share": "0.00", "transactions_amount": "0.00", "registered_poor": False, "monitored": False},
        {"member_number": "M006", "name": "刘小军", "capital": "0.00", "reserve_share": "0.00",
         "subsidy_share": "0.00", "transactions_amount": "0.00", "registered_poor": False, "monitored": False},
    ],
    "totals": {"capital": "40000.00", "reserve_share": "3000.00", "subsidy_share": "6000.00",
               "transactions_amount": "150000.00"},
}  # fmt: skip

# 白马村股份经济合作社: the worked example of test_collective_domain (集体经济组织法 Art. 40, 42).
COLLECTIVE_EXAMPLE: dict[str, Any] = {
    "format": JSON_FORMAT,
    "body": COLLECTIVE,
    "name": "白马村股份经济合作社",
    "year": 2025,
    "surplus": "120000.00",
    "losses_to_make_up": "0.00",
    "reserve_rate": "20%",
    "secondary_rate": "10%",
    "secondary_target": "registered_poor",
    "members": [
        {"member_number": "H01", "name": "张德明户", "income_right_shares": "3", "registered_poor": True,
         "monitored": False},
        {"member_number": "H02", "name": "李国强户", "income_right_shares": "4", "registered_poor": False,
         "monitored": False},
        {"member_number": "H03", "name": "杨桂芬户", "income_right_shares": "2.5", "registered_poor": True,
         "monitored": True},
        {"member_number": "H04", "name": "王建国户", "income_right_shares": "1.5", "registered_poor": False,
         "monitored": False},
    ],
    "totals": {"income_right_shares": "11"},
}  # fmt: skip

EXAMPLES = {COOPERATIVE: COOPERATIVE_EXAMPLE, COLLECTIVE: COLLECTIVE_EXAMPLE}


def example_json(body: str = COOPERATIVE) -> str:
    return json.dumps(EXAMPLES[body], ensure_ascii=False, indent=2) + "\n"


def write_template(path: Path, fmt: str = "xlsx", body: str = COOPERATIVE) -> None:
    """The example plan as a file to copy and edit: JSON, or XLSX with a 说明 sheet describing every entry."""
    path = Path(path)
    if fmt == "json":
        path.write_text(example_json(body), encoding="utf-8")
        return
    if fmt != "xlsx":
        raise ValueError(f"a distribution plan template is xlsx or json, not {fmt!r}")
    _write_xlsx(path, EXAMPLES[body], body)


def _cell_value(kind: str, value: Any) -> Any:
    """What a person would type: yuan and quantities as numbers, rates as text with their % sign, flags 是/否."""
    if kind in (MONEY, SIGNED_MONEY, QUANTITY):
        return Decimal(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if kind == RATE:
        return value
    return value


def _write_xlsx(path: Path, example: dict[str, Any], body: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook()
    params = wb.active
    params.title = PARAMETERS_SHEET
    params.append([c.header for c in PARAMETER_COLUMNS])
    for p in PARAMETERS:
        if body not in p.bodies:
            continue
        value = example.get(p.key)
        params.append([p.label, None if value is None else _cell_value(p.kind, value), p.description_zh])
        if p.kind in (MONEY, SIGNED_MONEY):
            params.cell(row=params.max_row, column=2).number_format = "#,##0.00"
        else:
            params.cell(row=params.max_row, column=2).number_format = "@"  # rates stay text: "10%"
    for cell in params[1]:
        cell.font = bold
    params.column_dimensions["A"].width = 30
    params.column_dimensions["B"].width = 24
    params.column_dimensions["C"].width = 100

    members = wb.create_sheet(MEMBERS_SHEET)
    keys = [
        key for key in MEMBER_BY_KEY
        if body in MEMBER_BODIES[key] and key != "status"
        and any(key in m for m in example["members"])
    ]  # fmt: skip
    members.append([MEMBER_BY_KEY[k].header for k in keys])
    for m in example["members"]:
        members.append([_cell_value(MEMBER_KIND[k], m.get(k)) if k in m else None for k in keys])
    totals = example.get("totals") or {}
    if totals:
        members.append(
            ["合计" if k == "member_number" else _cell_value(MEMBER_KIND[k], totals[k]) if k in totals else None
             for k in keys]
        )  # fmt: skip
    for i, key in enumerate(keys, start=1):
        letter = members.cell(row=1, column=i).column_letter
        members.cell(row=1, column=i).font = bold
        members.column_dimensions[letter].width = max(12, len(MEMBER_BY_KEY[key].header) * 2 + 4)
        for row in range(2, members.max_row + 1):
            cell = members.cell(row=row, column=i)
            cell.number_format = (
                "#,##0.00" if MEMBER_KIND[key] == MONEY else "@" if key == "member_number" else "General"
            )
    members.freeze_panes = "A2"

    notes = wb.create_sheet(NOTES_SHEET)
    notes.append(["工作表 sheet", "名称 name", "key", "必需 required", "说明", "description"])
    for p in PARAMETERS:
        if body in p.bodies:
            notes.append([PARAMETERS_SHEET, p.label, p.key, "是 yes" if body in p.required else "否 no",
                          p.description_zh, p.description_en])  # fmt: skip
    required = {"member_number", "capital", "transactions_amount"} if body == COOPERATIVE else {
        "member_number", "income_right_shares"}  # fmt: skip
    for key, column in MEMBER_BY_KEY.items():
        if body in MEMBER_BODIES[key]:
            notes.append([MEMBERS_SHEET, column.header, key, "是 yes" if key in required else "否 no",
                          column.description_zh, column.description_en])  # fmt: skip
    notes.append([MEMBERS_SHEET, "合计", "totals", "否 no",
                  f"可选的合计行（成员编号列填“合计”），须为最后一行；所填各列（{'、'.join(MEMBER_BY_KEY[k].header for k in SUMMED if body in MEMBER_BODIES[k])}）须等于各成员行之和。",
                  "An optional totals row (合计 in the member number column), last; each total given must equal "
                  "the sum of the rows."])  # fmt: skip
    notes.append([
        "比例 rates", "", "", "",
        "比例一律为百分数：“60%”“60”都表示60%，最多两位小数；不带%的0到1之间的数（如0.6）不明确，会被拒绝；设为百分比格式的单元格按显示的百分数读取。",
        "Rates are percentages: 60% and 60 both mean 60%, two decimals at most; a number between 0 and 1 without "
        "a % sign (0.6) is ambiguous and refused; a cell formatted as a percentage is read as the percentage shown.",
    ])  # fmt: skip
    for cell in notes[1]:
        cell.font = bold
    for letter, width in zip("ABCDEF", (12, 30, 24, 12, 90, 90), strict=True):
        notes.column_dimensions[letter].width = width
    wb.save(path)
