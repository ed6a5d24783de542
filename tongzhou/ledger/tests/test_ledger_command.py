"""`tongzhou ledger …` through call_command: open a book, list accounts and vouchers, check, post and reverse a
voucher, close and reopen a month; every refusal a CommandError with the code and the Chinese and English
message, and nothing changed."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tongzhou.coops.testing import build_cooperative
from tongzhou.ledger.models import Book, Period, Voucher
from tongzhou.ledger.services import voucher_create
from tongzhou.ledger.testing import build_small_coop, post_voucher

pytestmark = pytest.mark.django_db

JAN = dt.date(2025, 1, 10)
CASH_FROM_BANK = [{"account": "101", "debit_fen": 100000}, {"account": "102", "credit_fen": 100000}]


def ledger(*args, user) -> str:
    out = StringIO()
    call_command("ledger", *[str(a) for a in args], "--user", user.username, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def small(personas):
    return build_small_coop(personas.cadre_a)


def test_a_writer_opens_a_book_and_lists_its_accounts(personas):
    coop = build_cooperative()
    out = ledger("open", coop.pk, "--year", 2025, "--month", 4, user=personas.cadre_a)
    assert "农民专业合作社会计制度" in out and "2025-04" in out
    book = Book.objects.get(cooperative=coop)
    assert (book.start_year, book.start_month) == (2025, 4)
    accounts = ledger("accounts", coop.pk, "--search", "银行", user=personas.auditor)
    assert "102\t银行存款\t平\t¥0.00" in accounts and "101" not in accounts

    with pytest.raises(CommandError) as refused:
        ledger("open", coop.pk, "--year", 2025, user=personas.cadre_a)
    assert "book_exists" in str(refused.value) and "该组织已建账" in str(refused.value)
    assert "already has books" in str(refused.value)


def test_an_auditor_cannot_open_a_book_and_another_village_cannot_read_it(personas, small):
    coop = build_cooperative(name="白马村茶叶专业合作社")
    with pytest.raises(CommandError, match="forbidden"):
        ledger("open", coop.pk, "--year", 2025, user=personas.auditor)
    assert not Book.objects.filter(cooperative=coop).exists()
    with pytest.raises(CommandError, match="forbidden"):
        ledger("vouchers", small.cooperative.pk, user=personas.cadre_b)
    with pytest.raises(CommandError, match="no_book"):
        ledger("accounts", coop.pk, user=personas.cadre_a)


def test_a_voucher_is_checked_posted_shown_and_reversed(personas, small):
    voucher = voucher_create(
        user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK
    )
    with pytest.raises(CommandError) as own:
        ledger("check", voucher.pk, user=personas.cadre_a)
    assert "checker_is_maker" in str(own.value) and "审核人不能是制单人" in str(own.value)
    assert "must not be the maker" in str(own.value)

    ledger("check", voucher.pk, user=personas.secretary_a)
    shown = ledger("post", voucher.pk, user=personas.secretary_a)
    assert "2025-01 记 1 号" in shown and "secretary_a" in shown
    listed = ledger("vouchers", small.cooperative.pk, "--month", "2025-01", user=personas.auditor)
    assert "提现" in listed and "¥1,000.00" in listed and "1 张凭证" in listed

    out = ledger("reverse", voucher.pk, "--on", "2025-01-20", user=personas.cadre_a)
    reversal = Voucher.objects.get(reverses=voucher)
    assert f"已生成红字冲销凭证 {reversal.pk}" in out and "-¥1,000.00" in out
    assert f"已被冲销: {reversal.pk}" in ledger("show", voucher.pk, user=personas.auditor)
    with pytest.raises(CommandError, match="already_reversed"):
        ledger("reverse", voucher.pk, user=personas.cadre_a)
    with pytest.raises(CommandError, match="posted_voucher_immutable"):
        ledger("delete", voucher.pk, user=personas.cadre_a)
    assert Voucher.objects.filter(pk=voucher.pk, status="posted").exists()


def test_months_close_and_reopen(personas, small):
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    draft = voucher_create(
        user=personas.cadre_a, book=small.book, date=dt.date(2025, 2, 1), summary="二月", lines=CASH_FROM_BANK
    )
    assert "2025-01 已结账" in ledger(
        "close-month", small.cooperative.pk, "--month", "2025-01", user=personas.cadre_a
    )
    with pytest.raises(CommandError, match="period_has_drafts"):
        ledger("close-month", small.cooperative.pk, "--month", "2025-02", user=personas.cadre_a)
    with pytest.raises(CommandError, match="month_required"):
        ledger("close-month", small.cooperative.pk, "--month", "2025-2", user=personas.cadre_a)
    ledger("delete", draft.pk, user=personas.cadre_a)
    assert not Voucher.objects.filter(pk=draft.pk).exists()
    assert "2025-01 已反结账" in ledger(
        "reopen-month", small.cooperative.pk, "--month", "2025-01", user=personas.cadre_a
    )
    assert Period.objects.get(book=small.book, year=2025, month=1).status == "open"


def test_a_cadre_enters_a_voucher_line_by_line_and_from_the_apis_json(personas, small, tmp_path):
    out = ledger(
        "new", small.cooperative.pk, "--on", "2025-01-12", "--summary", "提取备用金", "--attachments", 1,
        "--line", "101 借 1,000.00", "--line", "102 贷 1000", user=personas.cadre_a,
    )  # fmt: skip
    draft = Voucher.objects.get(summary="提取备用金")
    assert f"已制单 {draft.pk}" in out and "101 库存现金\t借 ¥1,000.00" in out and "未记账" in out
    assert (draft.status, draft.date, draft.attachments, draft.maker) == (
        "draft", dt.date(2025, 1, 12), 1, personas.cadre_a,
    )  # fmt: skip
    assert [(x.account.code, x.debit_fen, x.credit_fen) for x in draft.lines.order_by("line_no")] == [
        ("101", 100000, 0),
        ("102", 0, 100000),
    ]
    body = tmp_path / "voucher.json"
    body.write_text(
        '{"date": "2025-01-15", "summary": "赵六交来押金", "attachments": 2, "lines": ['
        '{"account": "101", "debit": "300.00"}, {"account": "211", "credit": 300, "counterparty": "赵六"}]}',
        encoding="utf-8",
    )
    ledger("new", small.cooperative.pk, "--from", body, user=personas.cadre_a)
    from_file = Voucher.objects.get(summary="赵六交来押金")
    assert [(x.account.code, x.credit_fen, x.counterparty) for x in from_file.lines.order_by("line_no")] == [
        ("101", 0, ""),
        ("211", 30000, "赵六"),
    ]


@pytest.mark.parametrize(
    ("lines", "code", "where"),
    [
        (["101 借 1,000.00", "102 贷 999.99"], "unbalanced", "借贷不平"),
        (["101 借 1,000.00", "102 欠 1000"], "line_invalid", "第 2 行"),
        (["101 借 1,0x0.00", "102 贷 1000"], "money", "第 1 行"),
        (["101 借 1000", "102 贷 1000 #abc"], "member_invalid", "第 2 行"),
        (["999 借 1000", "102 贷 1000"], "account_unknown", "第 1 行"),
    ],
)
def test_a_bad_voucher_from_the_command_line_is_refused_naming_the_line(personas, small, lines, code, where):
    before = Voucher.objects.count()
    args = ["new", small.cooperative.pk, "--on", "2025-01-12", "--summary", "错误凭证"]
    for line in lines:
        args += ["--line", line]
    with pytest.raises(CommandError) as refused:
        ledger(*args, user=personas.cadre_a)
    assert code in str(refused.value) and where in str(refused.value)
    assert Voucher.objects.count() == before


def test_a_voucher_file_that_is_not_json_or_has_text_amounts_changes_nothing(personas, small, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="file_invalid"):
        ledger("new", small.cooperative.pk, "--from", bad, user=personas.cadre_a)
    bad.write_text('{"date": "2025-01-15", "summary": "x", "lines": [{"account": "101", "debit": "一千"}, '
                   '{"account": "102", "credit": "1000"}]}', encoding="utf-8")  # fmt: skip
    with pytest.raises(CommandError) as refused:
        ledger("new", small.cooperative.pk, "--from", bad, user=personas.cadre_a)
    assert "money" in str(refused.value) and "第 1 行" in str(refused.value)
    with pytest.raises(CommandError, match="forbidden"):
        ledger("new", small.cooperative.pk, "--on", "2025-01-12", "--summary", "x", "--line", "101 借 1",
               "--line", "102 贷 1", user=personas.cadre_b)  # fmt: skip
    assert not Voucher.objects.exists()
