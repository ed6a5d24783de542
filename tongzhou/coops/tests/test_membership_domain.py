"""Exit notice (Art. 25), member composition (Art. 20) and coverage, worked by hand, without the database."""

import datetime as dt

import pytest

from tongzhou.coops.domain.membership import (
    Composition,
    check_admission,
    coverage_report,
    exit_effective_date,
    exit_notice_deadline,
    farmers_needed,
    organisation_limit,
)
from tongzhou.core.errors import InvalidInput


def test_the_last_day_for_notice_is_30_september_for_3_months_and_30_june_for_6():
    assert exit_notice_deadline(2024, 3) == dt.date(2024, 9, 30)
    assert exit_notice_deadline(2024, 6) == dt.date(2024, 6, 30)
    assert exit_notice_deadline(2024, 0) == dt.date(2024, 12, 31)
    assert exit_notice_deadline(2024, 12) == dt.date(2023, 12, 31)
    assert exit_notice_deadline(2024, 2) == dt.date(2024, 10, 31)


def test_a_notice_on_the_deadline_ends_membership_on_31_december():
    assert exit_effective_date(dt.date(2024, 9, 30), 3) == dt.date(2024, 12, 31)
    assert exit_effective_date(dt.date(2024, 1, 15), 6) == dt.date(2024, 12, 31)


def test_a_notice_one_day_late_is_refused_naming_article_25_and_the_deadline():
    with pytest.raises(InvalidInput) as excinfo:
        exit_effective_date(dt.date(2024, 10, 1), 3)
    error = excinfo.value
    assert error.code == "exit_notice_too_late"
    assert error.details["deadline"] == "2024-09-30"
    assert error.details["article"] == "农民专业合作社法 Art. 25"
    assert "2024-09-30" in error.message_zh and "2024-09-30" in error.message_en


def test_a_late_notice_may_ask_to_leave_at_the_end_of_the_next_year():
    assert exit_effective_date(dt.date(2024, 10, 1), 3, leave_in_year=2025) == dt.date(2025, 12, 31)
    with pytest.raises(InvalidInput):
        exit_effective_date(dt.date(2024, 10, 1), 3, leave_in_year=2023)


def test_organisations_allowed_are_one_up_to_20_members_then_5_percent():
    assert [organisation_limit(n) for n in (1, 20, 21, 39, 40, 100)] == [1, 1, 1, 1, 2, 5]
    assert [farmers_needed(n) for n in (1, 5, 6, 10, 21)] == [1, 4, 5, 8, 17]


def test_a_farmer_is_always_admitted():
    assert check_admission(Composition(0, 0, 0), is_farmer=True, is_organisation=False) == Composition(
        1, 1, 0
    )


def test_a_non_farmer_that_would_bring_farmers_under_80_percent_is_refused():
    # 3 farmers + the collective = 4 members, 75% farmers: refused; with 4 farmers, 4 of 5 = 80%: admitted.
    with pytest.raises(InvalidInput) as excinfo:
        check_admission(Composition(3, 3, 0), is_farmer=False, is_organisation=False)
    assert excinfo.value.code == "farmers_share"
    assert excinfo.value.details["farmers_needed"] == 4
    assert check_admission(Composition(4, 4, 0), is_farmer=False, is_organisation=False) == Composition(
        5, 4, 0
    )


def test_a_second_organisation_among_20_members_is_refused_and_a_second_among_40_admitted():
    with pytest.raises(InvalidInput) as excinfo:
        check_admission(Composition(19, 18, 1), is_farmer=False, is_organisation=True)
    assert excinfo.value.code == "organisation_limit"
    assert excinfo.value.details["organisation_limit"] == 1
    assert check_admission(Composition(39, 38, 1), is_farmer=False, is_organisation=True) == Composition(
        40, 38, 2
    )


def test_coverage_reports_registered_poor_and_cadre_households_that_are_not_members():
    report = coverage_report(
        registered_poor_households=[1, 2, 3], cadre_households=[7, 8], member_households=[1, 3, 7, 9]
    )
    assert (report.registered_poor, report.registered_poor_members) == (3, 2)
    assert report.registered_poor_not_members == (2,)
    assert (report.cadres, report.cadre_members, report.cadres_not_members) == (2, 1, (8,))
    assert not report.all_registered_poor_are_members and not report.all_cadres_are_members
