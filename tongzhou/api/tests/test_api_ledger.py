"""The books API through its real endpoints: open a book, accounts and a sub-account, a voucher's life (draft,
change, check, post, reverse, delete), months closed and reopened; scoping per persona; every bad input answered
in the one error format, naming the field or line, with nothing changed."""

from __future__ import annotations

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.testing import build_cooperative
from tongzhou.ledger.models import Book, BookAccount, Period, Voucher, VoucherLine
from tongzhou.ledger.testing import build_small_coop

from .calling import BASE, Caller, error_of

pytestmark = pytest.mark.django_db


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


def draft_body(small, **changes) -> dict:
    body = {
        "date": "2025-01-10",
        "summary": "收到王大山股金",
        "attachments": 2,
        "lines": [
            {"account": "102", "debit": "5,000.00"},
            {"account": "301", "credit": "5000", "member_id": small.wang.pk},
        ],
    }
    body.update(changes)
    return body


def test_a_writer_opens_a_book_and_reads_its_accounts(personas):
    coop = build_cooperative()
    caller = Caller(personas.cadre_a)
    response = caller.post(f"/coops/{coop.pk}/book", {"start_year": 2025, "start_month": 3})
    assert response.status_code == 201, response.content
    book = response.json()
    assert book["chart_key"] == "farmers_cooperative-2021" and (book["start_year"], book["start_month"]) == (
        2025,
        3,
    )
    assert caller.get(f"/coops/{coop.pk}/book").json()["id"] == book["id"]
    again = caller.post(f"/coops/{coop.pk}/book", {"start_year": 2025})
    assert again.status_code == 409 and error_of(again)["code"] == "book_exists"

    accounts = caller.get(f"/books/{book['id']}/accounts").json()
    cash = next(a for a in accounts if a["code"] == "101")
    assert cash["name"] == "库存现金" and cash["normal_balance"] == "debit" and cash["balance"] == "0.00"
    assert next(a for a in accounts if a["code"] == "114")["party"] == "member"
    leaves = caller.get(f"/books/{book['id']}/accounts", q="存", leaf="true").json()
    assert {a["code"] for a in leaves} >= {"101", "102"} and all(
        a["is_leaf"] and a["is_active"] for a in leaves
    )
    assert caller.get("/books").json()["count"] == 1


def test_the_book_of_an_organisation_without_one_is_404_and_an_auditor_cannot_open_it(personas):
    coop = build_cooperative()
    missing = Caller(personas.auditor).get(f"/coops/{coop.pk}/book")
    assert missing.status_code == 404 and error_of(missing)["code"] == "no_book"
    refused = Caller(personas.auditor).post(f"/coops/{coop.pk}/book", {"start_year": 2025})
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    bad = Caller(personas.cadre_a).post(f"/coops/{coop.pk}/book", {"start_year": 2025, "start_month": 13})
    assert bad.status_code == 400 and "start_month" in error_of(bad)["details"]["fields"]
    unknown = Caller(personas.cadre_a).post(f"/coops/{coop.pk}/book", {"start_year": 2025, "chart": "x"})
    assert unknown.status_code == 422
    assert not Book.objects.exists()


def test_a_sub_account_per_member_is_added_and_a_bad_one_is_refused(personas, small):
    caller = Caller(personas.cadre_a)
    url = f"/books/{small.book.pk}/accounts"
    response = caller.post(url, {"parent": "114", "name": "王大山", "member_id": small.wang.pk})
    assert response.status_code == 201, response.content
    assert response.json()["code"] == "114001" and response.json()["member_id"] == small.wang.pk
    before = snapshot()
    twice = caller.post(url, {"parent": "114", "name": "王大山", "member_id": small.wang.pk})
    assert twice.status_code == 400 and error_of(twice)["code"] == "member_account_exists"
    bad_code = caller.post(url, {"parent": "102", "name": "农商行", "code": "9"})
    assert bad_code.status_code == 400 and "code" in error_of(bad_code)["details"]["fields"]
    no_parent = caller.post(url, {"parent": "999", "name": "x"})
    assert no_parent.status_code == 404
    assert snapshot() == before


def test_a_voucher_is_drafted_checked_by_another_posted_and_reversed(personas, small):
    maker, checker = Caller(personas.cadre_a), Caller(personas.secretary_a)
    response = maker.post(f"/books/{small.book.pk}/vouchers", draft_body(small))
    assert response.status_code == 201, response.content
    voucher = response.json()
    assert voucher["status"] == "draft" and voucher["number"] is None and voucher["total"] == "5000.00"
    assert voucher["maker"] == "cadre_a" and voucher["lines"][1]["member_name"] == "王大山"
    vid = voucher["id"]

    own = maker.post(f"/vouchers/{vid}/check")
    assert own.status_code == 409 and error_of(own)["code"] == "checker_is_maker"
    unchecked = checker.post(f"/vouchers/{vid}/post")
    assert unchecked.status_code == 409 and error_of(unchecked)["code"] == "not_checked"
    assert checker.post(f"/vouchers/{vid}/check").json()["checker"] == "secretary_a"
    assert checker.post(f"/vouchers/{vid}/uncheck").json()["checker"] is None
    checker.post(f"/vouchers/{vid}/check")
    posted = checker.post(f"/vouchers/{vid}/post").json()
    assert posted["status"] == "posted" and posted["number"] == 1 and posted["period"] == "2025-01"
    assert posted["poster"] == "secretary_a" and posted["posted_at"]

    before = snapshot()
    change = maker.patch(f"/vouchers/{vid}", {"summary": "改"})
    assert change.status_code == 409 and error_of(change)["code"] == "posted_voucher_immutable"
    gone = maker.delete(f"/vouchers/{vid}")
    assert gone.status_code == 409 and error_of(gone)["code"] == "posted_voucher_immutable"
    assert snapshot() == before

    reversal = maker.post(f"/vouchers/{vid}/reverse", {"date": "2025-01-20"})
    assert reversal.status_code == 201
    red = reversal.json()
    assert (
        red["reverses_id"] == vid and red["total"] == "-5000.00" and red["lines"][0]["debit_fen"] == -500000
    )
    assert maker.get(f"/vouchers/{vid}").json()["reversed_by_id"] == red["id"]
    twice = maker.post(f"/vouchers/{vid}/reverse")
    assert twice.status_code == 409 and error_of(twice)["code"] == "already_reversed"
    checker.post(f"/vouchers/{red['id']}/check")
    assert checker.post(f"/vouchers/{red['id']}/post").json()["number"] == 2
    accounts = {a["code"]: a for a in maker.get(f"/books/{small.book.pk}/accounts").json()}
    assert accounts["102"]["balance_fen"] == 0 and accounts["301"]["balance_fen"] == 0
    actions = set(AuditEvent.objects.filter(action__startswith="ledger.voucher").values_list("action", "via"))
    assert ("ledger.voucher_post", "api") in actions and ("ledger.voucher_reverse", "api") in actions


def test_a_draft_is_changed_and_deleted(personas, small):
    caller = Caller(personas.cadre_a)
    vid = caller.post(f"/books/{small.book.pk}/vouchers", draft_body(small)).json()["id"]
    changed = caller.patch(
        f"/vouchers/{vid}",
        {"summary": "提现", "lines": [{"account": "101", "debit": "20"}, {"account": "102", "credit": "20"}]},
    )
    assert changed.status_code == 200
    assert changed.json()["summary"] == "提现" and changed.json()["total_fen"] == 2000
    assert caller.delete(f"/vouchers/{vid}").status_code == 204
    assert caller.get(f"/vouchers/{vid}").status_code == 404


@pytest.mark.parametrize(
    ("lines", "code", "field"),
    [
        ([{"account": "102", "debit": "10"}, {"account": "101", "credit": "9"}], "unbalanced", "lines"),
        (
            [{"account": "102", "debit": "10", "credit": "10"}, {"account": "101", "credit": "10"}],
            "line_both_sides",
            "lines.1.credit",
        ),
        ([{"account": "102"}, {"account": "101", "credit": "10"}], "line_no_amount", "lines.1.debit"),
        (
            [{"account": "102", "debit": "10"}, {"account": "999", "credit": "10"}],
            "account_unknown",
            "lines.2.account",
        ),
        (
            [{"account": "102", "debit": "10"}, {"account": "301", "credit": "10"}],
            "member_required",
            "lines.2.member_id",
        ),
        (
            [{"account": "102", "debit": "1.234"}, {"account": "101", "credit": "10"}],
            "money",
            "lines.1.debit",
        ),
        ([{"account": "102", "debit": "10"}], "too_few_lines", "lines"),
    ],
)
def test_a_bad_voucher_is_refused_naming_the_line_and_nothing_changes(personas, small, lines, code, field):
    caller = Caller(personas.cadre_a, lang="en")
    before = snapshot()
    response = caller.post(f"/books/{small.book.pk}/vouchers", draft_body(small, lines=lines))
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == code and field in error["details"]["fields"]
    assert error["message"].isascii()  # English, as asked
    assert snapshot() == before


def test_a_voucher_of_another_village_is_out_of_reach(personas, small):
    caller = Caller(personas.cadre_a)
    vid = caller.post(f"/books/{small.book.pk}/vouchers", draft_body(small)).json()["id"]
    other = Caller(personas.cadre_b)
    before = snapshot()
    assert other.get(f"/vouchers/{vid}").status_code == 403
    assert other.get(f"/books/{small.book.pk}/vouchers").status_code == 403
    assert other.post(f"/books/{small.book.pk}/vouchers", draft_body(small)).status_code == 403
    assert other.post(f"/vouchers/{vid}/check").status_code == 403
    assert other.delete(f"/vouchers/{vid}").status_code == 403
    assert Caller(personas.auditor).post(f"/vouchers/{vid}/check").status_code == 403
    assert other.get("/books").json()["count"] == 0
    assert Caller().get(f"/vouchers/{vid}").status_code == 401
    assert caller.get("/vouchers/999999").status_code == 404
    wrong = caller.client.put(f"{BASE}/vouchers/{vid}", headers=caller.headers)
    assert wrong.status_code == 405 and error_of(wrong)["code"] == "method_not_allowed"
    assert snapshot() == before


def test_the_voucher_list_filters_and_pages(personas, small):
    caller = Caller(personas.cadre_a)
    for day in ("2025-01-05", "2025-01-06", "2025-02-01"):
        caller.post(f"/books/{small.book.pk}/vouchers", draft_body(small, date=day))
    january = caller.get(f"/books/{small.book.pk}/vouchers", month="2025-01", page_size=1).json()
    assert january["count"] == 2 and len(january["results"]) == 1
    assert caller.get(f"/books/{small.book.pk}/vouchers", status="posted").json()["count"] == 0
    assert caller.get(f"/books/{small.book.pk}/vouchers", month="2025-13").status_code == 422


def test_months_close_and_reopen_and_a_closed_month_refuses_vouchers(personas, small):
    caller, checker = Caller(personas.cadre_a), Caller(personas.secretary_a)
    vid = caller.post(f"/books/{small.book.pk}/vouchers", draft_body(small)).json()["id"]
    url = f"/books/{small.book.pk}/periods"
    drafts = caller.post(f"{url}/2025/1/close")
    assert drafts.status_code == 409 and error_of(drafts)["code"] == "period_has_drafts"
    checker.post(f"/vouchers/{vid}/check")
    checker.post(f"/vouchers/{vid}/post")
    closed = caller.post(f"{url}/2025/1/close")
    assert (
        closed.status_code == 200
        and closed.json()["status"] == "closed"
        and closed.json()["vouchers_posted"] == 1
    )
    assert closed.json()["closed_by"] == "cadre_a"
    refused = caller.post(f"/books/{small.book.pk}/vouchers", draft_body(small, date="2025-01-31"))
    assert refused.status_code == 400 and error_of(refused)["code"] == "period_closed"
    months = caller.get(url).json()
    assert months[0]["period"] == "2025-01" and months[0]["status"] == "closed"
    assert caller.post(f"{url}/2025/13/close").status_code == 400
    assert Caller(personas.auditor).post(f"{url}/2025/1/reopen").status_code == 403
    reopened = caller.post(f"{url}/2025/1/reopen")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
