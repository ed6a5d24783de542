"""The register import's file handling: formats, encodings, real types, unsafe workbooks, limits, reports, template."""

from __future__ import annotations

import csv
import datetime as dt
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from tongzhou.core.errors import ImportRejected
from tongzhou.core.testing import VILLAGE_A
from tongzhou.households.models import Household, Person
from tongzhou.households.register_import import COLUMNS, register_import, write_error_report, write_template
from tongzhou.households.tests.test_import import (
    HEADERS,
    head_row,
    member_row,
    rejected,
    two_households,
    write_csv,
    write_xlsx,
)


def codes(excinfo) -> list[str]:
    return [e["code"] for e in excinfo.value.details["errors"]]


@pytest.mark.django_db
def test_an_xlsx_with_typed_cells_imports_like_the_csv(personas, tmp_path):
    rows = two_households()
    as_date = lambda v: dt.date.fromisoformat(v)  # noqa: E731
    path = write_xlsx(
        tmp_path / "户籍.xlsx",
        rows,
        typed={
            "出生日期": as_date,
            "承包地面积（亩）": float,
            "建档立卡年度": int,
            "村代码": int,
            "联系电话": int,
        },
    )
    result = register_import(user=personas.cadre_a, path=path)
    assert (result.rows, result.households_created, result.persons_created) == (4, 2, 4)
    assert Household.objects.get(number="0101").phone == "13812345678"


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_utf8_with_bom_and_gb18030_all_import(personas, tmp_path, encoding):
    rows = two_households()
    result = register_import(
        user=personas.cadre_a, path=write_csv(tmp_path / "户籍.csv", rows, encoding=encoding)
    )
    assert result.persons_created == 4
    assert Household.objects.get(number="0101").address == "白马村一组0101号"


@pytest.mark.django_db
def test_a_csv_in_an_unknown_encoding_is_rejected(personas, tmp_path):
    utf16 = write_csv(tmp_path / "a.csv", two_households(), encoding="utf-16")
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=utf16)
    assert codes(excinfo) == ["unknown_encoding"]
    garbled = tmp_path / "b.csv"
    garbled.write_bytes(",".join(HEADERS).encode() + b"\n\xe9,\xff\xfe\n")
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=garbled)
    assert codes(excinfo) == ["unknown_encoding"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("户籍.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        ("户籍.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("户籍.xlsx", "村代码,户编号\n".encode()),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_rejected(personas, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=path)
    assert codes(excinfo) == ["type_mismatch"]


@pytest.mark.django_db
def test_an_xlsx_named_csv_and_a_word_file_are_rejected(personas, tmp_path):
    xlsx = write_xlsx(tmp_path / "a.xlsx", two_households())
    disguised = tmp_path / "a.csv"
    disguised.write_bytes(xlsx.read_bytes())
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=disguised)
    assert codes(excinfo) == ["type_mismatch"]
    docx = tmp_path / "a.docx"
    docx.write_bytes(b"PK\x03\x04")
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=docx)
    assert codes(excinfo) == ["unsupported_type"]


def _workbook(rows: list[dict]) -> tuple[Workbook, object]:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append([row.get(h) or None for h in HEADERS])
    return wb, ws


@pytest.mark.django_db
def test_merged_cells_formulas_and_hidden_sheets_are_rejected(personas, tmp_path):
    wb, ws = _workbook(two_households())
    ws.merge_cells("A2:A3")
    wb.save(tmp_path / "merged.xlsx")
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=tmp_path / "merged.xlsx")
    assert codes(excinfo) == ["merged_cells"]
    assert "合并单元格" in excinfo.value.message_zh

    wb, ws = _workbook(two_households())
    ws["H3"] = "=1+2"
    wb.save(tmp_path / "formula.xlsx")
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=tmp_path / "formula.xlsx")
    assert rejected(excinfo) == [(3, "承包地面积（亩）", "formula")]

    wb, ws = _workbook(two_households())
    wb.create_sheet("旧数据").sheet_state = "hidden"
    wb.save(tmp_path / "hidden.xlsx")
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=tmp_path / "hidden.xlsx")
    assert codes(excinfo) == ["hidden_sheet"]
    assert excinfo.value.details["errors"][0]["value"] == "旧数据"
    assert not Person.objects.exists()


def _with_trailing_rows(path: Path, rows: int) -> Path:
    """Rewrite a workbook so its sheet ends with `rows` empty, styled rows and claims 1,048,576 rows."""
    out = path.with_name("trailing.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                last = text.count("<row ")
                empty = "".join(
                    f'<row r="{n}" spans="1:20" s="1" customFormat="1"/>'
                    for n in range(last + 1, last + rows + 1)
                )
                text = text.replace("</sheetData>", empty + "</sheetData>")
                text = text.replace('<dimension ref="A1:T5"/>', '<dimension ref="A1:T1048576"/>')
                data = text.encode()
            dst.writestr(info, data)
    return out


@pytest.mark.django_db
def test_a_million_trailing_blank_rows_import_quickly_and_count_as_nothing(personas, tmp_path):
    path = _with_trailing_rows(write_xlsx(tmp_path / "a.xlsx", two_households()), 1_000_000)
    started = time.monotonic()
    result = register_import(user=personas.cadre_a, path=path)
    assert (result.rows, result.persons_created) == (4, 4)
    assert time.monotonic() - started < 10


@pytest.mark.django_db
def test_blank_lines_in_a_csv_are_skipped_and_rows_keep_their_numbers(personas, tmp_path):
    path = write_csv(tmp_path / "a.csv", [head_row(), {}, {}, member_row(姓名="")])
    with path.open("a", encoding="utf-8") as f:
        f.write(",,,\n" * 100_000)
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=path)
    assert rejected(excinfo) == [(5, "姓名", "required")]


@pytest.mark.django_db
def test_a_zip_bomb_named_xlsx_is_rejected_before_it_is_opened(personas, tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", two_households())
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/media/image1.bin", b"\x00" * (64 * 1024 * 1024))
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=path)
    assert codes(excinfo) == ["zip_bomb"]


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(personas, tmp_path, settings):
    settings.TONGZHOU_IMPORT_MAX_BYTES = 200
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", two_households()))
    assert codes(excinfo) == ["too_large"]


@pytest.mark.django_db
def test_a_file_over_the_row_limit_is_refused(personas, tmp_path, settings):
    settings.TONGZHOU_IMPORT_MAX_ROWS = 3
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", two_households()))
    assert rejected(excinfo) == [(5, "", "too_many_rows")]
    assert not Household.objects.exists()


@pytest.mark.django_db
def test_a_file_with_only_a_header_is_refused(personas, tmp_path):
    with pytest.raises(ImportRejected) as excinfo:
        register_import(user=personas.cadre_a, path=write_csv(tmp_path / "a.csv", []))
    assert codes(excinfo) == ["no_rows"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_template_imports_its_example_row(personas, tmp_path, fmt):
    path = tmp_path / f"模板.{fmt}"
    write_template(path, fmt)
    result = register_import(user=personas.cadre_a, path=path)
    assert (result.households_created, result.persons_created) == (1, 1)
    assert Household.objects.get().village_code == VILLAGE_A


def test_the_xlsx_template_describes_every_column_on_a_second_sheet(tmp_path):
    write_template(tmp_path / "t.xlsx")
    wb = load_workbook(tmp_path / "t.xlsx")
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    described = [row[0] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert described == [c.header for c in COLUMNS]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_error_report_lists_row_column_value_and_both_reasons(tmp_path, fmt):
    errors = [
        {
            "row": 7,
            "column": "身份证号码",
            "value": "=cmd",
            "reason_zh": "校验码错误。",
            "reason_en": "Bad check.",
        }
    ]
    path = tmp_path / f"report.{fmt}"
    write_error_report(errors, path, fmt)
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[1] == ["7", "身份证号码", "'=cmd", "校验码错误。", "Bad check."]
    else:
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        assert rows[1] == (7, "身份证号码", "'=cmd", "校验码错误。", "Bad check.")
    assert len(rows) == 2
