"""The book pages through Django's test client as each persona: opening a book, its accounts with balances and a
sub-account, voucher entry with its htmx parts (line rows, account search, live totals), check, post, reversal,
deletion, the voucher list and the months. Every refusal shows its error next to what it names and changes
nothing; only writers see forms."""

from __future__ import annotations

import datetime as dt

import pytest

from tongzhou.coops.testing import build_cooperative
from tongzhou.ledger.models import Book, BookAccount, Period, Voucher, VoucherLine
from tongzhou.ledger.services import voucher_check, voucher_create, voucher_post
from tongzhou.ledger.testing import build_small_coop, post_voucher

pytestmark = pytest.mark.django_db

JAN = dt.date(2025, 1, 10)
CASH_FROM_BANK = [{"account": "101", "debit_fen": 100000}, {"account": "102", "credit_fen": 100000}]


def as_user(client, user):
    client.force_login(user)
    return client


def snapshot() -> tuple:
    return (
        tuple(Voucher.objects.order_by("pk").values_list("pk", "status", "number", "summary", "checker_id")),
        tuple(VoucherLine.objects.order_by("pk").values_list("pk", "debit_fen", "credit_fen", "account_id")),
        tuple(BookAccount.objects.order_by("pk").values_list("pk", "code", "is_leaf")),
        tuple(Period.objects.order_by("pk").values_list("pk", "status", "last_number")),
    )


@pytest.fixture
def small(personas):
    return build_small_coop(personas.cadre_a)


def entry(date="2025-01-10", summary="提取备用金", lines=None, **extra) -> dict:
    """A voucher form as the browser posts it: yuan amounts in rows lines-<i>-<field>."""
    data = {"date": date, "summary": summary, "attachments": "1", **extra}
    for i, line in enumerate(lines or [("101", "1000", ""), ("102", "", "1000")]):
        account, debit, credit, *rest = line
        data[f"lines-{i}-account"] = account
        data[f"lines-{i}-debit"] = debit
        data[f"lines-{i}-credit"] = credit
        if rest:
            data[f"lines-{i}-member"] = rest[0]
    return data


# ---- the book ------------------------------------------------------------------------------------------------


def test_the_cooperative_page_links_to_its_book_and_a_writer_opens_it_with_its_chart(client, personas):
    coop = build_cooperative()
    as_user(client, personas.cadre_a)
    overview = client.get(f"/coops/{coop.pk}/").content.decode()
    assert f'href="/coops/{coop.pk}/book/"' in overview

    page = client.get(f"/coops/{coop.pk}/book/").content.decode()
    assert "尚未建账" in page and "农民专业合作社会计制度" in page and 'id="open-book"' in page

    response = client.post(f"/coops/{coop.pk}/book/open/", {"start_year": "2025", "start_month": "1"})
    assert response.status_code == 302
    book = Book.objects.get(cooperative=coop)
    assert book.chart.key == "farmers_cooperative-2021"
    page = client.get(response["Location"]).content.decode()
    assert "101" in page and "库存现金" in page and "114" in page and "成员往来" in page


def test_an_auditor_sees_the_unopened_book_without_a_form_and_cannot_open_it(client, personas):
    coop = build_cooperative()
    as_user(client, personas.auditor)
    page = client.get(f"/coops/{coop.pk}/book/").content.decode()
    assert "尚未建账" in page and 'id="open-book"' not in page
    assert client.post(f"/coops/{coop.pk}/book/open/", {"start_year": "2025"}).status_code == 403
    assert not Book.objects.exists()


def test_a_bad_first_month_is_shown_next_to_the_field(client, personas):
    coop = build_cooperative()
    as_user(client, personas.cadre_a)
    response = client.post(f"/coops/{coop.pk}/book/open/", {"start_year": "1800", "start_month": "1"})
    assert response.status_code == 400
    assert (
        'data-field="start_year"' in response.content.decode() and "field-error" in response.content.decode()
    )
    assert not Book.objects.exists()


def test_the_accounts_show_posted_balances_rolled_up_to_their_parents(client, personas, small):
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="收到股金",
        lines=[
            {"account": "102", "debit_fen": 500000},
            {"account": "301", "credit_fen": 500000, "member": small.wang.pk},
        ],
    )
    page = as_user(client, personas.auditor).get(f"/coops/{small.cooperative.pk}/book/").content.decode()
    bank = page.split('data-code="102"', 1)[1].split("</tr>", 1)[0]
    assert "借" in bank and "¥5,000.00" in bank
    capital = page.split('data-code="301"', 1)[1].split("</tr>", 1)[0]
    assert "贷" in capital and "¥5,000.00" in capital
    assert 'id="add-account"' not in page  # the auditor reads only


def test_a_writer_adds_a_member_sub_account_and_a_bad_code_is_shown_next_to_the_field(
    client, personas, small
):
    as_user(client, personas.cadre_a)
    url = f"/books/{small.book.pk}/accounts/"
    before = snapshot()
    bad = client.post(url, {"account-parent": "114", "account-name": "王大山", "account-code": "9"})
    assert bad.status_code == 400
    html = bad.content.decode()
    code_field = html.split('data-field="code"', 1)[1].split("</div>", 1)[0]
    assert "下级科目编号须以 114 开头" in code_field
    assert snapshot() == before

    ok = client.post(
        url, {"account-parent": "114", "account-name": "王大山", "account-member": str(small.wang.pk)}
    )
    assert ok.status_code == 302
    sub = BookAccount.objects.get(book=small.book, code="114001")
    assert sub.member == small.wang and not BookAccount.objects.get(book=small.book, code="114").is_leaf


def test_a_village_cadre_of_another_village_cannot_see_the_book(client, personas, small):
    as_user(client, personas.cadre_b)
    assert client.get(f"/coops/{small.cooperative.pk}/book/").status_code == 403
    assert client.get(f"/books/{small.book.pk}/vouchers/").status_code == 403
    assert client.post(f"/books/{small.book.pk}/vouchers/new/", entry()).status_code == 403
    assert not Voucher.objects.exists()


# ---- voucher entry -------------------------------------------------------------------------------------------


def test_a_writer_enters_a_voucher_and_it_is_saved_as_a_draft(client, personas, small):
    as_user(client, personas.cadre_a)
    form = client.get(f"/books/{small.book.pk}/vouchers/new/").content.decode()
    assert 'name="lines-0-account"' in form and 'name="lines-1-account"' in form and "借方合计" in form

    response = client.post(f"/books/{small.book.pk}/vouchers/new/", entry())
    assert response.status_code == 302
    voucher = Voucher.objects.get()
    assert voucher.status == "draft" and voucher.maker == personas.cadre_a and voucher.attachments == 1
    assert list(
        voucher.lines.order_by("line_no").values_list("account__code", "debit_fen", "credit_fen")
    ) == [
        ("101", 100000, 0),
        ("102", 0, 100000),
    ]
    detail = client.get(response["Location"]).content.decode()
    assert "提取备用金" in detail and "cadre_a" in detail and "¥1,000.00" in detail


def test_an_unbalanced_voucher_is_refused_above_the_lines_and_nothing_is_written(client, personas, small):
    as_user(client, personas.cadre_a)
    response = client.post(
        f"/books/{small.book.pk}/vouchers/new/", entry(lines=[("101", "1000", ""), ("102", "", "999")])
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "lines-error" in html and "借贷不平衡" in html
    assert 'value="999"' in html  # what was typed stays
    assert not Voucher.objects.exists()


def test_a_member_line_without_a_member_is_shown_on_that_line(client, personas, small):
    as_user(client, personas.cadre_a)
    response = client.post(
        f"/books/{small.book.pk}/vouchers/new/", entry(lines=[("102", "500", ""), ("301", "", "500")])
    )
    assert response.status_code == 400
    row = response.content.decode().split('id="line-1"', 1)[1].split("</tr>", 1)[0]
    assert "须注明成员" in row and 'name="lines-1-member"' in row
    assert not Voucher.objects.exists()


def test_an_amount_that_is_not_yuan_is_shown_in_its_cell(client, personas, small):
    as_user(client, personas.cadre_a)
    response = client.post(
        f"/books/{small.book.pk}/vouchers/new/", entry(lines=[("101", "1.234", ""), ("102", "", "1000")])
    )
    assert response.status_code == 400
    row = response.content.decode().split('id="line-0"', 1)[1].split("</tr>", 1)[0]
    assert "金额最多两位小数" in row or "金额格式不正确" in row
    assert not Voucher.objects.exists()


def test_an_error_is_translated_for_an_english_user(client, personas, small):
    as_user(client, personas.cadre_a)
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/books/{small.book.pk}/vouchers/new/",
        entry(lines=[("999", "1000", ""), ("102", "", "1000")]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "The account 999 does not exist in this book." in response.content.decode()


def test_the_account_search_offers_only_active_leaf_accounts_by_code_or_name(client, personas, small):
    as_user(client, personas.cadre_a)
    url = f"/books/{small.book.pk}/accounts/search/"
    by_name = client.get(url, {"index": "0", "lines-0-account": "存"}).content.decode()
    assert "101 库存现金" in by_name and "102 银行存款" in by_name and "125 产品物资" not in by_name
    assert 'hx-target="#line-0"' in by_name
    client.post(f"/books/{small.book.pk}/accounts/", {"account-parent": "102", "account-name": "农商行"})
    by_code = client.get(url, {"index": "3", "q": "102"}).content.decode()
    assert "102001 农商行" in by_code and 'data-code="102"' not in by_code
    assert "109" not in client.get(url, {"q": "109"}).content.decode()  # optional account, created inactive


def test_choosing_a_member_account_shows_the_member_picker_and_keeps_the_amount(client, personas, small):
    as_user(client, personas.cadre_a)
    html = client.get(
        f"/books/{small.book.pk}/vouchers/line/",
        {"index": "1", "account": "301", "lines-1-account": "股", "lines-1-credit": "500"},
    ).content.decode()
    assert 'id="line-1"' in html and 'name="lines-1-member"' in html and "王大山" in html
    assert 'value="301"' in html and 'value="500"' in html
    plain = client.get(
        f"/books/{small.book.pk}/vouchers/line/", {"index": "0", "account": "101"}
    ).content.decode()
    assert 'name="lines-0-member"' not in plain
    added = client.get(
        f"/books/{small.book.pk}/vouchers/line/", {"add": "1", "lines-0-account": "", "lines-4-account": ""}
    ).content.decode()
    assert 'id="line-5"' in added


def test_the_live_totals_turn_balanced_when_debits_equal_credits(client, personas, small):
    as_user(client, personas.cadre_a)
    url = f"/books/{small.book.pk}/vouchers/totals/"
    off = client.get(url, {"lines-0-debit": "1,000", "lines-1-credit": "900.5"}).content.decode()
    assert "balanced" not in off.split('class="', 1)[1].split('"', 1)[0] and "相差 ¥99.50" in off
    even = client.get(url, {"lines-0-debit": "1,000", "lines-1-credit": "1000.00"}).content.decode()
    assert "voucher-totals balanced" in even and "借贷平衡" in even and "¥1,000.00" in even


# ---- check, post, reverse, delete ----------------------------------------------------------------------------


def test_the_maker_cannot_check_but_another_writer_checks_and_posts(client, personas, small):
    voucher = voucher_create(
        user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK
    )
    maker = as_user(client, personas.cadre_a)
    page = maker.get(f"/vouchers/{voucher.pk}/").content.decode()
    assert "/check/" not in page and "审核须由制单人以外的人进行" in page
    refused = maker.post(f"/vouchers/{voucher.pk}/check/")
    assert refused.status_code == 409 and "审核人不能是制单人" in refused.content.decode()

    as_user(client, personas.secretary_a)
    assert client.post(f"/vouchers/{voucher.pk}/check/").status_code == 302
    assert client.post(f"/vouchers/{voucher.pk}/post/").status_code == 302
    voucher.refresh_from_db()
    assert voucher.status == "posted" and voucher.number == 1 and voucher.poster == personas.secretary_a
    page = client.get(f"/vouchers/{voucher.pk}/").content.decode()
    assert "2025 年 1 月 记 1 号" in page and "secretary_a" in page and 'id="reverse"' in page
    assert "/edit/" not in page and "/delete/" not in page


def test_posting_an_unchecked_voucher_is_refused_on_its_page(client, personas, small):
    voucher = voucher_create(
        user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK
    )
    response = as_user(client, personas.secretary_a).post(f"/vouchers/{voucher.pk}/post/")
    assert response.status_code == 409 and "凭证须先审核再记账" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == "draft"


def test_a_reversal_links_both_ways_and_is_checked_and_posted_like_any_voucher(client, personas, small):
    original = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    as_user(client, personas.cadre_a)
    response = client.post(f"/vouchers/{original.pk}/reverse/", {"reverse-date": "2025-01-20"})
    assert response.status_code == 302
    reversal = Voucher.objects.get(reverses=original)
    page = client.get(f"/vouchers/{reversal.pk}/").content.decode()
    assert "本凭证冲销" in page and f"/vouchers/{original.pk}/" in page and "-¥1,000.00" in page
    first = client.get(f"/vouchers/{original.pk}/").content.decode()
    assert "本凭证已被冲销" in first and f"/vouchers/{reversal.pk}/" in first and 'id="reverse"' not in first

    twice = client.post(f"/vouchers/{original.pk}/reverse/", {})
    assert twice.status_code == 409 and "不能重复冲销" in twice.content.decode()
    assert Voucher.objects.filter(reverses=original).count() == 1

    as_user(client, personas.secretary_a)
    client.post(f"/vouchers/{reversal.pk}/check/")
    client.post(f"/vouchers/{reversal.pk}/post/")
    reversal.refresh_from_db()
    assert reversal.status == "posted" and reversal.number == 2


def test_a_draft_is_changed_and_deleted_but_a_posted_voucher_is_not(client, personas, small):
    draft = voucher_create(
        user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK
    )
    as_user(client, personas.cadre_a)
    edit = client.get(f"/vouchers/{draft.pk}/edit/").content.decode()
    assert 'value="1000.00"' in edit and 'value="提现"' in edit
    response = client.post(
        f"/vouchers/{draft.pk}/edit/", entry(summary="提现备用", lines=[("101", "20", ""), ("102", "", "20")])
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.summary == "提现备用" and draft.lines.get(line_no=1).debit_fen == 2000
    assert client.post(f"/vouchers/{draft.pk}/delete/").status_code == 302
    assert not Voucher.objects.filter(pk=draft.pk).exists()

    posted = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    before = snapshot()
    refused = client.post(f"/vouchers/{posted.pk}/delete/")
    assert refused.status_code == 409 and "不可修改或删除" in refused.content.decode()
    assert client.post(f"/vouchers/{posted.pk}/edit/", entry()).status_code == 302  # sent back to the voucher
    assert snapshot() == before


def test_an_auditor_reads_a_voucher_without_buttons_and_is_refused_every_action(client, personas, small):
    voucher = voucher_create(
        user=personas.cadre_a, book=small.book, date=JAN, summary="提现", lines=CASH_FROM_BANK
    )
    as_user(client, personas.auditor)
    page = client.get(f"/vouchers/{voucher.pk}/").content.decode()
    assert "提现" in page and "voucher-actions" not in page
    before = snapshot()
    for action in ("check", "post", "delete", "reverse", "edit"):
        assert client.post(f"/vouchers/{voucher.pk}/{action}/").status_code == 403, action
    assert client.get(f"/books/{small.book.pk}/vouchers/new/").status_code == 403
    assert snapshot() == before


# ---- the voucher list and the months -------------------------------------------------------------------------


def test_the_voucher_list_filters_by_month_and_status_and_pages(client, personas, small):
    for day in range(1, 4):
        post_voucher(
            maker=personas.cadre_a,
            checker=personas.secretary_a,
            book=small.book,
            date=dt.date(2025, 1, day),
            summary=f"一月第{day}笔",
            lines=CASH_FROM_BANK,
        )
    voucher_create(
        user=personas.cadre_a,
        book=small.book,
        date=dt.date(2025, 2, 3),
        summary="二月草稿",
        lines=CASH_FROM_BANK,
    )
    as_user(client, personas.township)
    url = f"/books/{small.book.pk}/vouchers/"
    everything = client.get(url).content.decode()
    assert everything.count("data-voucher=") == 4
    january = client.get(url, {"month": "2025-01"}).content.decode()
    assert january.count("data-voucher=") == 3 and "记 3 号" in january and "二月草稿" not in january
    drafts = client.get(url, {"status": "draft"}).content.decode()
    assert drafts.count("data-voucher=") == 1 and "二月草稿" in drafts
    from tongzhou.web import views_ledger

    views_ledger.PAGE_SIZE, size = 2, views_ledger.PAGE_SIZE
    try:
        second = client.get(url, {"page": "2"}).content.decode()
    finally:
        views_ledger.PAGE_SIZE = size
    assert second.count("data-voucher=") == 2 and "第 2 / 2 页" in second


def test_months_close_in_order_refuse_drafts_and_the_latest_reopens(client, personas, small):
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=JAN,
        summary="提现",
        lines=CASH_FROM_BANK,
    )
    draft = voucher_create(
        user=personas.cadre_a, book=small.book, date=dt.date(2025, 2, 2), summary="二月", lines=CASH_FROM_BANK
    )
    as_user(client, personas.cadre_a)
    url = f"/books/{small.book.pk}/periods/"
    page = client.get(url).content.decode()
    assert 'data-period="2025-01"' in page and 'data-period="2025-02"' in page

    early = client.post(url + "close/", {"year": "2025", "month": "2"})
    assert early.status_code == 409 and "请先结账 2025 年 1 月" in early.content.decode()
    assert client.post(url + "close/", {"year": "2025", "month": "1"}).status_code == 302
    assert Period.objects.get(book=small.book, year=2025, month=1).status == "closed"
    with_draft = client.post(url + "close/", {"year": "2025", "month": "2"})
    assert with_draft.status_code == 409 and "未记账凭证" in with_draft.content.decode()

    # A closed month takes no more vouchers, and the form says so next to the date.
    refused = client.post(f"/books/{small.book.pk}/vouchers/new/", entry(date="2025-01-15"))
    assert (
        refused.status_code == 400 and "已结账" in refused.content.decode().split('data-field="date"', 1)[1]
    )

    voucher_check(user=personas.secretary_a, voucher=draft)
    voucher_post(user=personas.secretary_a, voucher=draft)
    assert client.post(url + "close/", {"year": "2025", "month": "2"}).status_code == 302
    not_latest = client.post(url + "reopen/", {"year": "2025", "month": "1"})
    assert not_latest.status_code == 409 and "最近一个已结账" in not_latest.content.decode()
    assert client.post(url + "reopen/", {"year": "2025", "month": "2"}).status_code == 302
    assert Period.objects.get(book=small.book, year=2025, month=2).status == "open"

    reader = as_user(client, personas.auditor).get(url).content.decode()
    assert "/periods/close/" not in reader
    assert client.post(url + "close/", {"year": "2025", "month": "2"}).status_code == 403
