"""Worked example of a collective economic organisation's distribution (农村集体经济组织法 Art. 40, 42)."""

from dataclasses import replace
from decimal import Decimal

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.domain import (
    CollectiveYear,
    IncomeRightShare,
    SecondaryHousehold,
    distribute_collective,
)

from .builders import assert_collective_sums, terms

BAIMA_COLLECTIVE = CollectiveYear(
    income_fen=120_000_00,
    shares=(
        IncomeRightShare("H01", 3),
        IncomeRightShare("H02", 4),
        IncomeRightShare("H03", Decimal("2.5")),
        IncomeRightShare("H04", Decimal("1.5")),
    ),
    secondary_households=(
        SecondaryHousehold("H01", registered_poor=True),
        SecondaryHousehold("H03", registered_poor=True, monitored=True),
        SecondaryHousehold("H05", monitored=True),
    ),
)


def test_baima_village_collective_funds_the_welfare_fund_first_then_pays_by_income_right_shares():
    """白马村股份经济合作社, charter: 公积公益金 20%, secondary distribution 10% to registered-poor households.

    income (its own plus its dividend from the cooperative)   ¥120,000.00
    − 公积公益金 20% (Art. 42)                                   ¥24,000.00
    = distributable                                             ¥96,000.00
    − secondary fund 10%                                         ¥9,600.00 → H01 and H03, ¥4,800.00 each
    = to members by income-right shares (Art. 40, 42)           ¥86,400.00 over 11 shares:
      H01 3   × 8,640,000 / 11 = 2,356,363.64 → 2,356,364 (+1, remainder .64)
      H02 4   × …              = 3,141,818.18 → 3,141,818
      H03 2.5 × …              = 1,963,636.36 → 1,963,636
      H04 1.5 × …              = 1,178,181.82 → 1,178,182 (+1, remainder .82)
      floors add to 8,639,998; the 2 fen go to .82 and .64.
    """
    result = distribute_collective(
        BAIMA_COLLECTIVE, terms(reserve_rate_bp=2000, secondary_distribution_bp=1000)
    )
    s = result.steps
    assert (s.welfare_fund_fen, s.distributable_fen, s.secondary_fund_fen, s.to_members_fen) == (
        24_000_00,
        96_000_00,
        9_600_00,
        86_400_00,
    )
    assert result.secondary.paid == {"H01": 4_800_00, "H03": 4_800_00}
    assert [m.income_right_fen for m in result.members] == [2_356_364, 3_141_818, 1_963_636, 1_178_182]
    assert_collective_sums(result)


def test_losses_are_made_up_before_the_welfare_fund():
    year = replace(BAIMA_COLLECTIVE, income_fen=10_000_00, losses_to_make_up_fen=4_000_00)
    s = distribute_collective(year, terms(reserve_rate_bp=2000)).steps
    assert (s.losses_made_up_fen, s.welfare_fund_fen, s.to_members_fen) == (4_000_00, 1_200_00, 4_800_00)


def test_a_loss_year_asked_for_a_distribution_is_refused_naming_article_42():
    with pytest.raises(InvalidInput) as excinfo:
        distribute_collective(replace(BAIMA_COLLECTIVE, income_fen=-1), terms())
    assert excinfo.value.code == "loss_not_distributable"
    assert excinfo.value.details["article"] == "农村集体经济组织法 Art. 42"


def test_duplicate_and_negative_income_right_shares_are_refused():
    for shares, code in (
        ((IncomeRightShare("H01", 1), IncomeRightShare("H01", 2)), "duplicate_member"),
        ((IncomeRightShare("H01", -1),), "negative_amount"),
        ((IncomeRightShare("H01", 1.5),), "amount_type"),
    ):
        with pytest.raises(InvalidInput) as excinfo:
            distribute_collective(replace(BAIMA_COLLECTIVE, shares=shares), terms())
        assert excinfo.value.code == code
        assert excinfo.value.details["member"] == "H01"
        assert excinfo.value.details["article"] == "农村集体经济组织法 Art. 40"
