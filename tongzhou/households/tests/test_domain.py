"""Register field rules, without a database."""

import datetime as dt
from decimal import Decimal

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.core.ids import make_resident_id
from tongzhou.households import domain
from tongzhou.households.models import Relation

TODAY = dt.date(2026, 11, 28)


def test_id_cross_check_accepts_matching_birth_date_and_sex_in_either_language():
    number = make_resident_id("520502", dt.date(1978, 2, 14), 12, "F")
    checked = domain.check_resident_id(number, birth_value="1978-02-14", sex_value="女")
    assert (checked.birth_date, checked.sex) == (dt.date(1978, 2, 14), "F")
    assert domain.check_resident_id(number, birth_value=dt.datetime(1978, 2, 14), sex_value="F").sex == "F"


def test_birth_date_disagreeing_with_the_id_number_is_refused_naming_the_right_one():
    number = make_resident_id("520502", dt.date(1978, 2, 14), 12, "F")
    with pytest.raises(InvalidInput) as excinfo:
        domain.check_resident_id(number, birth_value="1978/02/15")
    assert excinfo.value.code == "id_birth_date_mismatch"
    assert "1978-02-14" in excinfo.value.message_zh


def test_sex_disagreeing_with_the_id_number_is_refused():
    number = make_resident_id("520502", dt.date(1978, 2, 14), 12, "F")
    with pytest.raises(InvalidInput) as excinfo:
        domain.check_resident_id(number, sex_value="男")
    assert excinfo.value.code == "id_sex_mismatch"


def test_choices_are_read_by_chinese_label_or_code():
    assert domain.parse_choice("户主", Relation) == "head"
    assert domain.parse_choice("spouse", Relation) == "spouse"
    with pytest.raises(InvalidInput):
        domain.parse_choice("老板", Relation)


def test_poverty_years_must_be_in_range_and_in_order():
    assert domain.parse_year("2015", today=TODAY) == 2015
    assert domain.parse_year(2016.0, today=TODAY) == 2016
    with pytest.raises(InvalidInput):
        domain.parse_year("2013", today=TODAY)
    with pytest.raises(InvalidInput):
        domain.parse_year("2027", today=TODAY)
    with pytest.raises(InvalidInput):
        domain.check_poverty_years(2019, 2016)
    with pytest.raises(InvalidInput):
        domain.check_poverty_years(None, 2019)
    domain.check_poverty_years(2014, 2019)


def test_land_is_a_non_negative_number_of_mu_with_two_decimals():
    assert domain.parse_land_mu("3.50") == Decimal("3.50")
    assert domain.parse_land_mu("") == Decimal("0")
    for bad in ("-1", "abc", "1.234", "NaN", "Infinity"):
        with pytest.raises(InvalidInput):
            domain.parse_land_mu(bad)


def test_group_code_may_be_given_as_three_digits_of_the_village():
    village = "520502100201"
    assert domain.parse_group_code("003", village) == village + "003"
    assert domain.parse_group_code(village + "004", village) == village + "004"
    with pytest.raises(InvalidInput):
        domain.parse_group_code("520502100202001", village)


def test_phone_numbers_mobile_and_landline():
    assert domain.parse_phone("138 1234 5678") == "13812345678"
    assert domain.parse_phone("0857-8221234") == "0857-8221234"
    with pytest.raises(InvalidInput):
        domain.parse_phone("12345")


def test_ethnicity_accepts_the_short_form():
    assert domain.parse_ethnicity("彝") == "彝族"
    assert domain.parse_ethnicity("") == "汉族"
    with pytest.raises(InvalidInput):
        domain.parse_ethnicity("火星族")


def test_age_counts_whole_years():
    assert domain.age_on(dt.date(1966, 11, 29), TODAY) == 59
    assert domain.age_on(dt.date(1966, 11, 28), TODAY) == 60
