"""The benefit chain in one computation: county platform → township union → village cooperative → households and
the village collective → households, each household's money traced along its path."""

from dataclasses import replace

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.domain import (
    CascadeBody,
    CollectiveYear,
    CooperativeYear,
    IncomeRightShare,
    MemberAccount,
    cascade,
)

from .builders import terms

COOP_TERMS = terms(reserve_rate_bp=1000, patronage_share_bp=6000)

COUNTY = CascadeBody(
    "C",
    CooperativeYear(
        surplus_fen=50_000_00,
        members=(MemberAccount("T", capital_fen=100_000_00, transactions_amount_fen=300_000_00),),
    ),
    COOP_TERMS,
)
TOWNSHIP = CascadeBody(
    "T",
    CooperativeYear(
        surplus_fen=15_000_00,
        members=(MemberAccount("V", capital_fen=50_000_00, transactions_amount_fen=200_000_00),),
    ),
    COOP_TERMS,
)
VILLAGE = CascadeBody(
    "V",
    CooperativeYear(
        surplus_fen=46_000_00,
        members=(
            MemberAccount("H1", capital_fen=10_000_00, transactions_amount_fen=40_000_00),
            MemberAccount("H2", capital_fen=10_000_00, transactions_amount_fen=30_000_00),
            MemberAccount("H3", transactions_amount_fen=20_000_00),
            MemberAccount("VC", capital_fen=20_000_00),
        ),
        reserve_quantified_by="capital",
    ),
    COOP_TERMS,
)
COLLECTIVE = CascadeBody(
    "VC",
    CollectiveYear(
        income_fen=12_000_00,
        shares=tuple(IncomeRightShare(h, 1) for h in ("H1", "H2", "H3", "H4")),
    ),
    terms(reserve_rate_bp=2000),
)
CHAIN = [COLLECTIVE, VILLAGE, COUNTY, TOWNSHIP]  # any order: the cascade runs them top-down


def test_three_levels_reach_every_household_along_traced_paths():
    """All bodies: reserve 10%, return 60% (Art. 42, 44); the collective: 公积公益金 20% (集体经济组织法 Art. 42).

    C  own ¥50,000.00 → reserve 5,000.00 → distributable 45,000.00: return 27,000.00 + remainder 18,000.00, all to
       T (its only member), which takes it as investment income into its own surplus.
    T  own 15,000.00 + 45,000.00 = 60,000.00 → reserve 6,000.00 → 54,000.00, all to V.
       V's 54,000.00 came from T's surplus mix 15:45 → path T→V 13,500.00, path C→T→V 40,500.00.
    V  own 46,000.00 + 54,000.00 = 100,000.00 → reserve 10,000.00 (quantified by capital: H1 2,500.00,
       H2 2,500.00, VC 5,000.00) → distributable 90,000.00: return 54,000.00 by transactions 40:30:20 →
       H1 24,000.00, H2 18,000.00, H3 12,000.00; remainder 36,000.00 by capital + reserve share 12,500 : 12,500 :
       25,000 → H1 9,000.00, H2 9,000.00, VC 18,000.00.
       V's mix is 46 : 13.5 : 40.5 → H1's return 24,000.00 = V 11,040.00 + T→V 3,240.00 + C→T→V 9,720.00.
    VC own 12,000.00 + 18,000.00 = 30,000.00 → 公积公益金 6,000.00 → 24,000.00 over 4 equal shares: 6,000.00 each.
       VC's mix 12 : 8.28 : 2.43 : 7.29 (own, V, T→V, C→T→V) → H1's 6,000.00 = 2,400.00 + 1,656.00 + 486.00 +
       1,458.00.
    H1 39,000.00, H2 33,000.00, H3 18,000.00, H4 6,000.00 = 96,000.00; kept as reserves 5,000 + 6,000 + 10,000 +
    6,000 = 27,000.00; together the 123,000.00 of own surplus, to the fen.
    """
    result = cascade(CHAIN)
    assert result.order == ("C", "T", "V", "VC")
    assert result.bodies["T"].income_from_above_fen == 45_000_00
    assert result.bodies["V"].income_from_above_fen == 54_000_00
    assert result.bodies["VC"].income_from_above_fen == 18_000_00
    h1 = result.households["H1"]
    assert h1.total_fen == 39_000_00
    assert h1.by_path == {
        (("C", "T", "V"), "patronage_return"): 9_720_00,
        (("C", "T", "V"), "remainder_share"): 3_645_00,
        (("C", "T", "V", "VC"), "income_right"): 1_458_00,
        (("T", "V"), "patronage_return"): 3_240_00,
        (("T", "V"), "remainder_share"): 1_215_00,
        (("T", "V", "VC"), "income_right"): 486_00,
        (("V",), "patronage_return"): 11_040_00,
        (("V",), "remainder_share"): 4_140_00,
        (("V", "VC"), "income_right"): 1_656_00,
        (("VC",), "income_right"): 2_400_00,
    }
    totals = {k: h.total_fen for k, h in result.households.items()}
    assert totals == {"H1": 39_000_00, "H2": 33_000_00, "H3": 18_000_00, "H4": 6_000_00}
    kept = {k: b.kept_fen for k, b in result.bodies.items()}
    assert kept == {"C": 5_000_00, "T": 6_000_00, "V": 10_000_00, "VC": 6_000_00}
    assert sum(totals.values()) + sum(kept.values()) == 123_000_00


def test_a_village_cooperative_with_a_loss_absorbs_what_came_from_above_and_the_chain_goes_on():
    """V loses ¥60,000.00 on its own: with the 54,000.00 from T its year is −6,000.00. It distributes nothing
    and carries the loss; the collective still pays its own 12,000.00 less 20%."""
    losing = replace(VILLAGE, year=replace(VILLAGE.year, surplus_fen=-60_000_00))
    result = cascade([COUNTY, TOWNSHIP, losing, COLLECTIVE])
    assert result.bodies["V"].result.loss_year
    assert result.bodies["V"].result.steps.loss_carried_forward_fen == 6_000_00
    assert result.households["H1"].total_fen == 2_400_00
    assert result.households["H1"].by_path == {(("VC",), "income_right"): 2_400_00}


def test_conversion_into_capital_is_reported_per_household():
    converting = replace(VILLAGE, year=replace(VILLAGE.year, conversion_bp=5000))
    h1 = cascade([COUNTY, TOWNSHIP, converting, COLLECTIVE]).households["H1"]
    assert (h1.converted_to_capital_fen, h1.cash_fen) == (16_500_00, 22_500_00)


def test_the_collective_share_of_a_remainder_split_flows_to_the_collective_body():
    """V's bylaws give 25% of the remainder to the village collective: ¥9,000.00 of the ¥36,000.00."""
    split_terms = terms(remainder_split={"members": 7500, "collective": 2500})
    village = replace(VILLAGE, year=replace(VILLAGE.year, collective_key="VC"), terms=split_terms)
    result = cascade([COUNTY, TOWNSHIP, village, COLLECTIVE])
    assert result.bodies["V"].result.steps.remainder_to_collective_fen == 9_000_00
    assert result.bodies["VC"].income_from_above_fen == 9_000_00 + 13_500_00  # its share + member's remainder


def test_a_cycle_of_memberships_is_refused():
    looping = replace(
        COUNTY, year=replace(COUNTY.year, members=(MemberAccount("T", transactions_amount_fen=1),))
    )
    back = replace(
        TOWNSHIP, year=replace(TOWNSHIP.year, members=(MemberAccount("C", transactions_amount_fen=1),))
    )
    with pytest.raises(InvalidInput) as excinfo:
        cascade([looping, back])
    assert excinfo.value.code == "cascade_cycle"


def test_a_collective_key_that_names_no_body_and_duplicate_bodies_are_refused():
    village = replace(VILLAGE, year=replace(VILLAGE.year, collective_key="NOPE"))
    with pytest.raises(InvalidInput) as excinfo:
        cascade([village])
    assert excinfo.value.code == "unknown_body"
    with pytest.raises(InvalidInput) as excinfo:
        cascade([VILLAGE, VILLAGE])
    assert excinfo.value.code == "duplicate_member"


def test_a_body_named_as_a_secondary_distribution_household_is_refused():
    from tongzhou.distribution.domain import SecondaryHousehold

    village = replace(VILLAGE, year=replace(VILLAGE.year, secondary_households=(SecondaryHousehold("T"),)))
    with pytest.raises(InvalidInput) as excinfo:
        cascade([COUNTY, TOWNSHIP, village, COLLECTIVE])
    assert (excinfo.value.code, excinfo.value.details["member"]) == ("secondary_not_household", "T")
