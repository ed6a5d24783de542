"""Largest-remainder splits: exact to the fen, the tie-break by key, zero weights, and what cannot be split."""

from decimal import Decimal
from fractions import Fraction

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.domain import allocate, bp_ceil, bp_floor, bp_half_up


def test_one_yuan_over_three_equal_members_gives_the_odd_fen_to_the_smallest_key():
    split = allocate(100, {"c": 1, "a": 1, "b": 1})
    assert split.parts == {"c": 33, "a": 34, "b": 33}
    assert split.unallocated_fen == 0 and split.allocated_fen == 100


def test_the_tie_break_follows_the_order_key_not_the_input_order():
    forward = allocate(200, {"M10": 1, "M9": 1, "M8": 1}, order_key=lambda k: int(k[1:]))
    backward = allocate(200, {"M8": 1, "M9": 1, "M10": 1}, order_key=lambda k: int(k[1:]))
    assert forward.parts == backward.parts == {"M8": 67, "M9": 67, "M10": 66}


def test_the_largest_remainder_wins_before_the_key():
    # 10 fen by 1:2:4 → 1.43, 2.86, 5.71: floors 1 + 2 + 5 = 8; the 2 fen go to .86 and .71, not .43.
    assert allocate(10, {"a": 1, "b": 2, "c": 4}).parts == {"a": 1, "b": 3, "c": 6}


def test_zero_weights_get_zero():
    assert allocate(500, {"a": 0, "b": 3, "c": 2}).parts == {"a": 0, "b": 300, "c": 200}


def test_all_zero_weights_allocate_nothing_and_say_so():
    split = allocate(12_345, {"a": 0, "b": 0})
    assert split.parts == {"a": 0, "b": 0}
    assert split.unallocated_fen == 12_345
    assert allocate(7, {}).unallocated_fen == 7


def test_decimal_and_fraction_weights_are_exact():
    assert allocate(100, {"a": Decimal("0.1"), "b": Decimal("0.2")}).parts == {"a": 33, "b": 67}
    assert allocate(90, {"a": Fraction(1, 3), "b": Fraction(2, 3)}).parts == {"a": 30, "b": 60}


@pytest.mark.parametrize(
    ("total", "weights", "code"),
    [
        (-1, {"a": 1}, "negative_amount"),
        (10, {"a": -1}, "negative_weight"),
        (10, {"a": 0.5}, "weight_type"),
        (10, {"a": Decimal("NaN")}, "weight_type"),
        (10, {"a": True}, "weight_type"),
    ],
)
def test_bad_totals_and_weights_are_refused(total, weights, code):
    with pytest.raises(InvalidInput) as excinfo:
        allocate(total, weights)
    assert excinfo.value.code == code


def test_basis_point_shares_round_as_named():
    assert bp_half_up(5, 1000) == 1 and bp_half_up(4, 1000) == 0
    assert bp_floor(9, 6000) == 5 and bp_ceil(9, 6000) == 6 and bp_ceil(10, 6000) == 6
