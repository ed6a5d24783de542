"""A distribution plan from a file (issue 5 point 4): the worked examples read from JSON and from XLSX give the
domain's own result, and every bad input is refused naming its sheet, row and column (or JSON path), nothing
computed. No database: these tests would fail on any query."""

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from tongzhou.distribution.domain import (
    SecondaryHousehold,
    distribute_collective,
    distribute_cooperative,
)
from tongzhou.distribution.plan import (
    COLLECTIVE_EXAMPLE,
    COOPERATIVE_EXAMPLE,
    PlanRejected,
    cells,
    compute_plan,
    example_json,
    read_plan,
    result_json,
    write_template,
)
from tongzhou.distribution.plan.cells import CellError

from .builders import terms
from .test_collective_domain import BAIMA_COLLECTIVE
from .test_cooperative_domain import BAIMA_YEAR

DOCS = Path(__file__).resolve().parents[3] / "docs" / "examples"

# The cooperative example as a person would type it into the 参数 and 成员 sheets (rates in three spellings).
XLSX_PARAMETERS = [
    ("主体类型", "合作社"),
    ("主体名称", "白马村蚕桑专业合作社"),
    ("年度", 2025),
    ("本年盈余（元）", 100000),
    ("待弥补亏损（元）", "5,000.00"),
    ("公积金提取比例", "10%"),
    ("按交易量返还比例", 60),
    ("转为出资比例", "20"),
]
XLSX_HEADER = ["成员编号", "成员名称", "出资额（元）", "量化公积金份额（元）", "量化财政补助份额（元）", "交易额（元）",
               "建档立卡户", "监测对象"]  # fmt: skip
XLSX_MEMBERS = [
    ["M001", "张德明", 10000, 2000, None, 62350.17, "否", None],
    ["M002", "李秀英", 5000, 1000, 3000, 44120.5, "是", None],
    ["M003", "王建国", 5000, None, None, 29800, None, None],
    ["M004", "杨桂芬", None, None, 3000, 13729.33, "是", "是"],
    ["M005", "白马村股份经济合作社", 20000, None, None, None, None, None],
    ["M006", "刘小军", None, None, None, None, None, None],
]


def write_xlsx_plan(
    path: Path, parameters=XLSX_PARAMETERS, header=XLSX_HEADER, members=XLSX_MEMBERS, *, fmt=None
):
    """A plan workbook built cell by cell; `fmt` maps (sheet, row, column) to a number format."""
    wb = Workbook()
    ws = wb.active
    ws.title = "参数"
    ws.append(["参数", "值", "说明"])
    for name, value in parameters:
        ws.append([name, value])
    members_ws = wb.create_sheet("成员")
    members_ws.append(header)
    for row in members:
        members_ws.append(row)
    for (sheet, row, column), number_format in (fmt or {}).items():
        wb[sheet].cell(row=row, column=column).number_format = number_format
    wb.save(path)
    return path


def write_json_plan(path: Path, plan: dict) -> Path:
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return path


def example(**changes) -> dict:
    plan = json.loads(json.dumps(COOPERATIVE_EXAMPLE))
    plan.update(changes)
    return plan


def rejected(path: Path) -> list[dict]:
    with pytest.raises(PlanRejected) as caught:
        compute_plan(path)
    assert caught.value.code == "plan_rejected"
    errors = caught.value.details["errors"]
    assert caught.value.details["error_count"] == len(errors)
    for e in errors:  # every refusal is worded in both languages and says where
        assert e["reason_zh"] and e["reason_en"] and e["where_zh"] and e["where_en"]
    return errors


def only(errors: list[dict], code: str) -> dict:
    found = [e for e in errors if e["code"] == code]
    assert len(found) == 1, errors
    return found[0]


BAIMA_FLAGS = (
    SecondaryHousehold("M002", registered_poor=True),
    SecondaryHousehold("M004", registered_poor=True, monitored=True),
)


# -- the worked examples -----------------------------------------------------------------------------------------


def test_the_cooperative_example_in_json_gives_the_domains_own_worked_example(tmp_path):
    """白马村蚕桑专业合作社 (test_cooperative_domain): the plan file holds the same year and bylaws, so the result
    is the domain's, to the fen — M001's return ¥21,323.76 and remainder share ¥9,323.94 among them."""
    result = compute_plan(write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE))
    year = replace(BAIMA_YEAR, secondary_households=BAIMA_FLAGS)
    assert result.plan.cooperative == year
    bylaws = terms(patronage_share_bp=6000, reserve_rate_bp=1000)
    assert result.plan.terms == bylaws
    assert result.distribution == distribute_cooperative(year, bylaws)
    m001 = result.distribution.member("M001")
    assert (m001.patronage_return_fen, m001.remainder_share_fen, m001.converted_to_capital_fen) == (
        2_132_376,
        932_394,
        612_954,
    )


def test_the_same_plan_typed_into_a_workbook_gives_the_same_result(tmp_path):
    from_json = compute_plan(write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE))
    from_xlsx = compute_plan(write_xlsx_plan(tmp_path / "plan.xlsx"))
    assert from_xlsx.plan.cooperative == from_json.plan.cooperative
    assert from_xlsx.distribution == from_json.distribution
    assert result_json(from_xlsx) == result_json(from_json)


def test_the_collective_example_gives_the_domains_worked_example(tmp_path):
    """白马村股份经济合作社 (test_collective_domain): 公积公益金 20%, secondary 10% to H01 and H03."""
    result = compute_plan(write_json_plan(tmp_path / "plan.json", COLLECTIVE_EXAMPLE))
    expected = distribute_collective(
        BAIMA_COLLECTIVE, terms(reserve_rate_bp=2000, secondary_distribution_bp=1000)
    )
    assert result.distribution == expected
    assert result.distribution.secondary.paid == {"H01": 480_000, "H03": 480_000}
    shares = {m.key: m.shares for m in result.plan.collective.shares}
    assert shares == {"H01": 3, "H02": 4, "H03": Decimal("2.5"), "H04": Decimal("1.5")}


def test_the_shipped_examples_are_the_templates_and_compute(tmp_path):
    assert (DOCS / "distribution-plan.json").read_text(encoding="utf-8") == example_json()
    assert (DOCS / "distribution-plan-collective.json").read_text(encoding="utf-8") == example_json(
        "collective"
    )
    from_json = compute_plan(DOCS / "distribution-plan.json")
    assert compute_plan(DOCS / "distribution-plan.xlsx").distribution == from_json.distribution
    write_template(tmp_path / "t.xlsx", "xlsx", "collective")
    collective = compute_plan(DOCS / "distribution-plan-collective.json")
    assert compute_plan(tmp_path / "t.xlsx").distribution == collective.distribution


def test_the_result_json_has_fen_integers_and_yuan_strings_under_stable_keys(tmp_path):
    body = result_json(compute_plan(write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE)))
    assert list(body) == [
        "format",
        "body",
        "name",
        "year",
        "parameters",
        "steps",
        "members",
        "secondary",
        "totals",
    ]
    assert body["format"] == "tongzhou-distribution-result/1"
    steps = {s["key"]: s for s in body["steps"]}
    assert (steps["distributable"]["fen"], steps["distributable"]["yuan"]) == (8_550_000, "85500.00")
    assert steps["patronage"]["article"] == "农民专业合作社法 Art. 44"
    m001 = body["members"][0]
    assert m001["member_number"] == "M001" and m001["patronage_return_fen"] == 2_132_376
    assert m001["patronage_return_yuan"] == "21323.76" and m001["transactions_quantity"] == "0"
    assert (
        body["parameters"]["patronage_share_bp"] == 6000 and body["parameters"]["patronage_share"] == "60.00%"
    )
    assert body["totals"]["members"] == 6 and body["totals"]["total_fen"] == 8_550_000
    assert json.loads(json.dumps(body)) == body


def test_a_member_with_no_transactions_and_no_capital_gets_zero_not_an_error(tmp_path):
    result = compute_plan(write_json_plan(tmp_path / "plan.json", COOPERATIVE_EXAMPLE))
    assert result.distribution.member("M006").total_fen == 0


# -- the reading rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, percent_format, bp",
    [("60%", False, 6000), ("60", False, 6000), (60, False, 6000), (60.0, False, 6000), ("12.5%", False, 1250),
     ("0.6%", False, 60), (0.6, True, 6000), (0.125, True, 1250), ("0", False, 0), (100, False, 10000),
     (Decimal("60"), False, 6000), ("６０％".replace("６０", "60"), False, 6000)],
)  # fmt: skip
def test_a_rate_is_a_percentage_with_or_without_its_sign(value, percent_format, bp):
    assert cells.rate_bp(value, percent_format=percent_format) == bp


@pytest.mark.parametrize(
    "value, code",
    [("0.6", "rate_ambiguous"), (0.6, "rate_ambiguous"), ("120%", "rate_above_whole"), (100.5, "rate_above_whole"),
     ("-5%", "rate_negative"), ("12.345%", "rate_precision"), ("sixty", "rate_format"), (True, "number_type")],
)  # fmt: skip
def test_a_rate_that_is_ambiguous_or_beyond_the_whole_is_refused(value, code):
    with pytest.raises(CellError) as caught:
        cells.rate_bp(value)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "value, fen",
    [("1,234.56", 123456), (1234.56, 123456), (62350.17, 6235017), (0.1, 10), (100000, 10000000), ("¥12", 1200),
     ("12元", 1200), (Decimal("44120.50"), 4412050)],
)  # fmt: skip
def test_money_is_yuan_read_into_fen_exactly(value, fen):
    assert cells.money(value) == fen


@pytest.mark.parametrize(
    "value, code",
    [("1.234", "money_precision"), (0.001, "money_precision"), ("很多", "money_format"), ("-5", "negative_amount"),
     (True, "number_type"), (10**30, "money_range")],
)  # fmt: skip
def test_money_with_more_than_fen_or_not_a_number_is_refused(value, code):
    with pytest.raises(CellError) as caught:
        cells.money(value)
    assert caught.value.code == code


def test_a_percent_formatted_cell_reads_as_the_percentage_it_shows(tmp_path):
    parameters = [(n, 0.6 if n == "按交易量返还比例" else v) for n, v in XLSX_PARAMETERS]
    row = 1 + 1 + [n for n, _v in parameters].index("按交易量返还比例")
    path = write_xlsx_plan(tmp_path / "plan.xlsx", parameters, fmt={("参数", row, 2): "0%"})
    assert read_plan(path).terms.patronage_share_bp == 6000


# -- bad input: each refused naming its place, nothing computed ----------------------------------------------------


def test_a_missing_member_column_is_named_by_sheet_row_and_header(tmp_path):
    header = [h for h in XLSX_HEADER if h != "出资额（元）"]
    members = [[c for i, c in enumerate(row) if i != 2] for row in XLSX_MEMBERS]
    e = only(
        rejected(write_xlsx_plan(tmp_path / "plan.xlsx", header=header, members=members)), "missing_column"
    )
    assert (e["sheet"], e["row"], e["column"]) == ("成员", 1, "出资额（元）")
    assert "缺少必需的列“出资额（元）”" in e["reason_zh"]


def test_a_missing_key_in_a_json_member_is_named_by_its_path(tmp_path):
    plan = example()
    del plan["members"][2]["transactions_amount"]
    e = only(rejected(write_json_plan(tmp_path / "plan.json", plan)), "missing_key")
    assert e["path"] == "members[2].transactions_amount"


def test_text_in_a_number_cell_is_named_by_sheet_row_and_column(tmp_path):
    members = [list(row) for row in XLSX_MEMBERS]
    members[1][5] = "很多"
    e = only(rejected(write_xlsx_plan(tmp_path / "plan.xlsx", members=members)), "money_format")
    assert (e["sheet"], e["row"], e["column"], e["value"]) == ("成员", 3, "交易额（元）", "很多")
    assert e["where_zh"] == "工作表“成员”第3行“交易额（元）”列"
    assert e["where_en"] == "sheet 成员, row 3, column 交易额（元）"


def test_text_in_a_json_number_is_named_by_its_path(tmp_path):
    plan = example()
    plan["members"][1]["capital"] = "five thousand"
    e = only(rejected(write_json_plan(tmp_path / "plan.json", plan)), "money_format")
    assert e["path"] == "members[1].capital" and e["where_en"] == "members[1].capital"


def test_a_duplicate_member_is_refused_naming_both_rows(tmp_path):
    members = [*XLSX_MEMBERS, ["M003", "王建国", 100, None, None, 5, None, None]]
    e = only(rejected(write_xlsx_plan(tmp_path / "plan.xlsx", members=members)), "duplicate_member")
    assert (e["row"], e["column"], e["member"]) == (8, "成员编号", "M003")
    assert "第4行" in e["reason_zh"] and "row 4" in e["reason_en"]
    assert e["article"] == "农民专业合作社法 Art. 43"


def test_totals_that_contradict_the_rows_are_refused_with_both_sums(tmp_path):
    members = [*XLSX_MEMBERS, ["合计", None, 40000, 3000, 6000, 149999.99, None, None]]
    e = only(rejected(write_xlsx_plan(tmp_path / "plan.xlsx", members=members)), "totals_mismatch")
    assert (e["row"], e["column"]) == (8, "交易额（元）")
    assert (
        "149,999.99元" in e["reason_zh"] and "150,000.00元" in e["reason_zh"] and "0.01元" in e["reason_zh"]
    )
    # the right totals pass
    members[-1][5] = 150000
    assert compute_plan(write_xlsx_plan(tmp_path / "ok.xlsx", members=members)).plan.members[-1].key == "M006"


def test_json_totals_that_contradict_the_rows_are_named_by_path(tmp_path):
    plan = example(totals={"capital": "39000.00"})
    e = only(rejected(write_json_plan(tmp_path / "plan.json", plan)), "totals_mismatch")
    assert e["path"] == "totals.capital"


def test_a_patronage_share_under_sixty_percent_is_refused_citing_article_44(tmp_path):
    parameters = [(n, "55%" if n == "按交易量返还比例" else v) for n, v in XLSX_PARAMETERS]
    e = only(rejected(write_xlsx_plan(tmp_path / "plan.xlsx", parameters)), "patronage_below_floor")
    assert (e["sheet"], e["row"], e["column"], e["item"]) == ("参数", 8, "值", "按交易量返还比例")
    assert e["article"] == "农民专业合作社法 Art. 44"
    assert "60%" in e["reason_zh"] and "55.00%" in e["reason_zh"]
    e = only(
        rejected(write_json_plan(tmp_path / "plan.json", example(patronage_share="59.99"))),
        "patronage_below_floor",
    )
    assert e["path"] == "patronage_share"


def test_a_rate_above_the_whole_is_refused_at_its_cell(tmp_path):
    e = only(
        rejected(write_json_plan(tmp_path / "plan.json", example(reserve_rate="110%"))), "rate_above_whole"
    )
    assert e["path"] == "reserve_rate"


def test_rates_that_together_exceed_the_whole_are_refused_citing_the_article(tmp_path):
    plan = example(patronage_share="70%", secondary_rate="40%")
    e = only(rejected(write_json_plan(tmp_path / "plan.json", plan)), "rates_exceed_whole")
    assert e["path"] == "secondary_rate" and e["article"] == "农民专业合作社法 Art. 44"


def test_a_remainder_split_that_is_not_the_whole_is_refused(tmp_path):
    plan = example(remainder_members="80%", remainder_welfare="10%")
    e = only(rejected(write_json_plan(tmp_path / "plan.json", plan)), "split_sum")
    assert e["path"] == "remainder_members"


def test_a_negative_surplus_with_a_distribution_requested_is_refused_citing_the_article(tmp_path):
    e = only(
        rejected(write_json_plan(tmp_path / "plan.json", example(surplus="-1200.50"))),
        "loss_not_distributable",
    )
    assert e["path"] == "surplus" and e["article"] == "农民专业合作社法 Art. 44"
    assert "1,200.50" in e["reason_zh"]
    collective = json.loads(json.dumps(COLLECTIVE_EXAMPLE)) | {"surplus": "-1.00"}
    e = only(rejected(write_json_plan(tmp_path / "c.json", collective)), "loss_not_distributable")
    assert e["article"] == "农村集体经济组织法 Art. 42"


def test_every_problem_is_reported_at_once(tmp_path):
    members = [list(row) for row in XLSX_MEMBERS]
    members[0][2] = "1.234"
    members[3][5] = "abc"
    parameters = [(n, "50%" if n == "按交易量返还比例" else v) for n, v in XLSX_PARAMETERS]
    errors = rejected(write_xlsx_plan(tmp_path / "plan.xlsx", parameters, members=members))
    assert [(e["row"], e["code"]) for e in errors] == [(2, "money_precision"), (5, "money_format"),
                                                       (8, "patronage_below_floor")]  # fmt: skip


def test_a_missing_or_unknown_or_misplaced_parameter_is_refused(tmp_path):
    plan = example(dividend="5%")
    del plan["reserve_rate"]
    errors = rejected(write_json_plan(tmp_path / "plan.json", plan))
    assert only(errors, "missing_parameter")["path"] == "reserve_rate"
    assert only(errors, "unknown_key")["path"] == "dividend"
    collective = json.loads(json.dumps(COLLECTIVE_EXAMPLE)) | {"patronage_share": "60%"}
    e = only(rejected(write_json_plan(tmp_path / "c.json", collective)), "parameter_not_for_body")
    assert e["path"] == "patronage_share"


def test_a_formula_cell_is_refused(tmp_path):
    members = [list(row) for row in XLSX_MEMBERS]
    members[0][2] = "=5000*2"
    e = only(rejected(write_xlsx_plan(tmp_path / "plan.xlsx", members=members)), "formula")
    assert (e["row"], e["column"]) == (2, "出资额（元）")


def test_a_workbook_without_its_sheets_or_a_file_of_another_type_is_refused(tmp_path):
    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.save(tmp_path / "plan.xlsx")
    errors = rejected(tmp_path / "plan.xlsx")
    assert {(e["sheet"], e["code"]) for e in errors} == {("参数", "missing_sheet"), ("成员", "missing_sheet")}
    (tmp_path / "fake.json").write_bytes((tmp_path / "plan.xlsx").read_bytes())
    assert only(rejected(tmp_path / "fake.json"), "type_mismatch")
    (tmp_path / "plan.csv").write_text("a,b\n", encoding="utf-8")
    assert only(rejected(tmp_path / "plan.csv"), "unsupported_type")


@pytest.mark.parametrize(
    "text, code",
    [('{"body": "cooperative", "body": "collective"}', "duplicate_key"), ('{"surplus": NaN}', "json_format"),
     ("[1, 2]", "json_format"), ('{"body": ', "json_format")],
)  # fmt: skip
def test_malformed_json_is_refused(tmp_path, text, code):
    (tmp_path / "plan.json").write_text(text, encoding="utf-8")
    assert only(rejected(tmp_path / "plan.json"), code)


def test_a_quantity_basis_plan_splits_by_quantity_like_the_domain(tmp_path):
    plan = example(transaction_basis="交易量", totals={"transactions_quantity": "1000.5"})
    quantities = ["400.25", "300", "200.25", "100", None, None]
    for member, quantity in zip(plan["members"], quantities, strict=True):
        del member["transactions_amount"]
        member["transactions_quantity"] = quantity
    result = compute_plan(write_json_plan(tmp_path / "plan.json", plan))
    assert result.plan.terms.transaction_basis == "quantity"
    assert result.distribution == distribute_cooperative(result.plan.cooperative, result.plan.terms)
    assert result.plan.cooperative.members[0].transactions_quantity == Decimal("400.25")
    assert result_json(result)["members"][0]["transactions_quantity"] == "400.25"


def test_merged_cells_and_a_column_of_the_other_body_kind_are_refused(tmp_path):
    path = write_xlsx_plan(tmp_path / "plan.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["成员"].merge_cells("A2:A3")
    wb.save(path)
    e = only(rejected(path), "merged_cells")
    assert e["sheet"] == "成员"
    parameters = [
        ("主体类型", "集体经济组织"),
        ("年度", 2025),
        ("本年收益（元）", 1000),
        ("公积公益金提取比例", "10%"),
    ]
    errors = rejected(write_xlsx_plan(tmp_path / "c.xlsx", parameters))
    wrong = {e["column"] for e in errors if e["code"] == "column_not_for_body" and e["row"] == 1}
    assert wrong == {"出资额（元）", "量化公积金份额（元）", "量化财政补助份额（元）", "交易额（元）"}
    assert only(errors, "missing_column")["column"] == "收益权份额"
