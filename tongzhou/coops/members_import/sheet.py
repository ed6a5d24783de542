"""What the member and share imports share: a small file of one cooperative read whole through the register
import's safe reader, its header matched to a column spec, and errors gathered per row and column.

These files are short (one row per member or per subscription), so the rows are read into memory and every row
is checked before anything is written. `write_columns_template` writes the empty file of any such column spec.
"""

from __future__ import annotations

import csv
import pathlib
from collections.abc import Callable
from typing import Any

from django.conf import settings

from tongzhou.core.errors import ImportRejected, TongzhouError
from tongzhou.households.register_import.checking import (
    MAX_REPORTED_ERRORS,
    ErrorList,
    header_rejected,
    match_header,
    too_many_rows,
)
from tongzhou.households.register_import.columns import Column, header_lookup
from tongzhou.households.register_import.reading import error_entry, file_rejected, is_formula, open_rows

WHOLE_ROW = "整行 row"


class Sheet:
    """The checked rows of one import file against one column spec, and the errors found in it."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns
        self.by_key = {c.key: c for c in columns}
        self.lookup = header_lookup(columns)
        self.order = {c.header: i for i, c in enumerate(columns)} | {c.key: i for i, c in enumerate(columns)}
        self.errors = ErrorList()
        self.index: dict[str, int] = {}
        self.shown: dict[str, str] = {}

    def read(
        self, path: pathlib.Path, file_name: str, progress: Callable[[int], None] | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Every non-blank data row as (sheet row number, {column key: cell}); formulas are row errors."""
        max_rows = settings.TONGZHOU_IMPORT_MAX_ROWS
        rows: list[tuple[int, dict[str, Any]]] = []
        with open_rows(pathlib.Path(path), file_name) as source:
            self._header(source.headers)
            check_formulas = source.kind == "xlsx"
            for row_no, cells in source.rows:
                if len(rows) >= max_rows:
                    raise too_many_rows(max_rows, row_no)
                values = {k: cells[i] if i < len(cells) else None for k, i in self.index.items()}
                if check_formulas:
                    formulas = [k for k, v in values.items() if is_formula(v)]
                    for key in formulas:
                        self.error(
                            row_no,
                            key,
                            values[key],
                            "单元格含有公式；请粘贴为数值后再导入。",
                            "The cell holds a formula; paste it as a value first.",
                            "formula",
                        )
                    if formulas:
                        continue
                rows.append((row_no, values))
                if progress is not None:
                    progress(1)
        if not rows and not self.errors.count:
            raise file_rejected("no_rows", "文件中没有数据行。", "The file has no data rows.", row=2)
        return rows

    def _header(self, headers: list[Any]) -> None:
        self.index, self.shown, _unnamed, errors = match_header(headers, self.columns, self.lookup)
        if errors.count:
            raise header_rejected(errors)

    def error(self, row: int, key: str, value: Any, zh: str, en: str, code: str) -> None:
        column = self.shown.get(key) or (self.by_key[key].header if key in self.by_key else key)
        self.errors.add(error_entry(row, column, value, zh, en, code))

    def service_error(
        self, row: int, exc: TongzhouError, values: dict[str, Any], field_to_key: dict[str, str], default: str
    ) -> None:
        """A service's refusal of one row, put in the column its field names (else `default`)."""
        fields = (exc.details or {}).get("fields") or {}
        if not fields:
            self.error(row, default, values.get(default), exc.message_zh, exc.message_en, exc.code)
            return
        for name, e in fields.items():
            key = field_to_key.get(name, default)
            self.error(row, key, values.get(key), e["message_zh"], e["message_en"], e["code"])

    def rejected(self, rows: int, *, extra_zh: str = "", extra_en: str = "") -> ImportRejected:
        found = sorted(self.errors.kept, key=self._order)[:MAX_REPORTED_ERRORS]
        total = self.errors.count
        return ImportRejected(
            f"导入被拒绝：发现 {total:,} 处错误，未写入任何数据。{extra_zh}",
            f"The import was rejected: {total:,} errors were found and nothing was written.{extra_en}",
            details={"errors": found, "error_count": total, "rows": rows},
        )

    def _order(self, error: dict) -> tuple[int, int, str]:
        return error["row"], self.order.get(error["column"], len(self.order)), error["column"]


def first_seen(seen: dict[Any, int], key: Any, row_no: int) -> int | None:
    """The row where `key` was first seen in the file, or None (and remember this row)."""
    if key in seen:
        return seen[key]
    seen[key] = row_no
    return None


def write_columns_template(
    path: pathlib.Path, fmt: str, columns: tuple[Column, ...], sheet_title: str
) -> None:
    """The empty import file of `columns`: the header row only; in XLSX also a sheet 说明 describing each column
    with an example value. CSV is UTF-8 with a BOM so that Excel on Chinese Windows opens it as UTF-8."""
    path = pathlib.Path(path)
    headers = [c.header for c in columns]
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerow(headers)
        return
    if fmt != "xlsx":
        raise ValueError(f"unknown template format {fmt!r}")
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append(headers)
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        ws.cell(row=1, column=i).font = Font(bold=True, color="C00000" if column.required else "000000")
        # Text format keeps ID numbers and credit codes from turning into numbers as they are typed.
        ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明 columns")
    notes.append(["列名", "key", "必需 required", "说明", "description", "示例 example"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in columns:
        notes.append(
            [
                column.header,
                column.key,
                "是 yes" if column.required else "否 no",
                column.description_zh,
                column.description_en,
                column.example,
            ]
        )
    for letter, width in zip("ABCDEF", (18, 22, 14, 70, 80, 22), strict=True):
        notes.column_dimensions[letter].width = width
    wb.save(path)
