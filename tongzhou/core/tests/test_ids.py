"""Identifier algorithms, with the worked examples of GB 11643-1999 and GB 32100-2015 (DOMAIN.md §5)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongzhou.core.errors import InvalidInput
from tongzhou.core.ids import (
    make_resident_id,
    mask_phone,
    mask_resident_id,
    parse_resident_id,
    resident_id_check_char,
    validate_uscc,
)


def test_standard_examples_of_resident_ids_are_valid():
    woman = parse_resident_id("11010519491231002X")
    assert (woman.birth_date, woman.sex, woman.address_code) == (dt.date(1949, 12, 31), "F", "110105")
    man = parse_resident_id("440524188001010014")
    assert (man.birth_date, man.sex) == (dt.date(1880, 1, 1), "M")


def test_check_character_follows_iso_7064_mod_11_2():
    # 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → X
    assert resident_id_check_char("11010519491231002") == "X"


def test_wrong_check_digit_is_refused_naming_the_expected_one():
    with pytest.raises(InvalidInput) as excinfo:
        parse_resident_id("340524198001010013")
    assert excinfo.value.code == "id_check_digit"
    assert excinfo.value.details["expected"] == "X"


def test_impossible_and_future_birth_dates_are_refused():
    impossible = "52050219800230" + "001"
    with pytest.raises(InvalidInput) as excinfo:
        parse_resident_id(impossible + resident_id_check_char(impossible))
    assert excinfo.value.code == "id_birth_date_impossible"
    future = "520502" + "20991231" + "001"
    with pytest.raises(InvalidInput) as excinfo:
        parse_resident_id(future + resident_id_check_char(future), today=dt.date(2026, 11, 28))
    assert excinfo.value.code == "id_birth_date_future"


def test_malformed_numbers_are_refused():
    for bad in ("", "12345", "52050219800101001Y", "5205021980010100123"):
        with pytest.raises(InvalidInput):
            parse_resident_id(bad)


def test_lower_case_x_is_accepted_and_normalised():
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    st.integers(min_value=0, max_value=499),
    st.sampled_from(["M", "F"]),
)
def test_made_ids_parse_back_to_their_birth_date_and_sex(birth, sequence, sex):
    parsed = parse_resident_id(make_resident_id("520526", birth, sequence, sex))
    assert (parsed.birth_date, parsed.sex, parsed.address_code) == (birth, sex, "520526")


def test_standard_examples_of_credit_codes_are_valid():
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"
    assert validate_uscc("91110000802100433B") == "91110000802100433B"


def test_credit_code_with_wrong_check_character_or_forbidden_letter_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        validate_uscc("91350100M000100Y44")
    assert excinfo.value.code == "uscc_check_char"
    with pytest.raises(InvalidInput):
        validate_uscc("91350100M0001O0Y43")


def test_identifiers_are_masked_keeping_four_and_four():
    assert mask_resident_id("520502198001011234") == "5205**********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_resident_id("") == ""
