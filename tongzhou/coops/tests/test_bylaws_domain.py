"""Bylaws terms checked against the law (农民专业合作社法 Art. 42, 44, 25), without the database."""

import datetime as dt
from dataclasses import dataclass, replace

import pytest

from tongzhou.coops.domain.bylaws import (
    SHARE_CLASS_KINDS,
    TRANSACTION_KINDS,
    BylawsTerms,
    bylaws_in_force,
    check_bylaws,
)
from tongzhou.coops.models import ShareClassKind, TransactionKind
from tongzhou.core.errors import InvalidInput

GOOD = BylawsTerms(
    reserve_rate_bp=1000,
    patronage_share_bp=6000,
    patronage_transaction_kinds=("sale_to_coop",),
    guaranteed_payments=({"share_class": "land", "basis": "per_mu", "amount_fen": 300_00},),
    remainder_split={"members": 6000, "collective": 2500, "management": 1500},
    secondary_distribution_bp=500,
)


def refused_fields(terms: BylawsTerms) -> dict:
    with pytest.raises(InvalidInput) as excinfo:
        check_bylaws(terms)
    assert excinfo.value.code == "invalid_bylaws"
    return excinfo.value.details["fields"]


def test_the_domain_lists_the_same_kinds_as_the_models():
    assert set(SHARE_CLASS_KINDS) == set(ShareClassKind.values)
    assert set(TRANSACTION_KINDS) == set(TransactionKind.values)


def test_bylaws_at_the_law_floor_of_60_percent_pass():
    assert check_bylaws(GOOD) is GOOD
    assert check_bylaws(BylawsTerms()) == BylawsTerms()


def test_a_patronage_share_of_59_99_percent_is_refused_naming_article_44():
    fields = refused_fields(replace(GOOD, patronage_share_bp=5999))
    assert fields["patronage_share_bp"]["code"] == "patronage_below_floor"
    assert fields["patronage_share_bp"]["article"] == "农民专业合作社法 Art. 44"
    assert "59.99%" in fields["patronage_share_bp"]["message_en"]


def test_a_patronage_share_above_100_percent_is_refused():
    assert refused_fields(replace(GOOD, patronage_share_bp=10001))["patronage_share_bp"]["code"] == "bp_range"


def test_a_reserve_rate_above_100_percent_is_refused():
    assert refused_fields(replace(GOOD, reserve_rate_bp=10001))["reserve_rate_bp"]["code"] == "bp_range"


def test_a_remainder_split_summing_to_9999_is_refused():
    fields = refused_fields(
        replace(GOOD, remainder_split={"members": 6000, "collective": 2500, "management": 1499})
    )
    assert fields["remainder_split"]["code"] == "split_sum"
    assert "9999" in fields["remainder_split"]["message_en"]


def test_a_remainder_split_with_an_unknown_or_negative_share_is_refused():
    unknown = replace(GOOD, remainder_split={"members": 5000, "chairman": 5000})
    assert refused_fields(unknown)["remainder_split"]["code"] == "split_unknown_key"
    negative = replace(GOOD, remainder_split={"members": 11000, "collective": -1000})
    assert refused_fields(negative)["remainder_split"]["code"] == "split_value"


def test_reserve_and_secondary_distribution_together_above_100_percent_are_refused():
    terms = replace(GOOD, reserve_rate_bp=6000, secondary_distribution_bp=4001)
    assert refused_fields(terms)["secondary_distribution_bp"]["code"] == "rates_exceed_whole"
    assert check_bylaws(replace(GOOD, reserve_rate_bp=6000, secondary_distribution_bp=4000))


@pytest.mark.parametrize(
    ("payment", "code"),
    [
        ({"share_class": "gold", "basis": "per_mu", "amount_fen": 1}, "guarantee_share_class"),
        ({"share_class": "land", "basis": "per_acre", "amount_fen": 1}, "guarantee_basis"),
        ({"share_class": "land", "basis": "per_mu", "amount_fen": -1}, "guarantee_amount"),
        ({"share_class": "land", "basis": "per_mu", "amount_fen": 1.5}, "guarantee_amount"),
        ({"share_class": "land", "basis": "per_mu"}, "guarantee_format"),
    ],
)
def test_malformed_guaranteed_payments_are_refused(payment, code):
    assert (
        refused_fields(replace(GOOD, guaranteed_payments=(payment,)))["guaranteed_payments"]["code"] == code
    )


def test_notice_months_are_accepted_from_0_to_12_and_refused_outside():
    assert check_bylaws(replace(GOOD, exit_notice_months=0, organisation_exit_notice_months=12))
    fields = refused_fields(replace(GOOD, exit_notice_months=13, organisation_exit_notice_months=-1))
    assert fields["exit_notice_months"]["article"] == "农民专业合作社法 Art. 25"
    assert set(fields) == {"exit_notice_months", "organisation_exit_notice_months"}


def test_every_problem_is_reported_at_once():
    terms = replace(
        GOOD, patronage_share_bp=5000, remainder_split={"members": 9999}, transaction_basis="weight"
    )
    assert set(refused_fields(terms)) == {"patronage_share_bp", "remainder_split", "transaction_basis"}


def test_unknown_terms_are_refused():
    with pytest.raises(InvalidInput) as excinfo:
        BylawsTerms.from_mapping({"patronage_share_bp": 7000, "dividend_bp": 100})
    assert "dividend_bp" in excinfo.value.details["fields"]


@dataclass(frozen=True)
class Version:
    effective_from: dt.date
    patronage_share_bp: int


def test_the_version_in_force_is_the_latest_on_or_before_the_date_and_past_years_keep_theirs():
    v2017 = Version(dt.date(2017, 4, 1), 6000)
    v2022 = Version(dt.date(2022, 1, 1), 7000)
    versions = [v2022, v2017]
    assert bylaws_in_force(versions, dt.date(2017, 3, 31)) is None
    assert bylaws_in_force(versions, dt.date(2017, 4, 1)) is v2017
    assert bylaws_in_force(versions, dt.date(2021, 12, 31)) is v2017
    assert bylaws_in_force(versions, dt.date(2022, 1, 1)) is v2022
    assert bylaws_in_force(versions, dt.date(2030, 6, 1)) is v2022
