"""Several statements, periods and books from one aggregate (statements_for_books / statements_for_region with
several kinds): the same figures as each statement read alone, in a constant number of queries."""

import datetime as dt

import pytest

from tongzhou.core.errors import ScopeDenied
from tongzhou.core.testing import TOWNSHIP, VILLAGE_B
from tongzhou.ledger.services.year_close import year_close
from tongzhou.ledger.statements.read import (
    statement_for_book,
    statement_for_region,
    statements_for_book,
    statements_for_books,
    statements_for_region,
)

from .worked_example import Y, build_worked_year, close_months

pytestmark = pytest.mark.django_db

KINDS = ("trial-balance", "balance-sheet", "surplus", "equity-changes")
YEAR = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
Q2 = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))  # balance sheet from 1 January, surplus against 2024's Q2


@pytest.fixture
def two_books(personas):
    closed = build_worked_year(personas)
    close_months(personas, closed.book)
    year_close(user=personas.cadre_a, book=closed.book, year=2025)  # distribution flows, year-close vouchers
    other = build_worked_year(personas, region_code=VILLAGE_B, number="0101")  # its year left open
    return closed.book, other.book


@pytest.mark.parametrize("period", [YEAR, Q2])
def test_every_book_at_once_equals_each_book_alone(
    personas, two_books, period, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):  # not a loop per book
        every = statements_for_books(
            user=personas.township, region_code=TOWNSHIP, kinds=KINDS, date_from=period[0], date_to=period[1]
        )
    assert set(every) == {b.pk for b in two_books}
    for book in two_books:
        for kind in KINDS:
            alone = statement_for_book(
                user=personas.township, book=book, kind=kind, date_from=period[0], date_to=period[1]
            )
            assert every[book.pk][kind].rows == alone.rows, (book, kind)
            assert every[book.pk][kind].entity == alone.entity
    assert every[two_books[0].pk]["balance-sheet"].checks["balanced"]
    assert every[two_books[0].pk]["trial-balance"].checks["balanced"]


@pytest.mark.parametrize("period", [YEAR, Q2])
def test_one_book_kinds_at_once_equal_one_by_one(personas, two_books, period):
    book = two_books[0]
    kinds = (*KINDS, "general-ledger")
    at_once = statements_for_book(
        user=personas.cadre_a, book=book, kinds=kinds, date_from=period[0], date_to=period[1]
    )
    for kind in kinds:
        alone = statement_for_book(
            user=personas.cadre_a, book=book, kind=kind, date_from=period[0], date_to=period[1]
        )
        assert at_once[kind].rows == alone.rows, kind


@pytest.mark.parametrize("period", [YEAR, Q2])
def test_roll_up_standards_and_kinds_at_once_equal_one_by_one(personas, two_books, period):
    standards = ("farmers_cooperative", "collective_organisation")
    kinds = (*KINDS, "general-ledger")
    at_once = statements_for_region(
        user=personas.county,
        region_code=TOWNSHIP,
        standards=standards,
        kinds=kinds,
        date_from=period[0],
        date_to=period[1],
    )
    for standard in standards:
        for kind in kinds:
            alone = statement_for_region(
                user=personas.county,
                region_code=TOWNSHIP,
                standard=standard,
                kind=kind,
                date_from=period[0],
                date_to=period[1],
            )
            assert at_once[(standard, kind)].rows == alone.rows, (standard, kind)
            assert at_once[(standard, kind)].entity == alone.entity
    if period == YEAR:  # the worked example's figures, twice
        assert at_once[("farmers_cooperative", "surplus")].figure("本年盈余") == (2 * 12700 * Y, 0)
        assert "2 个账套" in at_once[("farmers_cooperative", "balance-sheet")].entity
        assert "0 个账套" in at_once[("collective_organisation", "balance-sheet")].entity


def test_every_book_at_once_is_scoped(personas, two_books):
    with pytest.raises(ScopeDenied):
        statements_for_books(
            user=personas.cadre_b, region_code=TOWNSHIP, kinds=KINDS, date_from=YEAR[0], date_to=YEAR[1]
        )
