"""The member, share and transaction import templates: the empty file with its headers (XLSX: and a sheet 说明),
written by `write_template` and by `tongzhou template …`; filled with valid rows, each imports cleanly."""

from __future__ import annotations

import csv
import io
import pathlib

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from tongzhou.coops import members_import as members_package
from tongzhou.coops import shares_import as shares_package
from tongzhou.coops.members_import import members_import
from tongzhou.coops.models import Member, MemberTransaction, ShareClassKind, ShareEntry
from tongzhou.coops.shares_import import shares_import
from tongzhou.coops.testing import build_cooperative, build_member, build_share_class, credit_code
from tongzhou.coops.transactions_import import columns as transaction_columns
from tongzhou.coops.transactions_import import transactions_import
from tongzhou.core.testing import build_household

pytestmark = pytest.mark.django_db

KINDS = {
    "members": (members_package.write_template, members_package.COLUMNS),
    "shares": (shares_package.write_template, shares_package.COLUMNS),
    "transactions": (transaction_columns.write_template, transaction_columns.COLUMNS),
}


def id_of(household, relation="head") -> str:
    return household.persons.filter(relation=relation).first().id_number


def fill(path: pathlib.Path, fmt: str, columns, rows: list[dict]) -> pathlib.Path:
    """Type rows into the template as a user would, under its own headers (cells left out stay empty)."""
    keys = [c.key for c in columns]
    values = [[row.get(k, "") for k in keys] for row in rows]
    if fmt == "csv":
        with path.open("a", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(values)
        return path
    wb = load_workbook(path)
    for row in values:
        wb.worksheets[0].append(row)
    wb.save(path)
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_the_xlsx_template_has_the_headers_and_a_sheet_explaining_each_column(tmp_path, kind):
    write, columns = KINDS[kind]
    write(tmp_path / "t.xlsx", "xlsx")
    wb = load_workbook(tmp_path / "t.xlsx")
    assert wb.sheetnames[1] == "说明 columns"
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows == [tuple(c.header for c in columns)]  # headers only: no example row to delete
    notes = list(wb["说明 columns"].iter_rows(values_only=True))
    assert notes[0] == ("列名", "key", "必需 required", "说明", "description", "示例 example")
    assert [n[:2] for n in notes[1:]] == [(c.header, c.key) for c in columns]
    assert all(n[3] and n[4] for n in notes[1:])


@pytest.mark.parametrize("kind", KINDS)
def test_the_csv_template_is_the_header_line_in_utf8_with_a_bom(tmp_path, kind):
    write, columns = KINDS[kind]
    write(tmp_path / "t.csv", "csv")
    assert (tmp_path / "t.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines() == [
        ",".join(c.header for c in columns)
    ]


@pytest.fixture
def baima(personas):
    cooperative = build_cooperative()
    cash = build_share_class(cooperative, kind=ShareClassKind.CASH, unit_value_fen=100_00)
    members = [build_member(cooperative, build_household(number=f"{i:04d}", members=1)) for i in range(1, 5)]
    newcomer = build_household(number="0005", head_name="李秀英")
    return cooperative, cash, members, newcomer


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_members_template_filled_with_valid_rows_imports_cleanly(personas, baima, tmp_path, fmt):
    cooperative, _, _, newcomer = baima
    path = tmp_path / f"成员.{fmt}"
    members_package.write_template(path, fmt)
    fill(
        path,
        fmt,
        members_package.COLUMNS,
        [
            {"id_number": id_of(newcomer), "applied_on": "2024-03-01", "joined_on": "2024-03-15"},
            {
                "member_kind": "单位",
                "organisation_name": "绿源农业科技有限公司",
                "credit_code": credit_code("91520502"),
                "applied_on": "2024-03-01",
            },
        ],
    )
    result = members_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    assert (result.rows, result.admitted, result.applied) == (2, 1, 1)
    assert Member.objects.filter(cooperative=cooperative).count() == 6


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_shares_template_filled_with_valid_rows_imports_cleanly(personas, baima, tmp_path, fmt):
    cooperative, _, members, _ = baima
    path = tmp_path / f"股份.{fmt}"
    shares_package.write_template(path, fmt)
    rows = [
        {
            "id_number": id_of(m.household),
            "share_class": "现金股",
            "units": "10",
            "on": "2024-03-20",
            "reason": "认购",
        }
        for m in members
    ]
    fill(path, fmt, shares_package.COLUMNS, rows)
    result = shares_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    assert (result.subscriptions, result.amount_fen) == (4, 4 * 1000_00)
    assert ShareEntry.objects.count() == 4


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_transactions_template_filled_with_valid_rows_imports_cleanly(personas, baima, tmp_path, fmt):
    cooperative, _, members, _ = baima
    path = tmp_path / f"交易.{fmt}"
    transaction_columns.write_template(path, fmt)
    rows = [
        {
            "member_id_number": id_of(members[0].household),
            "kind": "交售",
            "date": "2024-06-12",
            "product": "鲜茧",
            "quantity": "42.5",
            "unit": "kg",
            "unit_price": "46.00",
        },
        {
            "counterparty_name": "邻村散户张三",
            "kind": "交售",
            "date": "2024-06-12",
            "product": "鲜茧",
            "quantity": "10",
            "unit": "kg",
            "unit_price": "46",
        },
    ]
    fill(path, fmt, transaction_columns.COLUMNS, rows)
    result = transactions_import(user=personas.cadre_a, cooperative=cooperative, path=path)
    assert (result.member_transactions, result.non_member_transactions) == (1, 1)
    # 42.5 kg × ¥46.00 + 10 kg × ¥46.00 = ¥1,955.00 + ¥460.00
    assert result.amount_fen == 1955_00 + 460_00
    assert MemberTransaction.objects.count() == 2


@pytest.mark.parametrize(
    "what, default_name, first_header",
    [
        ("households", "农户登记导入模板", "村代码"),
        ("members", "成员导入模板", "成员类型"),
        ("shares", "股份认购导入模板", "身份证号码"),
        ("transactions", "成员交易导入模板", "成员身份证号码"),
    ],
)
def test_the_template_command_writes_each_template(tmp_path, monkeypatch, what, default_name, first_header):
    out = io.StringIO()
    call_command("template", what, "--format", "csv", "--output", str(tmp_path / "t.csv"), stdout=out)
    assert "t.csv" in out.getvalue()
    assert (tmp_path / "t.csv").read_text(encoding="utf-8-sig").startswith(first_header + ",")
    monkeypatch.chdir(tmp_path)
    call_command("template", what, stdout=io.StringIO())
    assert load_workbook(tmp_path / f"{default_name}.xlsx").sheetnames[1] == "说明 columns"
