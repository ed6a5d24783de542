"""Opening a book from the chart in force, and the sub-accounts a book adds."""

import datetime as dt

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.testing import build_cooperative, build_member
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.core.testing import VILLAGE_A, build_household
from tongzhou.ledger.models import Book, BookAccount
from tongzhou.ledger.services import book_account_add, book_account_set_active, book_open
from tongzhou.ledger.testing import build_small_coop, post_voucher

pytestmark = pytest.mark.django_db


def test_opening_a_cooperatives_book_creates_the_standards_accounts(personas):
    coop = build_cooperative()
    book = book_open(user=personas.cadre_a, cooperative=coop, start_year=2025)
    assert book.chart.key == "farmers_cooperative-2021"
    assert (book.region_code, book.county_code) == (VILLAGE_A, VILLAGE_A[:6])
    accounts = BookAccount.objects.filter(book=book)
    assert accounts.filter(is_active=True).count() == 48
    assert not accounts.get(code="109").is_active
    assert accounts.get(code="114").party == "member"
    assert book.periods.get().month == 1
    assert AuditEvent.objects.filter(action="ledger.book_open", object_id=str(book.pk)).exists()


def test_a_collective_economic_organisation_gets_the_collective_chart(personas):
    coop = build_cooperative(name="白马村股份经济合作社", legal_form="collective_organisation")
    book = book_open(user=personas.cadre_a, cooperative=coop, start_year=2024)
    assert book.chart.key == "collective_organisation-2023"
    assert book.accounts.count() == 42
    assert book.accounts.get(code="514").name == "公益支出"


def test_opening_is_refused_outside_scope_twice_or_without_a_chart(personas):
    coop = build_cooperative()
    with pytest.raises(ScopeDenied):
        book_open(user=personas.cadre_b, cooperative=coop, start_year=2025)
    with pytest.raises(ScopeDenied):
        book_open(user=personas.auditor, cooperative=coop, start_year=2025)
    with pytest.raises(InvalidInput) as info:
        book_open(user=personas.cadre_a, cooperative=coop, start_year=2022)
    assert info.value.code == "no_chart_in_force"
    assert not Book.objects.exists()
    book_open(user=personas.township, cooperative=coop, start_year=2025, start_month=3)
    with pytest.raises(Conflict):
        book_open(user=personas.cadre_a, cooperative=coop, start_year=2025)


def test_a_member_sub_account_under_member_accounts(personas):
    small = build_small_coop(personas.cadre_a)
    parent = small.book.accounts.get(code="114")
    wang = book_account_add(user=personas.cadre_a, parent=parent, name="王大山", member=small.wang)
    li = book_account_add(user=personas.cadre_a, parent=parent, name="李小花", member=small.li)
    assert (wang.code, li.code) == ("114001", "114002")
    assert (wang.level, wang.party, wang.normal_balance, wang.member) == (2, "member", "debit", small.wang)
    parent.refresh_from_db()
    assert not parent.is_leaf
    with pytest.raises(InvalidInput) as info:
        book_account_add(user=personas.cadre_a, parent=parent, name="王大山", member=small.wang)
    assert info.value.code == "member_account_exists"


def test_a_bank_sub_account_with_a_chosen_code(personas):
    small = build_small_coop(personas.cadre_a)
    bank = small.book.accounts.get(code="102")
    account = book_account_add(user=personas.cadre_a, parent=bank, name="农商行基本户", code="10201")
    assert account.code == "10201"
    for bad in ("20101", "102", "102ab"):
        with pytest.raises(InvalidInput) as info:
            book_account_add(user=personas.cadre_a, parent=bank, name="x", code=bad)
        assert info.value.code == "code_invalid"
    with pytest.raises(InvalidInput) as info:
        book_account_add(user=personas.cadre_a, parent=bank, name="x", code="10201")
    assert info.value.code == "code_taken"


def test_sub_accounts_are_refused_for_a_member_of_another_book_or_an_account_with_lines(personas):
    small = build_small_coop(personas.cadre_a)
    other = build_cooperative(name="另一社")
    stranger = build_member(other, build_household(number="0099", head_name="张三"))
    with pytest.raises(InvalidInput) as info:
        book_account_add(
            user=personas.cadre_a, parent=small.book.accounts.get(code="114"), name="张三", member=stranger
        )
    assert info.value.code == "member_of_other_book"
    with pytest.raises(InvalidInput) as info:
        book_account_add(
            user=personas.cadre_a, parent=small.book.accounts.get(code="102"), name="x", member=small.wang
        )
    assert info.value.code == "member_not_allowed"
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=dt.date(2025, 1, 5),
        summary="提现",
        lines=[{"account": "101", "debit_fen": 100}, {"account": "102", "credit_fen": 100}],
    )
    with pytest.raises(InvalidInput) as info:
        book_account_add(user=personas.cadre_a, parent=small.book.accounts.get(code="101"), name="备用金")
    assert info.value.code == "account_has_lines"
    with pytest.raises(ScopeDenied):
        book_account_add(user=personas.cadre_b, parent=small.book.accounts.get(code="121"), name="桑叶")


def test_an_account_with_a_balance_cannot_be_turned_off(personas):
    small = build_small_coop(personas.cadre_a)
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=dt.date(2025, 1, 5),
        summary="提现",
        lines=[{"account": "101", "debit_fen": 100}, {"account": "102", "credit_fen": 100}],
    )
    with pytest.raises(InvalidInput) as info:
        book_account_set_active(
            user=personas.cadre_a, account=small.book.accounts.get(code="101"), active=False
        )
    assert info.value.code == "account_has_balance"
    optional = small.book.accounts.get(code="109")
    assert book_account_set_active(user=personas.cadre_a, account=optional, active=True).is_active
    assert not book_account_set_active(user=personas.cadre_a, account=optional, active=False).is_active
