"""The transaction import's fast path for clean rows agrees with the detailed check: same table row, or it declines.

RowChecker.check tries the fast path first and falls back to check_detailed, which applies the single-entry rules
(parse_transaction, the member look-up, member_refusal, source_key) and records the errors. These properties hold
the fast path to the detailed one: for clean rows and for rows with cells changed, it either declines (None) or
returns exactly what check_detailed returns, and it never accepts a row the detailed check rejects.
"""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tongzhou.coops.domain import transactions as domain
from tongzhou.coops.models import MemberStatus
from tongzhou.coops.testing import build_cooperative, build_member
from tongzhou.coops.transactions_import import _read_header
from tongzhou.coops.transactions_import.checking import MemberBook, RowChecker
from tongzhou.core.testing import build_household
from tongzhou.households.register_import.checking import ErrorList

from .test_transactions_import import HEADERS, id_of

KEYS = ["member_id_number", "member_number", "counterparty_name", "kind", "date", "product", "grade",
        "quantity", "unit", "unit_price", "amount"]  # fmt: skip
CREATED_AT = "2025-01-02 03:04:05"


@pytest.fixture
def book(db):
    """A cooperative whose members cover every case a row's date and member can meet."""
    cooperative = build_cooperative()
    wang = build_household(number="0001", head_name="王大山", members=1)
    li = build_household(number="0002", head_name="李秀英")
    zhao = build_household(number="0003", head_name="赵一")
    qian = build_household(number="0004", head_name="钱二")
    sun = build_household(number="0005", head_name="孙三")
    members = {
        "wang": build_member(cooperative, wang),
        "li": build_member(cooperative, li, joined_on=dt.date(2024, 7, 1)),
        "zhao": build_member(cooperative, zhao, status=MemberStatus.EXIT_NOTIFIED),
        "qian": build_member(cooperative, qian, status=MemberStatus.EXITED),
        "sun": build_member(cooperative, sun, status=MemberStatus.APPLIED),
    }
    members["zhao"].exit_effective_on = dt.date(2024, 10, 1)
    members["zhao"].village_code = ""  # the transaction then takes the cooperative's village
    members["zhao"].save()
    ids = {
        "wang": id_of(wang),
        "wang_child": id_of(wang, "child"),
        "li": id_of(li),
        "zhao": id_of(zhao),
        "qian": id_of(qian),
        "sun": id_of(sun),
    }
    return cooperative, members, ids


@pytest.fixture
def checkers() -> dict:
    return {}


def clean_rows(members: dict, ids: dict) -> list[list]:
    """Rows the fast path takes: text as in a CSV, and the number and date cells of an XLSX."""
    li, wang = str(members["li"].pk), str(members["wang"].pk)
    return [
        [ids["wang"], "", "", "交售", "2024-06-12", "鲜茧", "一级", "42.5", "kg", "46.00", "1955.00"],
        [ids["wang_child"], "", "", "交售", "2024-09-20", "鲜茧", "二级", "30", "kg", "40", ""],
        ["", li, "", "务工", "2024-07-01", "采桑叶", "", "12", "", "80", "960"],
        ["", "", " 邻村散户  张三 ", "交售", "2024-06-12", "鲜茧", "一级", "10", "kg", "46", ""],
        [ids["wang_child"], wang, "", "购买农资", "2024-03-05", "复合 肥", "", "3.125", "袋", "120.5", "376.56"],
        [ids["zhao"], "", "", "土地租金", "2024-09-30", "土地流转", "", "2.5", "MU", "600", "1500.00"],
        [f" {ids['li']} ", "", "", "labour", "2024-12-31", "剪枝", "", "0.5", "天", "0.01", "0.01"],
        [ids["wang"], None, None, "sale_to_coop", dt.datetime(2024, 6, 12), "鲜茧", "一级", 42.5, "kg", 46, 1955.0],
        [ids["wang"], None, None, "购买", dt.date(2024, 5, 1), "农药", None, 3, "瓶", 12.35, None],
        [None, int(li), None, "地租", "2024-08-08", "土地", None, 99999999999.999, None, 0, "0"],
    ]  # fmt: skip


ODD = [None, 0, 1, 3, -1, 10**20, 3.5, 42.5, 1955.0, 0.1 + 0.2, 1e-05, 1e16, -1.0, float("inf"), float("nan"),
       True, False, dt.time(8, 0), 5.2050219700308e17, "", " ", "\u3000", "=1+1", "=H2*J2"]  # fmt: skip


def _yuan_variants(fen: int) -> list:
    """An amount in fen written as a sheet might: text with 0–2 decimals, a float, an integer."""
    whole, part = divmod(fen, 100)
    found = [f"{whole}.{part:02d}", f" {whole}.{part:02d} ", fen / 100]
    if part == 0:
        found += [str(whole), whole, f"{whole}.0"]
    elif part % 10 == 0:
        found.append(f"{whole}.{part // 10}")
    return found


def _expected_fen(quantity, price) -> int | None:
    try:
        q = domain.parse_quantity(quantity)
        return domain.expected_amount_fen(q, domain.parse_unit_price(price))
    except Exception:
        return None


@st.composite
def _cells(draw, members: dict, ids: dict) -> list:
    """A clean row built around one member (or a non-member), its dates at the edges of the member's span and
    of the closed year; then, mostly, one or two cells set to a value just past an edge of its rule or to
    anything at all."""
    who = draw(st.sampled_from(["wang", "wang_child", "li", "zhao", "qian", "sun", "non_member"]))
    member = members.get("wang" if who == "wang_child" else who)
    how = draw(st.sampled_from(["id", "number", "both", "number_int"]))
    if member is None:
        party = ["", None, draw(st.sampled_from(["邻村散户张三", " 张 三 ", "名" * 120]))]
    else:
        id_text = draw(st.sampled_from([ids[who], f" {ids[who]} ", ids[who][:9] + " " + ids[who][9:]]))
        number = (
            int(member.pk)
            if how == "number_int"
            else draw(st.sampled_from([str(member.pk), f" {member.pk} "]))
        )
        party = [id_text if how in ("id", "both") else "", number if how != "id" else None, ""]
    # the edges of the closed years (2023 when closed) and of the member's span (joined on, exit effective on)
    days = ["2023-12-31", "2024-01-01", "2024-12-31"] + {
        "li": ["2024-06-30", "2024-07-01"],
        "zhao": ["2024-09-30", "2024-10-01"],
    }.get(who, ["2017-03-31", "2017-04-01"])
    day = draw(st.sampled_from(days))
    day = draw(st.sampled_from([day, dt.date.fromisoformat(day), dt.datetime.fromisoformat(day + "T08:30")]))
    kinds = ["交售", "交售产品", "销售", "购买", "购买农资", "务工", "劳务", "土地租金", "地租", "土地流转租金",
             "labour", "LABOUR", " land_rent ", "sale to the cooperative"]  # fmt: skip
    kind = draw(st.sampled_from(kinds))
    fixed = domain.FIXED_UNITS.get(domain._KIND_LOOKUP[kind.strip().lower()])
    units = (
        ["kg", "KG", "x" * 10, " 斤 "] if fixed is None else ["", None, *domain.UNIT_ALIASES[fixed], " MU "]
    )
    quantities = ["0", "0.499", "42.5", "3.125", " 7 ", "3.1250", "007.5", "99999999999.999", 42.5, 3,
                  99999999999.999, 0.125]  # fmt: skip
    prices = ["0", "0.01", "46", "46.00", "46.0", "120.5", " 80 ", "999999999999999", 46, 46.0, 12.35]
    cells = [
        *party,
        kind,
        day,
        draw(st.sampled_from(["鲜茧", " 鲜茧 ", "复合  肥", "长" * 60])),
        draw(st.sampled_from(["", None, "一级", " 一 级 ", "长" * 20])),
        draw(st.sampled_from(quantities)),
        draw(st.sampled_from(units)),
        draw(st.sampled_from(prices)),
    ]
    edges = {
        0: [ids["wang"][:-1] + ("1" if ids["wang"][-1] == "0" else "0"), "11010519491231002X", ids["li"],
            "5205021970030800", "", None,
            # an ID number typed as a number: only one without the check character X can be (the test
            # builders' IDs depend on how many came before them in the process)
            *([int(ids["wang"]), float(ids["wang"])] if ids["wang"].isdigit() else [])],
        1: ["99999", "²", "١", "-1", float(members["li"].pk), str(members["li"].pk), "0", "", None],
        2: ["名" * 121, 12, "张三"],
        3: ["交 售", "", "卖", 1, None, "labour", "sale_to_coop"],
        4: ["2024-02-29", "2023-02-29", "2024-02-30", "2024/06/12", "20240612", "2024.06.12", "2024年06月12日",
            "2024-6-12", "2024-06-1 ", " 2024-06-12 ", "２０２４-06-12", "2024-06-12T00:00", "", None],
        5: ["长" * 61, "", " ", 5, None],
        6: ["长" * 21, 1],
        7: ["3.1255", "99999999999.9999", "100000000000", "-1", "-0", "1,000", "1e2", "٤٢", "42.", ".5",
            0.1 + 0.2, 1e16, -1, 10**12],
        8: ["x" * 11, 1, "长" * 11, "", "kg", "工日"],
        9: ["46.005", "9999999999999999", "1,000", "-46", "¥46", "46.", 0.1 + 0.2, "", -1, 10**16],
        10: ["abc", -1, "=1+1", "1,000", "0.001"],
    }  # fmt: skip
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
        column = draw(st.integers(0, 9))  # the amount follows, computed from quantity and price
        cells[column] = draw(st.sampled_from(edges[column]) | st.sampled_from(ODD) | st.text(max_size=12))
    expected = _expected_fen(cells[7], cells[9])
    amounts: list = ["", None]
    if expected is not None:
        for offset in (-2, -1, 0, 1, 2):
            if expected + offset >= 0:
                amounts += _yuan_variants(expected + offset)
    cells.append(draw(st.sampled_from(amounts)))
    if draw(st.integers(0, 3)) == 0:
        cells[10] = draw(st.sampled_from(edges[10]) | st.sampled_from(ODD))
    if draw(st.integers(0, 9)) == 0:
        cells = cells[: draw(st.integers(0, 10))]  # a short row
    elif draw(st.integers(0, 9)) == 0:
        cells.append(draw(st.sampled_from(["", None, "x"])))  # a cell past the last column
    return cells


# Header variants: every column, English keys, and files without the optional columns (the fast path pads them).
LAYOUTS = {
    "all": list(range(11)),
    "keys": list(range(11)),
    "no_number": [0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    "no_amount_grade": [0, 1, 2, 3, 4, 5, 7, 8, 9],
    "no_id": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
}


def _checker(cooperative, layout: str, *, formulas: bool, closed: int | None) -> tuple[RowChecker, list[int]]:
    columns = LAYOUTS[layout]
    names = KEYS if layout == "keys" else HEADERS
    headers = [names[i] for i in columns]
    index, shown = _read_header(headers)
    cooperative = copy.copy(cooperative)
    cooperative.closed_through_year = closed
    checker = RowChecker(
        cooperative=cooperative,
        members=MemberBook(cooperative),
        index=index,
        shown=shown,
        width=len(headers),
        check_formulas=formulas,
        errors=ErrorList(),
        created_by_id=None,
        created_at=CREATED_AT,
    )
    return checker, columns


def _laid_out(cells: list, columns: list[int]) -> list:
    """A row written in the full column order, as a file of the given layout holds it."""
    return [cells[i] for i in columns if i < len(cells)] + cells[11:]


def test_the_fast_path_takes_the_clean_rows_and_gives_what_the_detailed_check_gives(book):
    cooperative, members, ids = book
    for layout in LAYOUTS:
        for formulas in (False, True):
            checker, columns = _checker(cooperative, layout, formulas=formulas, closed=2023)
            for n, full in enumerate(clean_rows(members, ids), start=2):
                if (layout == "no_number" and not full[0]) or (layout == "no_id" and full[0]):
                    continue  # rows naming their member by a column this layout lacks
                cells = _laid_out(full, columns)
                fast = checker._fast(n, list(cells))
                assert fast is not None, (layout, cells)
                assert fast == checker.check_detailed(n, list(cells))
            assert checker.errors.count == 0, checker.errors.kept


def test_the_fast_rows_carry_member_village_amount_and_the_source_key(book):
    cooperative, members, ids = book
    checker, _ = _checker(cooperative, "all", formulas=False, closed=None)
    rows = clean_rows(members, ids)
    by_id, child, labour, outsider, fertiliser, rent = (
        checker._fast(n, r) for n, r in enumerate(rows[:6], 2)
    )
    assert by_id[1:3] == (members["wang"].pk, True) and by_id[12] == 1955_00
    assert child[1] == members["wang"].pk  # a child of the member household names the member
    assert (labour[1], labour[10], labour[12]) == (members["li"].pk, "工日", 960_00)
    assert (outsider[1], outsider[2], outsider[3]) == (None, False, "邻村散户  张三")
    # 3.125 × 120.50 = 376.5625 yuan → 376.56, written as given
    assert (fertiliser[9], fertiliser[12]) == ("3.125", 376_56)
    assert (rent[10], rent[14]) == ("亩", cooperative.region_code)  # a member without a village: the coop's
    assert by_id[13] == domain.source_key(
        cooperative_id=cooperative.pk,
        member_key=f"m{members['wang'].pk}",
        kind="sale_to_coop",
        on=dt.date(2024, 6, 12),
        product="鲜茧",
        grade="一级",
        quantity=Decimal("42.5"),
        unit_price_fen=46_00,
        amount_fen=1955_00,
    )
    # the same transaction as XLSX cells (a date, floats, an integer) has the same key
    assert checker._fast(9, rows[7])[13] == by_id[13]


@pytest.mark.django_db
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.data(),
    layout=st.sampled_from(sorted(LAYOUTS)),
    formulas=st.booleans(),
    closed=st.sampled_from([None, None, 2023]),
    row=st.integers(2, 10**6),
)
def test_the_fast_path_declines_or_agrees_with_the_detailed_check(
    book, checkers, data, layout, formulas, closed, row
):
    cooperative, members, ids = book
    full = data.draw(st.sampled_from(clean_rows(members, ids)) | _cells(members, ids))
    key = (layout, formulas, closed)
    if key not in checkers:  # one checker per header layout and year, as one file has one
        checkers[key] = _checker(cooperative, layout, formulas=formulas, closed=closed)
    checker, columns = checkers[key]
    checker.errors = ErrorList()
    cells = _laid_out(full, columns)
    fast = checker._fast(row, list(cells))
    detailed = checker.check_detailed(row, list(cells))
    event("fast path: " + ("declined" if fast is None else "took it") + f"; detailed: {detailed is not None}")
    if fast is None:
        return
    assert detailed is not None, f"the fast path took a row the detailed check rejects: {checker.errors.kept}"
    assert fast == detailed
    assert [type(v) for v in fast] == [type(v) for v in detailed]
    assert checker.check(row, list(cells)) == detailed


def test_check_falls_back_to_the_detailed_errors(book):
    cooperative, members, ids = book
    checker, _ = _checker(cooperative, "all", formulas=True, closed=2023)
    cells = [ids["qian"], "", "", "交售", "2023-06-12", "鲜茧", "", "-1", "kg", "=1+1", ""]
    assert checker.check(7, cells) is None
    assert [e["code"] for e in checker.errors.kept] == ["formula"]
    cells[9] = "46"
    assert checker.check(8, cells) is None
    assert [(e["column"], e["code"]) for e in checker.errors.kept[1:]] == [
        ("日期", "closed_year"),
        ("数量", "negative"),
    ]
    cells[4], cells[7] = "2024-06-12", "1"
    assert checker.check(9, cells) is None
    assert (
        checker.errors.kept[-1]["code"] == "member_not_active"
        and "钱二" in checker.errors.kept[-1]["reason_zh"]
    )
