"""Reading a plan file safely into located raw cells: XLSX (sheets 参数 and 成员) or JSON.

The file checks are the register import's (size limit, real type from the bytes, zip-bomb and hidden-sheet checks,
merged cells, formulas, the real last row); a JSON file must be UTF-8, and refuses NaN, Infinity and repeated keys.
Nothing here judges a value: plan.build parses every cell, so both formats give the same errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from tongzhou.core.errors import ImportRejected
from tongzhou.households.register_import.checking import match_header
from tongzhou.households.register_import.columns import Column, fold_header, header_lookup

# The register import's safe reader; its zip and sheet scans are module-private there but are exactly the checks a
# plan workbook needs, so they are reused rather than copied.
from tongzhou.households.register_import.reading import (
    _check_zip,
    _scan_sheet,
    check_size,
    file_rejected,
    is_formula,
    sniff_kind,
)

from .cells import Where, entry, is_blank
from .spec import (
    JSON_FORMAT,
    MEMBER_BY_KEY,
    MEMBER_COLUMNS,
    MEMBERS_SHEET,
    PARAMETER_BY_KEY,
    PARAMETER_COLUMNS,
    PARAMETERS_SHEET,
    TOTALS_LABELS,
    parameter_lookup,
    sheet_role,
)

MAX_PLAN_MEMBERS = (
    200_000  # a cooperative or collective, not a county: larger files are refused, not slowly read
)
_PERCENT = "%"


class PlanRejected(ImportRejected):
    """A plan file that cannot be computed; `details["errors"]` names each place (sheet, row, column or JSON
    path) with its reason in both languages, and the article for a rule of law. Nothing was computed."""

    code = "plan_rejected"


def plan_rejected(errors: list[dict]) -> PlanRejected:
    first = errors[0]
    count = len(errors)
    return PlanRejected(
        f"分配方案有 {count} 处错误，未作计算。第一处：{first['where_zh']}：{first['reason_zh']}",
        f"The distribution plan has {count} error{'s' if count != 1 else ''} and was not computed. First: "
        f"{first['where_en']}: {first['reason_en']}",
        details={"errors": errors, "error_count": count},
    )


@dataclass
class RawCell:
    value: Any
    where: Where
    percent: bool = False  # an XLSX cell formatted as a percentage


@dataclass
class RawRow:
    where: Where  # the row as a whole: sheet and row, or the JSON path of the member object
    cells: dict[str, RawCell]


@dataclass
class RawPlan:
    """What a reader found, every value with its place; `errors` are problems of the file's shape."""

    kind: str  # "xlsx" or "json"
    params: dict[str, RawCell] = field(default_factory=dict)
    param_rows: dict[str, Where] = field(default_factory=dict)  # parameters named but left blank
    columns: dict[str, Where] | None = (
        None  # XLSX: member column key → its header; JSON: None (keys per member)
    )
    rows: list[RawRow] = field(default_factory=list)
    totals: RawRow | None = None
    errors: list[dict] = field(default_factory=list)

    def param_where(self, key: str) -> Where:
        if key in self.params:
            return self.params[key].where
        if key in self.param_rows:
            return self.param_rows[key]
        if self.kind == "json":
            return Where(path=key)
        return Where(sheet=PARAMETERS_SHEET, item=PARAMETER_BY_KEY[key].label)

    def cell_where(self, row: RawRow, key: str) -> Where:
        """Where the cell of column `key` of a member row is (or would be)."""
        if key in row.cells:
            return row.cells[key].where
        if row.where.path:
            return Where(path=f"{row.where.path}.{key}")
        shown = self.columns.get(key) if self.columns else None
        return replace(row.where, column=shown.column if shown else MEMBER_BY_KEY[key].header)


def read_plan_file(path: Path, file_name: str) -> RawPlan:
    """Check the file as a whole and read it; a problem with the file as a whole raises PlanRejected at once."""
    path = Path(path)
    try:
        check_size(path)
        suffix = Path(file_name).suffix.lower()
        if suffix not in (".xlsx", ".json"):
            raise file_rejected(
                "unsupported_type",
                f"分配方案须为 .xlsx 或 .json 文件（收到“{suffix or '无扩展名'}”）。",
                f"A distribution plan is an .xlsx or a .json file (got “{suffix or 'no extension'}”).",
                value=file_name,
            )
        real = sniff_kind(path)
        expected = "xlsx" if suffix == ".xlsx" else "csv"  # JSON is text, which the sniffer calls csv
        if real != expected:
            raise file_rejected(
                "type_mismatch",
                f"文件内容与其名称不符：名为 {suffix}，实际是 {'文本' if real == 'csv' else real}。",
                f"The file is not what its name says: named {suffix}, but it is {'text' if real == 'csv' else real}.",
                value=file_name,
            )
        if suffix == ".xlsx":
            _check_zip(path)
            return _read_xlsx(path)
        return _read_json(path)
    except PlanRejected:
        raise
    except ImportRejected as exc:  # the register reader's refusal of the file as a whole, reworded for a plan
        errors = [
            entry(Where(), e.get("value"), e["reason_zh"], e["reason_en"], e["code"])
            for e in exc.details.get("errors", [])
        ]
        raise plan_rejected(errors) from None


def _file_error(code: str, zh: str, en: str, where: Where | None = None, value: object = "") -> PlanRejected:
    return plan_rejected([entry(where or Where(), value, zh, en, code)])


# -- XLSX ------------------------------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> RawPlan:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise _file_error(
            "broken_xlsx", "XLSX 文件已损坏，无法读取。", f"The XLSX file is damaged ({type(exc).__name__})."
        ) from None
    try:
        hidden = [s.title for s in (*wb.worksheets, *wb.chartsheets) if s.sheet_state != "visible"]
        if hidden:
            raise _file_error(
                "hidden_sheet",
                f"工作簿含有隐藏的工作表（{'、'.join(hidden)}）；请取消隐藏或删除后再计算。",
                f"The workbook has hidden sheets ({', '.join(hidden)}); unhide or delete them first.",
                value="、".join(hidden),
            )
        sheets: dict[str, Any] = {}
        errors: list[dict] = []
        for ws in wb.worksheets:
            role = sheet_role(ws.title)
            if role is None:
                continue  # 说明 and any other sheet are not read
            if role in sheets:
                errors.append(
                    entry(Where(sheet=ws.title), ws.title, f"工作表“{role}”出现两次。",
                          f"There are two {role} sheets.", "duplicate_sheet")
                )  # fmt: skip
            sheets.setdefault(role, ws)
        for role, english in ((PARAMETERS_SHEET, "parameters"), (MEMBERS_SHEET, "members")):
            if role not in sheets:
                errors.append(
                    entry(Where(sheet=role), "", f"工作簿缺少工作表“{role}”。",
                          f"The workbook has no sheet {role} ({english}).", "missing_sheet")
                )  # fmt: skip
        if errors:
            raise plan_rejected(errors)
        raw = RawPlan("xlsx")
        params_rows = _sheet_rows(path, sheets[PARAMETERS_SHEET], max_rows=1000)
        members_rows = _sheet_rows(path, sheets[MEMBERS_SHEET], max_rows=MAX_PLAN_MEMBERS + 2)
        _xlsx_parameters(raw, sheets[PARAMETERS_SHEET].title, params_rows)
        _xlsx_members(raw, sheets[MEMBERS_SHEET].title, members_rows)
        return raw
    finally:
        wb.close()


def _sheet_rows(path: Path, ws, *, max_rows: int) -> list[tuple[int, list[Any]]]:
    """The sheet's non-blank rows as (row number, read-only cells), after the merged-cell check."""
    merged, last_row = _scan_sheet(path, ws._worksheet_path)
    if merged:
        raise _file_error(
            "merged_cells",
            "工作表含有合并单元格；请取消合并，每个单元格各填一个值。",
            "The sheet has merged cells; unmerge them and give every cell its own value.",
            Where(sheet=ws.title),
        )
    ws.reset_dimensions()  # the <dimension> tag may claim a million rows; stop where the rows really end
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(ws.iter_rows(max_row=last_row) if last_row else ws.iter_rows(), start=1):
        if all(is_blank(c.value) for c in cells):
            continue
        if len(rows) >= max_rows:
            raise _file_error(
                "too_many_rows",
                f"工作表的行数超过上限 {max_rows - 2:,} 个成员。",
                f"The sheet has more than {max_rows - 2:,} members.",
                Where(sheet=ws.title, row=number),
            )
        rows.append((number, list(cells)))
    return rows


def _header(
    raw: RawPlan, sheet: str, rows, columns: tuple[Column, ...]
) -> tuple[dict[str, int], dict[str, str]]:
    """Match row 1 to the columns; header errors are recorded with the sheet's name."""
    if not rows or rows[0][0] != 1:
        raw.errors.append(
            entry(
                Where(sheet=sheet, row=1),
                "",
                "第1行应为表头。",
                "Row 1 must hold the column headers.",
                "no_header",
            )  # fmt: skip
        )
        return {}, {}
    index, shown, _unnamed, found = match_header(
        [c.value for c in rows[0][1]], columns, header_lookup(columns)
    )
    for e in found.kept:
        raw.errors.append(
            entry(
                Where(sheet=sheet, row=1, column=e["column"]),
                e["value"],
                e["reason_zh"],
                e["reason_en"],
                e["code"],
            )
        )
    return index, shown


def _formula(raw: RawPlan, where: Where, value: Any) -> bool:
    if is_formula(value):
        raw.errors.append(
            entry(
                where,
                value,
                "单元格含有公式；请粘贴为数值后再计算。",
                "The cell holds a formula; paste it as a value first.",
                "formula",
            )  # fmt: skip
        )
        return True
    return False


def _xlsx_parameters(raw: RawPlan, sheet: str, rows) -> None:
    index, shown = _header(raw, sheet, rows, PARAMETER_COLUMNS)
    if "name" not in index or "value" not in index:
        return
    lookup = parameter_lookup()
    seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        name_cell = cells[index["name"]] if index["name"] < len(cells) else None
        value_cell = cells[index["value"]] if index["value"] < len(cells) else None
        name = "" if name_cell is None or name_cell.value is None else str(name_cell.value).strip()
        name_where = Where(sheet=sheet, row=number, column=shown["name"])
        if not name:
            if value_cell is not None and not is_blank(value_cell.value):
                raw.errors.append(
                    entry(
                        name_where,
                        "",
                        "有值但没有参数名称。",
                        "A value without a parameter name.",
                        "parameter_required",
                    )  # fmt: skip
                )
            continue
        key = lookup.get(fold_header(name))
        if key is None:
            raw.errors.append(
                entry(
                    name_where,
                    name,
                    f"未知的参数“{name}”。",
                    f"Unknown parameter “{name}”.",
                    "unknown_parameter",
                )  # fmt: skip
            )
            continue
        where = Where(sheet=sheet, row=number, column=shown["value"], item=PARAMETER_BY_KEY[key].label)
        if key in seen:
            raw.errors.append(
                entry(name_where, name, f"参数“{name}”重复（第{seen[key]}行已有）。",
                      f"The parameter “{name}” appears twice (first in row {seen[key]}).", "duplicate_parameter")
            )  # fmt: skip
            continue
        seen[key] = number
        value = None if value_cell is None else value_cell.value
        if _formula(raw, where, value):
            continue
        if is_blank(value):
            raw.param_rows[key] = where
            continue
        percent = _PERCENT in str(getattr(value_cell, "number_format", "") or "")
        raw.params[key] = RawCell(value, where, percent=percent and isinstance(value, int | float))


def _xlsx_members(raw: RawPlan, sheet: str, rows) -> None:
    index, shown = _header(raw, sheet, rows, MEMBER_COLUMNS)
    if not index:
        return
    raw.columns = {key: Where(sheet=sheet, row=1, column=shown[key]) for key in index}
    headers = rows[0][1] if rows else []
    unnamed = {i for i, c in enumerate(headers) if is_blank(c.value)}
    reported: set[int] = set()
    for number, cells in rows[1:]:
        # A cell right of the header row's last column has no header either.
        for i in (*unnamed, *range(len(headers), len(cells))):
            if i < len(cells) and not is_blank(cells[i].value) and i not in reported:
                reported.add(i)
                raw.errors.append(
                    entry(Where(sheet=sheet, row=number, column=f"#{i + 1}"), cells[i].value,
                          "该列没有表头，其中的值无法识别。", "A value in a column without a header.", "no_header")
                )  # fmt: skip
        row_where = Where(sheet=sheet, row=number)
        found: dict[str, RawCell] = {}
        for key, i in index.items():
            value = cells[i].value if i < len(cells) else None
            where = replace(row_where, column=shown[key])
            if _formula(raw, where, value):
                continue
            if not is_blank(value):
                found[key] = RawCell(value, where)
        number_cell = found.get("member_number")
        if raw.totals is not None:
            raw.errors.append(
                entry(row_where, "", f"合计行（第{raw.totals.where.row}行）之后还有成员行；合计行须为最后一行。",
                      f"A member row after the totals row (row {raw.totals.where.row}): totals come last.",
                      "totals_not_last")
            )  # fmt: skip
        elif number_cell is not None and fold_header(str(number_cell.value)) in TOTALS_LABELS:
            raw.totals = RawRow(row_where, found)
            continue
        raw.rows.append(RawRow(row_where, found))


# -- JSON ------------------------------------------------------------------------------------------------------


class _DuplicateKey(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _read_json(path: Path) -> RawPlan:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            "unknown_encoding", "JSON 文件须为 UTF-8 编码。", "A JSON file must be UTF-8 encoded."
        ) from None
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_constant, object_pairs_hook=_pairs)
    except _DuplicateKey as exc:
        raise _file_error(
            "duplicate_key",
            f"JSON 对象中键“{exc}”出现两次。",
            f"The key “{exc}” appears twice in one JSON object.",
            value=str(exc),
        ) from None
    except json.JSONDecodeError as exc:
        raise _file_error(
            "json_format",
            f"JSON 格式错误：第{exc.lineno}行第{exc.colno}列：{exc.msg}。",
            f"The JSON is malformed at line {exc.lineno}, column {exc.colno}: {exc.msg}.",
        ) from None
    except (ValueError, RecursionError) as exc:
        raise _file_error(
            "json_format", f"JSON 格式错误：{exc}。", f"The JSON is malformed: {exc}."
        ) from None
    if not isinstance(data, dict):
        raise _file_error(
            "json_format", "JSON 顶层应为对象 {…}。", "The JSON must be an object {…} at the top."
        )
    raw = RawPlan("json")
    lookup = parameter_lookup()
    for key, value in data.items():
        if key == "format":
            if value != JSON_FORMAT:
                raw.errors.append(
                    entry(
                        Where(path="format"),
                        value,
                        f"格式应为“{JSON_FORMAT}”。",
                        f"The format must be “{JSON_FORMAT}”.",
                        "unknown_format",
                    )  # fmt: skip
                )
        elif key in ("members", "totals"):
            continue
        elif (param := lookup.get(fold_header(key))) is not None:
            if param in raw.params:
                raw.errors.append(
                    entry(
                        Where(path=key),
                        key,
                        f"参数“{key}”重复。",
                        f"The parameter {key} appears twice.",
                        "duplicate_parameter",
                    )  # fmt: skip
                )
            elif value is None or (isinstance(value, str) and not value.strip()):
                raw.param_rows[param] = Where(path=key)
            else:
                raw.params[param] = RawCell(value, Where(path=key))
        else:
            raw.errors.append(
                entry(Where(path=key), key, f"未知的键“{key}”。", f"Unknown key “{key}”.", "unknown_key")
            )
    members = data.get("members")
    if not isinstance(members, list):
        raw.errors.append(
            entry(
                Where(path="members"),
                "",
                "应有成员列表 members: […]，每个成员一个对象。",
                "A list members: […] is required, one object per member.",
                "missing_members",
            )  # fmt: skip
        )
        members = []
    if len(members) > MAX_PLAN_MEMBERS:
        raise _file_error(
            "too_many_rows",
            f"成员数超过上限 {MAX_PLAN_MEMBERS:,}。",
            f"More than {MAX_PLAN_MEMBERS:,} members.",
            Where(path="members"),
        )
    columns = header_lookup(MEMBER_COLUMNS)
    for i, member in enumerate(members):
        member_path = f"members[{i}]"
        if not isinstance(member, dict):
            raw.errors.append(
                entry(
                    Where(path=member_path),
                    str(member)[:50],
                    "每个成员应为一个对象 {…}。",
                    "Each member must be an object {…}.",
                    "member_format",
                )  # fmt: skip
            )
            continue
        raw.rows.append(RawRow(Where(path=member_path), _json_cells(raw, member, member_path, columns)))
    totals = data.get("totals")
    if totals is not None:
        if isinstance(totals, dict):
            raw.totals = RawRow(Where(path="totals"), _json_cells(raw, totals, "totals", columns))
        else:
            raw.errors.append(
                entry(
                    Where(path="totals"),
                    "",
                    "totals 应为对象 {…}。",
                    "totals must be an object {…}.",
                    "totals_format",
                )  # fmt: skip
            )
    return raw


def _json_cells(raw: RawPlan, obj: dict[str, Any], path: str, columns: dict[str, str]) -> dict[str, RawCell]:
    cells: dict[str, RawCell] = {}
    for name, value in obj.items():
        key = columns.get(fold_header(name))
        if key is None:
            raw.errors.append(
                entry(
                    Where(path=f"{path}.{name}"),
                    name,
                    f"未知的键“{name}”。",
                    f"Unknown key “{name}”.",
                    "unknown_key",
                )  # fmt: skip
            )
            continue
        if key in cells:
            raw.errors.append(
                entry(
                    Where(path=f"{path}.{name}"),
                    name,
                    f"键“{name}”重复。",
                    f"The key {name} appears twice.",
                    "duplicate_key",
                )  # fmt: skip
            )
            continue
        # A missing key and a null are different: the key's presence stands for the XLSX column.
        cells[key] = RawCell(value, Where(path=f"{path}.{name}"))
    return cells
