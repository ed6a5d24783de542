"""The import's fast path for clean rows agrees with the detailed row check: same staging tuple, or it declines.

RowChecker.check tries a fast path first and falls back to check_detailed, which records the errors. These
properties hold the fast path to the detailed one: for valid rows and for rows with one cell subtly changed,
it either declines (None) or returns exactly what check_detailed returns, and it never accepts a row the detailed
path rejects.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from tongzhou.core.ids import _ID_CHECK, _ID_WEIGHTS, resident_id_check_char
from tongzhou.core.testing import VILLAGE_A, VILLAGE_B
from tongzhou.households import domain
from tongzhou.households.register_import.checking import ErrorList, RowChecker
from tongzhou.regions.scope import access_for

from .test_import import HEADERS, head_row, member_row

TRICKY = [
    "", " ", "  \t", "\u3000", "\n", "=1+1", "=A1", "+1", "-1", "0", "00", "1", "7", "001", "002", "999",
    "2013", "2014", "2015", "2019", "2100", " 2015 ", "٢٠١٥", "2_015", "+2015", "1e2", "3.5", "3.555", "3.50",
    "-0", "0.00", "99999999", "99999999.99", "99999999.01", "123456789", "1.", ".5", "NaN", "Infinity",
    "男", "女", "M", "F", "m", "f", "male", "Female", "FEMALE", "x", "户主", "配偶", "子女", "head", "HEAD",
    "Head", "child", "spouse", "苗", "苗族", "汉", "族", "其他", "外国血统", "是", "否", "yes", "YES", "no", "t",
    "true", "普通劳动力", "ordinary", "无", "none", "健康", "healthy", "残疾",
    "1968-04-02", "1968/04/02", "19680402", "1968.04.02", "1968年04月02日", "1968-4-2", "1996-09-30",
    "1996-09-31", "0000-01-01", "1968-04-02T00:00", "13812345678", "138 1234 5678", "0857-1234567",
    "12345678901", "１３８１２３４５６７８", VILLAGE_A, VILLAGE_B, "520502101201", "520502100299",
    VILLAGE_A + "001", VILLAGE_A + "009", VILLAGE_B + "001", "5205021002", "x" * 31, "a" * 51, "长" * 101,
    "长" * 201, "0101", "01-01", "01_01", "ab", "Ab-1",
]  # fmt: skip
ODD = [None, 0, 1, 2015, 3.5, 2015.0, 5.2050219680402e17, True, dt.date(1968, 4, 2), dt.datetime(1968, 4, 2)]


def _cells(row: dict) -> list:
    return [row.get(h, "") for h in HEADERS]


def _valid_rows() -> list[list]:
    birth = dt.date(1968, 4, 2)
    from tongzhou.core.ids import make_resident_id

    with_x = next(i for n in range(500) if (i := make_resident_id("520502", birth, n, "M")).endswith("X"))
    return [
        _cells(head_row()),
        _cells(head_row(**{"村民组": VILLAGE_A + "002", "承包地面积（亩）": "12.25", "脱贫年度": ""})),
        _cells(
            head_row(
                **{"出生日期": "", "性别": "", "民族": "", "劳动能力": "", "建档立卡年度": ""}
                | {"脱贫年度": ""}
            )
        ),
        _cells(head_row(**{"身份证号码": f" {with_x.lower()} "})),  # lower-case x, padded: still clean
        _cells(member_row()),
        _cells(member_row(**{"联系电话": "13812345678", "住址": "白马村一组0101号", "性别": "女"})),
        _cells(member_row(**{"与户主关系": "spouse", "残疾情况": "肢体残疾", "健康状况": "残疾"})),
    ]


def _mutations(cell: object, column: int):
    """Values one cell may take: the tricky list, odd types, its own value padded or recased, random text."""
    own = cell if isinstance(cell, str) else ""
    return st.one_of(
        st.sampled_from(TRICKY),
        st.sampled_from(ODD),
        st.sampled_from(
            [f" {own}", f"{own} ", f"{own}\u3000", own.upper(), own.lower(), own[:-1], own + "0"]
        ),
        st.text(max_size=24),
        st.text(alphabet="0123456789X-. /年月日", max_size=20),
    )


@st.composite
def _rows(draw):
    base = list(draw(st.sampled_from(_valid_rows())))
    for _ in range(draw(st.integers(0, 2))):
        column = draw(st.integers(0, len(base) - 1))
        base[column] = draw(_mutations(base[column], column))
    if draw(st.booleans()):
        base = base + [draw(st.sampled_from(["", None, " ", "x"]))]  # a column without a header
    return base


def _checker(user, *, formulas: bool, unnamed: bool) -> RowChecker:
    headers = HEADERS + ([""] if unnamed else [])
    from tongzhou.households.register_import.checking import read_header

    index, shown, unnamed_cols = read_header(headers)
    return RowChecker(
        access=access_for(user),
        index=index,
        shown=shown,
        unnamed=unnamed_cols,
        check_formulas=formulas,
        errors=ErrorList(),
    )


@pytest.mark.django_db
def test_the_fast_path_accepts_the_valid_rows(personas):
    for formulas in (False, True):
        checker = _checker(personas.cadre_a, formulas=formulas, unnamed=True)
        for n, cells in enumerate(_valid_rows(), start=2):
            fast = checker._fast(n, cells + [""])
            assert fast is not None, cells
            assert fast == checker.check_detailed(n, cells + [""])
        assert checker.errors.count == 0


@pytest.mark.django_db
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=_rows(), formulas=st.booleans(), row=st.integers(2, 10**6))
def test_the_fast_path_declines_or_agrees_with_the_detailed_check(personas, cells, formulas, row):
    checker = _checker(personas.cadre_a, formulas=formulas, unnamed=len(cells) > len(HEADERS))
    fast = checker._fast(row, list(cells))
    detailed = checker.check_detailed(row, list(cells))
    event(
        "fast path: " + ("declined" if fast is None else "accepted") + f"; detailed: {detailed is not None}"
    )
    if fast is None:
        return
    assert detailed is not None, (
        f"the fast path accepted a row the detailed check rejects: {checker.errors.kept}"
    )
    assert fast == detailed
    assert [type(v) for v in fast] == [type(v) for v in detailed]
    # and check() (fast first) returns the same
    assert checker.check(row, list(cells)) == detailed


@pytest.mark.django_db
def test_check_falls_back_to_the_detailed_errors(personas):
    checker = _checker(personas.cadre_a, formulas=False, unnamed=False)
    cells = _cells(head_row(**{"性别": "女", "民族": "火星族"}))
    assert checker.check(5, cells) is None
    assert {e["code"] for e in checker.errors.kept} == {"id_sex_mismatch", "ethnicity"}


@given(st.text(max_size=12) | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True))
def test_parse_date_fast_path_agrees_with_strptime(text):
    def slow(value):
        value = value.strip()
        if not value:
            return None
        for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
            try:
                return dt.datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        return "error"

    try:
        fast = domain.parse_date(text)
    except domain.FieldError:
        fast = "error"
    assert fast == slow(text)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17) | st.from_regex(r"\d{17}", fullmatch=True))
def test_the_check_character_table_agrees_with_the_definition(first17):
    assume(len(first17) == 17)
    expected = _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]
    assert resident_id_check_char(first17) == expected
