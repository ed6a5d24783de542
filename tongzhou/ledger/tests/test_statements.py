"""The worked example (tests/worked_example.py) through the year close and every statement, each figure asserted;
the roll-up for a township; the exports (XLSX layout, PDF with its Chinese text)."""

import datetime as dt
import io

import pytest
from django.db import transaction

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import Cooperative
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import TOWNSHIP, VILLAGE_B
from tongzhou.ledger.models import Period, Voucher
from tongzhou.ledger.services import voucher_create
from tongzhou.ledger.services.year_close import year_close
from tongzhou.ledger.statements import exports
from tongzhou.ledger.statements.read import resolve_period, statement_for_book, statement_for_region
from tongzhou.ledger.testing import post_voucher

from .worked_example import Y, build_worked_year, close_months

pytestmark = pytest.mark.django_db

YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


@pytest.fixture
def worked(personas):
    small = build_worked_year(personas)
    close_months(personas, small.book)
    return small


@pytest.fixture
def closed(personas, worked):
    year_close(user=personas.cadre_a, book=worked.book, year=2025)
    return worked


def _book(user, book, kind, period=YEAR, **kw):
    return statement_for_book(user=user, book=book, kind=kind, date_from=period[0], date_to=period[1], **kw)


# -- year close ---------------------------------------------------------------------------------------------------


def test_year_close_carries_profit_and_loss_into_surplus_then_distribution(personas, worked):
    vouchers = year_close(user=personas.cadre_a, book=worked.book, year=2025)
    assert [v.number for v in vouchers] == [5, 6]  # after December's four vouchers
    carry, result = vouchers
    assert carry.source == result.source == "ledger.year_close:2025"
    assert [(ln.account.code, ln.debit_fen, ln.credit_fen) for ln in carry.lines.order_by("line_no")] == [
        ("501", 36000 * Y, 0),
        ("502", 1000 * Y, 0),
        ("521", 0, 20000 * Y),
        ("522", 0, 200 * Y),
        ("523", 0, 4000 * Y),
        ("524", 0, 100 * Y),
        ("331", 0, 12700 * Y),
    ]
    assert [(ln.account.code, ln.debit_fen, ln.credit_fen) for ln in result.lines.order_by("line_no")] == [
        ("331", 12700 * Y, 0),
        ("332", 0, 12700 * Y),
    ]
    worked.cooperative.refresh_from_db()
    assert worked.cooperative.closed_through_year == 2025
    assert Period.objects.get(book=worked.book, year=2025, month=12).status == "closed"
    assert AuditEvent.objects.filter(action="ledger.year_close").count() == 1
    tb = _book(personas.cadre_a, worked.book, "trial-balance")
    for code in ("331", "501", "502", "521", "522", "523", "524"):
        assert tb.figure(code)[4:] == (0, 0), code  # every profit-and-loss account and 本年盈余 stand at zero
    assert tb.figure("332")[4:] == (0, 2030 * Y)  # 未分配盈余


def _state():
    return (
        Voucher.objects.count(),
        list(Cooperative.objects.values_list("closed_through_year", flat=True)),
        list(Period.objects.order_by("pk").values_list("status", "last_number")),
    )


def _refused(exc, **kwargs):
    before = _state()
    with pytest.raises(exc) as info, transaction.atomic():
        year_close(**kwargs)
    assert _state() == before
    return info.value


def test_year_close_refuses_open_months_drafts_twice_and_other_villages(personas, small_year=None):
    small = build_worked_year(personas)
    assert _refused(Conflict, user=personas.cadre_a, book=small.book, year=2025).code == "earlier_period_open"
    close_months(personas, small.book)
    draft = voucher_create(
        user=personas.cadre_a,
        book=small.book,
        date=dt.date(2025, 12, 30),
        summary="草稿",
        lines=[{"account": "101", "debit_fen": 100}, {"account": "102", "credit_fen": 100}],
    )
    assert _refused(Conflict, user=personas.cadre_a, book=small.book, year=2025).code == "period_has_drafts"
    draft.delete()
    assert _refused(ScopeDenied, user=personas.cadre_b, book=small.book, year=2025)
    assert _refused(InvalidInput, user=personas.cadre_a, book=small.book, year=2024).code == "year_invalid"
    assert _refused(Conflict, user=personas.cadre_a, book=small.book, year=2026).code == "earlier_year_open"
    year_close(user=personas.cadre_a, book=small.book, year=2025)
    assert _refused(Conflict, user=personas.cadre_a, book=small.book, year=2025).code == "year_closed"


def test_a_closed_year_refuses_postings_and_member_transactions(personas, closed):
    with pytest.raises(InvalidInput) as info:
        post_voucher(
            maker=personas.cadre_a,
            checker=personas.secretary_a,
            book=closed.book,
            date=dt.date(2025, 12, 31),
            summary="补记",
            lines=[{"account": "101", "debit_fen": 100}, {"account": "102", "credit_fen": 100}],
        )
    assert info.value.code in ("year_closed", "period_closed")
    from tongzhou.coops.domain.transactions import parse_on

    closed.cooperative.refresh_from_db()  # member transactions read the same mark
    with pytest.raises(Exception) as refused:
        parse_on("2025-06-01", closed_through_year=closed.cooperative.closed_through_year)
    assert refused.value.code == "closed_year"
    # 2026 goes on: the first voucher of the new year posts.
    v = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=closed.book,
        date=dt.date(2026, 1, 3),
        summary="提取现金",
        lines=[{"account": "101", "debit_fen": 100}, {"account": "102", "credit_fen": 100}],
    )
    assert v.number == 1


# -- the statements of the worked example ------------------------------------------------------------------------


def test_balance_sheet_of_the_worked_year_balances(personas, closed):
    bs = _book(personas.auditor, closed.book, "balance-sheet")
    assert bs.title == "资产负债表" and bs.form == "会农社01表"
    expected = {
        "货币资金": 86900,
        "应收款项": 2000,
        "存货": 0,
        "流动资产合计": 88900,
        "固定资产原值": 10000,
        "减：累计折旧": 1000,
        "固定资产净值": 9000,
        "非流动资产合计": 9000,
        "资产总计": 97900,
        "应付款项": 5000,
        "应交税费": 200,
        "应付盈余返还": 7000,
        "应付剩余盈余": 2400,
        "流动负债合计": 14600,
        "负债合计": 14600,
        "股金": 80000,
        "盈余公积": 1270,
        "未分配盈余": 2030,
        "所有者权益合计": 83300,
        "负债和所有者权益总计": 97900,
    }
    for label, yuan in expected.items():
        assert bs.figure(label) == (0, yuan * Y), label
    assert bs.checks["balanced"]
    # 成员往来: 李小花 owes 2,000 (a receivable), the cooperative owes 王大山 5,000 (a payable): never netted.
    assert bs.rows[2][0] == "应收款项" and bs.rows[2][1] == 2


def test_balance_sheet_balances_mid_year_before_the_close(personas, worked):
    bs = _book(
        personas.cadre_a, worked.book, "balance-sheet", period=(dt.date(2025, 1, 1), dt.date(2025, 6, 30))
    )
    # At 30 June: surplus so far 36,000 − 20,000 − 3,000 = 13,000 stands in 未分配盈余 (profit-and-loss not carried).
    assert bs.figure("未分配盈余") == (0, 13000 * Y)
    assert bs.figure("货币资金") == (0, 96000 * Y)  # cash 3,000 + bank 93,000
    assert bs.figure("资产总计") == bs.figure("负债和所有者权益总计") == (0, 98000 * Y)
    assert bs.checks["balanced"]


def test_surplus_statement_lines_as_the_standard(personas, closed):
    st = _book(personas.cadre_a, closed.book, "surplus")
    assert st.title == "盈余及盈余分配表"
    assert [row[0] for row in st.rows] == [
        "一、经营收入",
        "加：投资收益",
        "减：经营支出",
        "税金及附加",
        "管理费用",
        "财务费用",
        "二、经营收益",
        "加：其他收入",
        "减：其他支出",
        "三、盈余总额",
        "减：所得税费用",
        "四、本年盈余",
        "加：年初未分配盈余",
        "其他转入",
        "减：提取盈余公积",
        "五、可分配盈余",
        "减：盈余返还",
        "剩余盈余分配",
        "转为成员出资",
        "六、年末未分配盈余",
    ]
    expected = {
        "经营收入": 36000,
        "投资收益": 0,
        "经营支出": 20000,
        "税金及附加": 200,
        "管理费用": 4000,
        "财务费用": 100,
        "经营收益": 11700,
        "其他收入": 1000,
        "其他支出": 0,
        "盈余总额": 12700,
        "所得税费用": 0,
        "本年盈余": 12700,
        "年初未分配盈余": 0,
        "其他转入": 0,
        "提取盈余公积": 1270,
        "可分配盈余": 11430,
        "盈余返还": 7000,
        "剩余盈余分配": 2400,
        "转为成员出资": 0,
        "年末未分配盈余": 2030,
    }
    for label, yuan in expected.items():
        assert st.figure(label) == (yuan * Y, 0), label  # 上年同期: the book starts in 2025
    # It ties to the balance sheet: 年末未分配盈余 = 未分配盈余.
    bs = _book(personas.cadre_a, closed.book, "balance-sheet")
    assert st.figure("年末未分配盈余")[0] == bs.figure("未分配盈余")[1]


def test_surplus_of_a_quarter_and_a_month(personas, worked):
    q1 = _book(personas.cadre_a, worked.book, "surplus", period=resolve_period(period="2025-Q1"))
    assert (q1.figure("经营收入")[0], q1.figure("经营支出")[0], q1.figure("本年盈余")[0]) == (
        36000 * Y,
        20000 * Y,
        16000 * Y,
    )
    june = _book(personas.cadre_a, worked.book, "surplus", period=resolve_period(period="2025-06"))
    assert june.figure("本年盈余")[0] == -3000 * Y


def test_equity_changes(personas, closed):
    st = _book(personas.cadre_a, closed.book, "equity-changes")
    assert st.columns == ("项目", "行次", "股金", "专项基金", "资本公积", "盈余公积", "未分配盈余", "合计")
    assert st.figure("期初余额") == (0, 0, 0, 0, 0, 0)
    # 未分配盈余: + 12,700 本年盈余; − 10,670 distributed.
    assert st.figure("本期增加") == (80000 * Y, 0, 0, 1270 * Y, 12700 * Y, 93970 * Y)
    assert st.figure("本期减少") == (0, 0, 0, 0, 10670 * Y, 10670 * Y)
    assert st.figure("期末余额") == (80000 * Y, 0, 0, 1270 * Y, 2030 * Y, 83300 * Y)
    assert st.checks["closing_ties"]


def test_trial_balance_statement(personas, closed):
    tb = _book(personas.cadre_a, closed.book, "trial-balance")
    assert tb.checks["balanced"]
    # opening D, C; period D, C; closing D, C
    assert tb.figure("102") == (0, 0, 117000 * Y, 33100 * Y, 83900 * Y, 0)
    assert tb.figure("114") == (0, 0, 17000 * Y, 20000 * Y, 0, 3000 * Y)  # the parent nets its members
    assert tb.figure("114001") == (0, 0, 15000 * Y, 20000 * Y, 0, 5000 * Y)
    assert tb.figure("114002") == (0, 0, 2000 * Y, 0, 2000 * Y, 0)
    assert tb.figure("501") == (0, 0, 36000 * Y, 36000 * Y, 0, 0)
    total = tb.figure("合计")
    # 101 3,000 + 102 83,900 + 151 10,000 = 114 3,000 (net) + 152 1,000 + 214 200 + 221 7,000 + 222 2,400
    # + 301 80,000 + 322 1,270 + 332 2,030
    assert total[2] == total[3] and total[4] == total[5] == 96900 * Y


def test_general_ledger_months_and_year_to_date(personas, closed):
    gl = _book(personas.cadre_a, closed.book, "general-ledger")
    assert gl.figure("102") == (0, 117000 * Y, 33100 * Y, 83900 * Y)
    start = gl.rows.index(("102 银行存款", None, None, None, None, None, None))
    assert gl.rows[start + 1] == (None, None, "期初余额", None, None, "平", 0)
    assert gl.rows[start + 2] == (2025, 1, "本月合计", 80000 * Y, 5000 * Y, "借", 75000 * Y)
    assert gl.rows[start + 4] == (2025, 3, "本月合计", 36000 * Y, 0, "借", 111000 * Y)
    assert gl.rows[start + 5] == (2025, 3, "本年累计", 116000 * Y, 5000 * Y, "借", 111000 * Y)


def test_subsidiary_ledger_of_an_account_and_of_a_member(personas, closed):
    sl = _book(personas.cadre_a, closed.book, "subsidiary-ledger", account="114")
    assert sl.title == "明细账：114 成员往来"
    assert [r[2:] for r in sl.rows] == [
        ("期初余额", None, None, "平", 0),
        ("收购王大山蚕茧", 0, 20000 * Y, "贷", 20000 * Y),
        ("支付王大山货款", 15000 * Y, 0, "贷", 5000 * Y),
        ("李小花借支", 2000 * Y, 0, "贷", 3000 * Y),
        ("本期合计", 17000 * Y, 20000 * Y, "贷", 3000 * Y),
    ]
    assert sl.rows[1][:2] == ("2025-02-10", "记-1")
    mine = _book(personas.cadre_a, closed.book, "subsidiary-ledger", account="222", member=closed.li.pk)
    assert mine.figure("closing") == (-900 * Y,)
    with pytest.raises(InvalidInput) as info:
        _book(personas.cadre_a, closed.book, "subsidiary-ledger", account="102", member=closed.li.pk)
    assert info.value.code == "member_not_allowed"


def test_statements_are_scoped(personas, closed):
    with pytest.raises(ScopeDenied):
        _book(personas.cadre_b, closed.book, "balance-sheet")
    with pytest.raises(InvalidInput) as info:
        _book(personas.cadre_a, closed.book, "cash-flow")
    assert info.value.code == "statement_unknown"


# -- rolled up ----------------------------------------------------------------------------------------------------


def test_township_roll_up_sums_the_books_below(personas, closed):
    other = build_worked_year(personas, region_code=VILLAGE_B, number="0101")
    # A second cooperative, its year not closed: its result still stands in the profit-and-loss accounts.
    bs = statement_for_region(
        user=personas.township,
        region_code=TOWNSHIP,
        standard="farmers_cooperative",
        kind="balance-sheet",
        date_from=YEAR[0],
        date_to=YEAR[1],
    )
    assert "2 个账套" in bs.entity
    assert bs.figure("资产总计") == (0, 2 * 97900 * Y)
    assert bs.figure("应收款项") == (0, 2 * 2000 * Y)  # members kept apart across books too
    assert bs.figure("应付款项") == (0, 2 * 5000 * Y)
    assert bs.figure("未分配盈余") == (0, 2 * 2030 * Y)
    assert bs.checks["balanced"]
    st = statement_for_region(
        user=personas.county,
        region_code=TOWNSHIP,
        standard="farmers_cooperative",
        kind="surplus",
        date_from=YEAR[0],
        date_to=YEAR[1],
    )
    assert st.figure("本年盈余") == (2 * 12700 * Y, 0)
    assert st.figure("年末未分配盈余") == (2 * 2030 * Y, 0)
    tb = statement_for_region(
        user=personas.township,
        region_code=TOWNSHIP,
        standard="farmers_cooperative",
        kind="trial-balance",
        date_from=YEAR[0],
        date_to=YEAR[1],
    )
    assert tb.checks["balanced"] and tb.figure("102")[4] == 2 * 83900 * Y
    collectives = statement_for_region(
        user=personas.township,
        region_code=TOWNSHIP,
        standard="collective_organisation",
        kind="balance-sheet",
        date_from=YEAR[0],
        date_to=YEAR[1],
    )
    assert "0 个账套" in collectives.entity and collectives.figure("资产总计") == (0, 0)
    with pytest.raises(ScopeDenied):
        statement_for_region(
            user=personas.cadre_a,
            region_code=TOWNSHIP,
            standard="farmers_cooperative",
            kind="balance-sheet",
            date_from=YEAR[0],
            date_to=YEAR[1],
        )
    assert other.book.region_code == VILLAGE_B


def test_roll_up_is_one_aggregate_query_not_a_loop_per_book(personas, closed, django_assert_max_num_queries):
    build_worked_year(personas, region_code=VILLAGE_B, number="0101")
    with django_assert_max_num_queries(8):
        statement_for_region(
            user=personas.township,
            region_code=TOWNSHIP,
            standard="farmers_cooperative",
            kind="balance-sheet",
            date_from=YEAR[0],
            date_to=YEAR[1],
        )


# -- exports ------------------------------------------------------------------------------------------------------


def test_xlsx_in_the_official_layout(personas, closed):
    from openpyxl import load_workbook

    bs = _book(personas.cadre_a, closed.book, "balance-sheet")
    ws = load_workbook(io.BytesIO(exports.to_xlsx(bs))).active
    assert ws["A1"].value == "资产负债表"
    assert ws["A2"].value == "会农社01表" and ws["H2"].value == "单位：元"
    assert [c.value for c in ws[4]] == [
        "资产",
        "行次",
        "年初数",
        "期末数",
        "负债和所有者权益",
        "行次",
        "年初数",
        "期末数",
    ]
    assert [c.value for c in ws[6]][:4] == ["货币资金", 1, 0, 86900]
    assert ws["D6"].number_format == "#,##0.00"
    totals = [row for row in ws.iter_rows(values_only=True) if row[0] == "资产总计"]
    assert totals[0][3] == 97900


def test_csv_and_json(personas, closed):
    st = _book(personas.cadre_a, closed.book, "surplus")
    text = exports.to_csv(st).decode("utf-8-sig")
    assert "一、经营收入,1,36000.00,0.00" in text
    data = exports.to_json(st)
    assert data["figures"]["本年盈余"][0] == {"fen": 1270000, "yuan": "12700.00"}


def test_pdf_has_the_chinese_text(personas, closed):
    from pypdf import PdfReader

    pdf = exports.to_pdf(_book(personas.cadre_a, closed.book, "balance-sheet"))
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    for words in ("资产负债表", "货币资金", "负债和所有者权益总计", "97,900.00"):
        assert words in text, words
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }
    assert any("CJK" in f for f in fonts), fonts
