"""Guaranteed payments (保底, costs before surplus) and the secondary distribution (二次分配) with its own source."""

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.domain import (
    GuaranteeHolding,
    SecondaryHousehold,
    guaranteed_payments,
    secondary_distribution,
)

from .builders import terms

LAND_AND_CASH = terms(
    guaranteed_payments=(
        {"share_class": "land", "basis": "per_mu", "amount_fen": 300_00},
        {"share_class": "cash", "basis": "per_unit", "amount_fen": 8_00},
    )
)


def test_guaranteed_payments_are_rate_times_units_held_per_member():
    """2.50 mu × ¥300.00 = ¥750.00; 0.33 mu × ¥300.00 = ¥99.00; 12.5 cash shares × ¥8.00 = ¥100.00; labour has no
    guarantee. 0.01 mu × ¥0.50 would be half a fen: each line rounds half up on its own (a cost, not a split)."""
    result = guaranteed_payments(
        LAND_AND_CASH,
        [
            GuaranteeHolding("M002", "land", 33),
            GuaranteeHolding("M001", "land", 250),
            GuaranteeHolding("M001", "cash", 1250),
            GuaranteeHolding("M001", "labour", 1000),
        ],
    )
    assert [(line.member_key, line.share_class, line.amount_fen) for line in result.lines] == [
        ("M001", "cash", 100_00),
        ("M001", "land", 750_00),
        ("M002", "land", 99_00),
    ]
    assert result.per_member == {"M001": 850_00, "M002": 99_00}
    assert result.total_fen == 949_00


def test_a_member_listed_twice_for_a_class_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        guaranteed_payments(
            LAND_AND_CASH, [GuaranteeHolding("M1", "land", 1), GuaranteeHolding("M1", "land", 2)]
        )
    assert (excinfo.value.code, excinfo.value.details["member"]) == ("duplicate_member", "M1")


def test_negative_units_are_refused():
    with pytest.raises(InvalidInput) as excinfo:
        guaranteed_payments(LAND_AND_CASH, [GuaranteeHolding("M1", "land", -1)])
    assert excinfo.value.code == "negative_amount"


def test_the_secondary_distribution_pays_eligible_households_equally_ties_by_key():
    """¥1,000.00 over 7 registered-poor households: ¥142.85 each and 5 fen left, to the 5 smallest keys."""
    households = [SecondaryHousehold(f"H{i}", registered_poor=True) for i in range(7, 0, -1)]
    households.append(SecondaryHousehold("H9", monitored=True))
    result = secondary_distribution(1_000_00, households, target="registered_poor")
    assert result.paid == {
        "H1": 14286,
        "H2": 14286,
        "H3": 14286,
        "H4": 14286,
        "H5": 14286,
        "H6": 14285,
        "H7": 14285,
    }
    assert result.unallocated_fen == 0


def test_the_monitored_target_pays_monitored_households_only():
    households = [SecondaryHousehold("A", registered_poor=True), SecondaryHousehold("B", monitored=True)]
    assert secondary_distribution(500, households, target="monitored").paid == {"B": 500}


def test_without_eligible_households_or_for_public_welfare_jobs_the_source_stays_unallocated():
    households = [SecondaryHousehold("A", registered_poor=True)]
    assert secondary_distribution(500, [], target="registered_poor").unallocated_fen == 500
    jobs = secondary_distribution(500, households, target="public_welfare_jobs")
    assert (jobs.paid, jobs.unallocated_fen) == ({}, 500)


def test_an_unknown_target_and_a_duplicate_household_are_refused():
    with pytest.raises(InvalidInput) as excinfo:
        secondary_distribution(1, [], target="everyone")
    assert excinfo.value.code == "secondary_target"
    with pytest.raises(InvalidInput) as excinfo:
        secondary_distribution(1, [SecondaryHousehold("A"), SecondaryHousehold("A")], target="monitored")
    assert excinfo.value.code == "duplicate_member"
