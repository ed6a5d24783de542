"""Month close and reopen: in order, not over drafts, the latest closed month only, audited."""

import datetime as dt

import pytest

from tongzhou.accounts.models import AuditEvent
from tongzhou.core.errors import Conflict, InvalidInput, ScopeDenied
from tongzhou.ledger.models import Period
from tongzhou.ledger.services import period_close, period_reopen, voucher_check, voucher_create, voucher_post
from tongzhou.ledger.testing import build_small_coop, post_voucher

pytestmark = pytest.mark.django_db

LINES = [{"account": "101", "debit_fen": 100}, {"account": "102", "credit_fen": 100}]


@pytest.fixture
def small(personas):
    return build_small_coop(personas.cadre_a)


def _close(personas, small, month):
    return period_close(user=personas.cadre_a, book=small.book, year=2025, month=month)


def test_months_close_in_order_and_reopen_from_the_latest(personas, small):
    with pytest.raises(Conflict) as info:
        _close(personas, small, 2)
    assert info.value.code == "earlier_period_open"
    jan = _close(personas, small, 1)
    assert (jan.status, jan.closed_by) == ("closed", personas.cadre_a)
    _close(personas, small, 2)
    with pytest.raises(Conflict) as info:
        _close(personas, small, 2)
    assert info.value.code == "period_closed"
    with pytest.raises(Conflict) as info:
        period_reopen(user=personas.cadre_a, book=small.book, year=2025, month=1)
    assert info.value.code == "later_period_closed"
    period_reopen(user=personas.cadre_a, book=small.book, year=2025, month=2)
    assert Period.objects.get(book=small.book, year=2025, month=2).status == "open"
    actions = list(
        AuditEvent.objects.filter(action__startswith="ledger.period").values_list("action", flat=True)
    )
    assert sorted(actions) == ["ledger.period_close", "ledger.period_close", "ledger.period_reopen"]


def test_a_month_with_a_draft_does_not_close(personas, small):
    voucher_create(
        user=personas.cadre_a, book=small.book, date=dt.date(2025, 1, 9), summary="提现", lines=LINES
    )
    with pytest.raises(Conflict) as info:
        _close(personas, small, 1)
    assert (info.value.code, info.value.details["drafts"]) == ("period_has_drafts", 1)
    assert Period.objects.get(book=small.book, year=2025, month=1).status == "open"


def test_a_checked_draft_of_a_month_closed_meanwhile_cannot_be_posted(personas, small):
    # Closing refuses drafts, so reach the state the lock guards against: the month closed after checking.
    v = voucher_create(
        user=personas.cadre_a, book=small.book, date=dt.date(2025, 1, 9), summary="提现", lines=LINES
    )
    voucher_check(user=personas.secretary_a, voucher=v)
    Period.objects.filter(book=small.book, year=2025, month=1).update(status="closed")
    with pytest.raises(InvalidInput) as info:
        voucher_post(user=personas.secretary_a, voucher=v)
    assert info.value.code == "period_closed"
    assert Period.objects.get(book=small.book, year=2025, month=1).last_number == 0


def test_a_reopened_month_takes_postings_again_and_numbers_continue(personas, small):
    post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=dt.date(2025, 1, 9),
        summary="提现",
        lines=LINES,
    )
    _close(personas, small, 1)
    period_reopen(user=personas.cadre_a, book=small.book, year=2025, month=1)
    v = post_voucher(
        maker=personas.cadre_a,
        checker=personas.secretary_a,
        book=small.book,
        date=dt.date(2025, 1, 30),
        summary="提现",
        lines=LINES,
    )
    assert v.number == 2


def test_a_closed_year_cannot_be_reopened_or_posted_into(personas, small):
    _close(personas, small, 1)
    small.cooperative.closed_through_year = 2025
    small.cooperative.save()
    with pytest.raises(Conflict) as info:
        period_reopen(user=personas.cadre_a, book=small.book, year=2025, month=1)
    assert info.value.code == "year_closed"
    with pytest.raises(InvalidInput) as info:
        voucher_create(
            user=personas.cadre_a, book=small.book, date=dt.date(2025, 3, 1), summary="x", lines=LINES
        )
    assert info.value.code == "year_closed"


def test_closing_is_scoped_and_checks_the_month(personas, small):
    with pytest.raises(ScopeDenied):
        period_close(user=personas.cadre_b, book=small.book, year=2025, month=1)
    with pytest.raises(InvalidInput) as info:
        period_close(user=personas.cadre_a, book=small.book, year=2025, month=13)
    assert info.value.details["field"] == "month"
    with pytest.raises(InvalidInput):
        period_close(user=personas.cadre_a, book=small.book, year=2024, month=12)
    with pytest.raises(Conflict) as info:
        period_reopen(user=personas.cadre_a, book=small.book, year=2025, month=1)
    assert info.value.code == "period_not_closed"
