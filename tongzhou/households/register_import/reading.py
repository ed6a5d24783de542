"""Reading an uploaded register file safely: size, real type, encoding, zip-bomb and sheet checks, then rows.

`open_rows` yields the header cells and a stream of (row number, cells) for the non-blank rows; it never holds
the whole file. Every problem with the file as a whole raises ImportRejected with one error.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from tongzhou.core.errors import ImportRejected

# Defaults when settings do not say: total uncompressed size of an XLSX and the largest compression ratio
# of one member (a zip bomb reaches ~1000; XML sheets stay far below 100).
DEFAULT_MAX_UNCOMPRESSED = 4 * 1024**3
DEFAULT_MAX_RATIO = 200
_CHUNK = 1 << 20


def error_entry(
    row: int, column: str, value: object, reason_zh: str, reason_en: str, code: str = "invalid"
) -> dict:
    return {
        "row": row,
        "column": column,
        "value": "" if value is None else str(value)[:200],
        "reason_zh": reason_zh,
        "reason_en": reason_en,
        "code": code,
    }


def file_rejected(
    code: str, reason_zh: str, reason_en: str, *, row: int = 0, column: str = "", value: object = ""
) -> ImportRejected:
    """An ImportRejected for a problem with the file as a whole (one error, row 0 unless a row is known)."""
    return ImportRejected(
        f"文件未导入：{reason_zh}",
        f"The file was not imported: {reason_en}",
        code="import_rejected",
        details={
            "errors": [error_entry(row, column, value, reason_zh, reason_en, code)],
            "error_count": 1,
            "file_error": code,
        },
    )


_BINARY_KINDS = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\xd0\xcf\x11\xe0", "Excel 97-2003 (.xls) / OLE"),
    (b"Rar!", "RAR"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
)


def sniff_kind(path: Path) -> str:
    """The file's real type from its bytes: "xlsx", "csv", or a description of something else."""
    with path.open("rb") as f:
        head = f.read(65536)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return "broken zip"
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    for magic, kind in _BINARY_KINDS:
        if head.startswith(magic):
            return kind
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"  # text, refused later as an unsupported encoding
    if b"\x00" in head:
        return "binary"
    return "csv"


def expected_kind(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xlsx":
        return "xlsx"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise file_rejected(
        "unsupported_type",
        f"只能导入 .xlsx 或 .csv 文件（收到“{suffix or '无扩展名'}”）。",
        f"Only .xlsx or .csv files can be imported (got “{suffix or 'no extension'}”).",
        value=file_name,
    )


def check_size(path: Path) -> None:
    limit = settings.TONGZHOU_IMPORT_MAX_BYTES
    size = path.stat().st_size
    if size > limit:
        raise file_rejected(
            "too_large",
            f"文件过大（{size:,} 字节，上限 {limit:,} 字节）。",
            f"The file is too large ({size:,} bytes; the limit is {limit:,}).",
            value=size,
        )
    if size == 0:
        raise file_rejected("empty_file", "文件是空的。", "The file is empty.")


def detect_encoding(path: Path) -> str:
    """UTF-8 with BOM, UTF-8 or GB18030, decided by decoding the whole file strictly (in chunks)."""
    with path.open("rb") as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise _unknown_encoding("UTF-16")
        for encoding in ("utf-8", "gb18030"):
            f.seek(0)
            decoder = codecs.getincrementaldecoder(encoding)("strict")
            try:
                while chunk := f.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            return encoding
    raise _unknown_encoding("")


def _unknown_encoding(what: str) -> ImportRejected:
    return file_rejected(
        "unknown_encoding",
        f"无法识别文件编码{('（' + what + '）') if what else ''}；请另存为 UTF-8 或 GB18030 编码的 CSV。",
        f"Unknown text encoding{(' (' + what + ')') if what else ''}; save the CSV as UTF-8 or GB18030.",
    )


def _check_zip(path: Path) -> None:
    """Refuse a zip bomb before opening: declared sizes and ratios (zipfile never inflates past a declared size)."""
    max_total = getattr(settings, "TONGZHOU_IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED)
    max_ratio = getattr(settings, "TONGZHOU_IMPORT_MAX_RATIO", DEFAULT_MAX_RATIO)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    total = sum(i.file_size for i in infos)
    worst = max((i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > _CHUNK), default=0)
    if total > max_total or worst > max_ratio:
        raise file_rejected(
            "zip_bomb",
            f"XLSX 解压后过大或压缩比异常（解压后 {total:,} 字节，最大压缩比 {worst:.0f}），疑似压缩炸弹。",
            f"The XLSX expands too much (uncompressed {total:,} bytes, worst ratio {worst:.0f}): a likely zip bomb.",
        )


# '<' never appears unescaped inside cell text, so byte scans find tags exactly and run at disk speed, where parsing
# a large sheet's XML to reach <mergeCells> (which follows <sheetData>) or its real last row would take minutes.
_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell[\s/>]")
_VALUE_TAGS = (b"<v>", b"<v ", b"<is>", b"<f>", b"<f ")
_ROW_R_RE = re.compile(rb'<row\b[^>]*?\br="(\d+)"')


def _scan_sheet(path: Path, member: str) -> tuple[bool, int | None]:
    """Whether the sheet has merged cells, and the last row holding any value (None when it cannot tell)."""
    merged = False
    last_value_row: int | None = None
    current_row: int | None = None
    unknown = False  # rows without r="…": the last row cannot be told, so all rows are read
    with zipfile.ZipFile(path) as zf, zf.open(member) as f:
        tail = b""
        while chunk := f.read(_CHUNK):
            data = tail + chunk
            if not merged and _MERGE_RE.search(data):
                merged = True
            value_at = -1 if unknown else max(data.rfind(tag) for tag in _VALUE_TAGS)
            if value_at >= 0:
                row_at = data.rfind(b"<row", 0, value_at)
                match = _ROW_R_RE.match(data, row_at) if row_at >= 0 else None
                if match:
                    last_value_row = int(match.group(1))
                elif row_at < 0 and current_row is not None:
                    last_value_row = current_row
                else:
                    unknown = True
            row_at = data.rfind(b"<row")
            if row_at >= 0:
                match = _ROW_R_RE.match(data, row_at)
                current_row = int(match.group(1)) if match else current_row
            tail = data[-64:]
    return merged, None if unknown else last_value_row


@dataclass
class RowSource:
    """The header cells and the non-blank data rows (1-based sheet row number, cells) of an import file."""

    kind: str
    headers: list[Any]
    rows: Iterator[tuple[int, list[Any]]]


def _blank(cells) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in cells)


@contextlib.contextmanager
def open_rows(path: Path, file_name: str) -> Iterator[RowSource]:
    """Open an import file after checking size, real type, encoding and (for XLSX) the workbook's safety."""
    check_size(path)
    expected = expected_kind(file_name)
    real = sniff_kind(path)
    if real != expected:
        raise file_rejected(
            "type_mismatch",
            f"文件内容与其名称不符：名为 .{expected}，实际是 {real}。",
            f"The file is not what its name says: named .{expected}, but it is {real}.",
            value=file_name,
        )
    if real == "csv":
        encoding = detect_encoding(path)
        with path.open("r", encoding=encoding, newline="") as f:
            yield _csv_source(f)
    else:
        _check_zip(path)
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
            raise file_rejected(
                "broken_xlsx",
                "XLSX 文件已损坏，无法读取。",
                f"The XLSX file is damaged ({type(exc).__name__}).",
            ) from None
        try:
            yield _xlsx_source(path, wb)
        finally:
            wb.close()


def _csv_source(f) -> RowSource:
    reader = csv.reader(f)
    try:
        headers = next(reader, None)
    except csv.Error as exc:
        raise file_rejected(
            "csv_format", f"CSV 格式错误：{exc}", f"The CSV is malformed: {exc}", row=1
        ) from None
    if headers is None:
        raise file_rejected("no_header", "文件没有表头行。", "The file has no header row.", row=1)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):  # noqa: B007 - number is reported on error
                if cells and not _blank(cells):
                    yield number, cells
        except csv.Error as exc:
            raise file_rejected(
                "csv_format", f"CSV 格式错误：{exc}", f"The CSV is malformed: {exc}", row=number + 1
            ) from None

    return RowSource("csv", headers, rows())


def _xlsx_source(path: Path, wb) -> RowSource:
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    hidden += [cs.title for cs in wb.chartsheets if cs.sheet_state != "visible"]
    if hidden:
        names = "、".join(hidden)
        raise file_rejected(
            "hidden_sheet",
            f"工作簿含有隐藏的工作表（{names}）；请取消隐藏或删除后再导入。",
            f"The workbook has hidden sheets ({', '.join(hidden)}); unhide or delete them first.",
            value=names,
        )
    if not wb.worksheets:
        raise file_rejected("no_sheet", "工作簿中没有工作表。", "The workbook has no worksheet.")
    ws = wb.worksheets[0]
    merged, last_row = _scan_sheet(path, ws._worksheet_path)
    if merged:
        raise file_rejected(
            "merged_cells",
            f"工作表“{ws.title}”含有合并单元格；请取消合并，每个单元格各填一个值。",
            f"The sheet “{ws.title}” has merged cells; unmerge them and give every cell its own value.",
            value=ws.title,
        )
    # The <dimension> tag may claim a million rows; ignore it and stop where the sheet's rows really end.
    ws.reset_dimensions()
    stream = ws.iter_rows(max_row=last_row, values_only=True) if last_row else ws.iter_rows(values_only=True)
    first = next(stream, None)
    if first is None or _blank(first):
        raise file_rejected("no_header", "第1行应为表头。", "Row 1 must hold the column headers.", row=1)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(stream, start=2):
            if cells and not _blank(cells):
                yield number, list(cells)

    return RowSource("xlsx", list(first), rows())


def is_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or not isinstance(
        value, str | int | float | bool | dt.date | dt.time | dt.timedelta | type(None)
    )
