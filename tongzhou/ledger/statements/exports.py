"""A statement as a file: XLSX (openpyxl), CSV, PDF (WeasyPrint, from the same HTML as the page) and JSON.

All keep the official row layout: the title, the form's number, 编制单位, the period and 单位：元 above the table;
amounts in yuan with two decimals (the fen divided by 100, exactly).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.template.loader import render_to_string

from tongzhou.core.money import fen_to_yuan_str

from .builders import Statement

FORMATS = ("json", "xlsx", "pdf", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


def filename(statement: Statement, fmt: str) -> str:
    return f"{statement.title.split('：')[0]}-{statement.date_from:%Y%m%d}-{statement.date_to:%Y%m%d}.{fmt}"


def _yuan(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(value) / 100:,.2f}"


def display_rows(statement: Statement) -> list[list[str]]:
    """The rows as people read them: yuan with thousands separators, blanks for nothing."""
    return [
        [
            _yuan(cell) if i in statement.money else ("" if cell is None else str(cell))
            for i, cell in enumerate(row)
        ]
        for row in statement.rows
    ]


def to_json(statement: Statement) -> dict:
    """Every figure in fen (integers) and in yuan (strings), with the layout."""

    def amount(v):
        return None if v is None else {"fen": v, "yuan": fen_to_yuan_str(v)}

    return {
        "kind": statement.kind,
        "title": statement.title,
        "form": statement.form,
        "entity": statement.entity,
        "from": statement.date_from.isoformat(),
        "to": statement.date_to.isoformat(),
        "unit": statement.unit,
        "columns": list(statement.columns),
        "money_columns": sorted(statement.money),
        "rows": [list(row) for row in statement.rows],
        "figures": {label: [amount(v) for v in values] for label, values in statement.figures.items()},
        "checks": dict(statement.checks),
    }


def to_csv(statement: Statement) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([statement.title, statement.form])
    writer.writerow([f"编制单位：{statement.entity}", statement.period, f"单位：{statement.unit}"])
    writer.writerow(statement.columns)
    for row in statement.rows:
        writer.writerow(
            [
                fen_to_yuan_str(c) if i in statement.money and c is not None else ("" if c is None else c)
                for i, c in enumerate(row)
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # a BOM, so Excel reads the Chinese


def to_xlsx(statement: Statement) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = statement.title.split("：")[0][:31]
    width = len(statement.columns)
    thin = Side(style="thin")
    ws.append([statement.title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append([statement.form] + [None] * (width - 2) + [f"单位：{statement.unit}"])
    ws.append([f"编制单位：{statement.entity}"] + [None] * (width - 2) + [statement.period])
    ws.append(list(statement.columns))
    for cell in ws[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    for row, style in zip(statement.rows, statement.styles, strict=True):
        ws.append(
            [
                (Decimal(c) / 100 if c is not None else None) if i in statement.money else c
                for i, c in enumerate(row)
            ]
        )
        for i, cell in enumerate(ws[ws.max_row]):
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            if i in statement.money:
                cell.number_format = "#,##0.00"
            if style in ("head", "total"):
                cell.font = Font(bold=True)
    for i, title in enumerate(statement.columns, start=1):
        letter = ws.cell(4, i).column_letter
        ws.column_dimensions[letter].width = 16 if i - 1 in statement.money else max(8, len(title) * 2 + 4)
    if statement.kind in ("balance-sheet", "surplus", "equity-changes"):
        ws.column_dimensions["A"].width = 28
        if statement.kind == "balance-sheet":
            ws.column_dimensions["E"].width = 28
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_html(statement: Statement) -> str:
    return render_to_string(
        "web/ledger_statement_pdf.html",
        {"statement": statement, "rows": list(zip(display_rows(statement), statement.styles, strict=True))},
    )


def to_pdf(statement: Statement) -> bytes:
    """The PDF in the official layout, A4 (landscape for the wide tables), Noto Sans CJK for the Chinese."""
    from weasyprint import HTML

    return HTML(string=to_html(statement)).write_pdf()


def render(statement: Statement, fmt: str) -> bytes:
    if fmt == "xlsx":
        return to_xlsx(statement)
    if fmt == "pdf":
        return to_pdf(statement)
    if fmt == "csv":
        return to_csv(statement)
    import json

    return json.dumps(to_json(statement), ensure_ascii=False).encode("utf-8")
