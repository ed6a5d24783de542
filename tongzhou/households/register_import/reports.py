"""The files an import hands to people: the error report of a rejected file, and the empty template."""

from __future__ import annotations

import csv
import pathlib

from .columns import COLUMNS

REPORT_HEADERS = ("行号 row", "列 column", "值 value", "原因 reason", "reason")
REPORT_KEYS = ("row", "column", "value", "reason_zh", "reason_en")


def write_error_report(errors: list[dict], path: pathlib.Path, fmt: str = "xlsx") -> None:
    """Write the errors (row, column, value, reason in Chinese and English) as XLSX or CSV (UTF-8 with BOM)."""
    path = pathlib.Path(path)
    rows = [[e.get(k, "") for k in REPORT_KEYS] for e in errors]
    if fmt == "csv":
        # The BOM lets Excel on Chinese Windows open the file as UTF-8.
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(REPORT_HEADERS)
            writer.writerows([[_safe(v) for v in row] for row in rows])
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown report format {fmt!r}")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = "错误 errors"
    ws.append(REPORT_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_safe(v) for v in row])
    for letter, width in zip("ABCDE", (10, 18, 24, 50, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.save(path)


def _safe(value: object) -> object:
    """A value as plain text in a cell: never let a bad cell from the upload become a formula in the report."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


def write_template(path: pathlib.Path, fmt: str = "xlsx") -> None:
    """The import template: the headers and one example row; in XLSX also a sheet describing every column."""
    path = pathlib.Path(path)
    headers = [c.header for c in COLUMNS]
    example = [c.example for c in COLUMNS]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            writer.writerow(example)
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "农户成员 persons"
    ws.append(headers)
    ws.append(example)
    for i, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        ws.cell(row=1, column=i).font = Font(bold=True, color="C00000" if column.required else "000000")
        # Text format keeps ID numbers, codes and household numbers from turning into numbers.
        ws.column_dimensions[letter].number_format = "@"
        ws.cell(row=2, column=i).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明 columns")
    notes.append(["列名", "key", "必填 required", "说明", "description"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        notes.append(
            [
                column.header,
                column.key,
                "是 yes" if column.required else "否 no",
                column.description_zh,
                column.description_en,
            ]
        )
    for letter, width in zip("ABCDE", (18, 24, 14, 70, 80), strict=True):
        notes.column_dimensions[letter].width = width
    wb.save(path)
