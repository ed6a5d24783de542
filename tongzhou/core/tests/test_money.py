import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import fen_to_yuan_str, format_yuan, split_largest_remainder, yuan_to_fen


def test_yuan_text_is_parsed_to_fen_exactly():
    assert yuan_to_fen("1,234.56") == 123456
    assert yuan_to_fen("12") == 1200
    assert yuan_to_fen("0.5") == 50
    assert yuan_to_fen("-3.07") == -307
    assert yuan_to_fen("¥8.00") == 800


def test_three_decimals_or_text_are_refused():
    for bad in ("1.234", "abc", "1,23.00", ""):
        with pytest.raises(InvalidInput):
            yuan_to_fen(bad)


def test_fen_is_formatted_as_yuan():
    assert fen_to_yuan_str(-123456) == "-1234.56"
    assert format_yuan(123456789) == "¥1,234,567.89"


def test_split_gives_remainder_fen_to_largest_remainders_with_earlier_index_winning_ties():
    # 100 fen over three equal weights: 33.33 each, the single leftover fen goes to the first.
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert split_largest_remainder(1000, [2, 3, 5]) == [200, 300, 500]


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=50),
)
def test_parts_always_sum_to_the_whole(total, weights):
    if sum(weights) == 0:
        return
    parts = split_largest_remainder(total, weights)
    assert sum(parts) == total
    assert all((p >= 0) if total >= 0 else (p <= 0) for p in parts)
