"""Worked examples of a cooperative's year-end distribution (农民专业合作社法 Art. 42–44), every fen shown."""

from dataclasses import replace
from decimal import Decimal

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.domain import CooperativeYear, MemberAccount, distribute_cooperative
from tongzhou.distribution.domain.cooperative import check_rates

from .builders import assert_cooperative_sums, terms

BAIMA_MEMBERS = (
    # key, capital, reserve share before this year, subsidy share (fiscal poverty-fund shares), transactions
    MemberAccount(
        "M001", capital_fen=10_000_00, reserve_share_fen=2_000_00, transactions_amount_fen=62_350_17
    ),
    MemberAccount(
        "M002",
        capital_fen=5_000_00,
        reserve_share_fen=1_000_00,
        subsidy_share_fen=3_000_00,
        transactions_amount_fen=44_120_50,
    ),
    MemberAccount("M003", capital_fen=5_000_00, transactions_amount_fen=29_800_00),
    MemberAccount("M004", subsidy_share_fen=3_000_00, transactions_amount_fen=13_729_33),
    MemberAccount(
        "M005", capital_fen=20_000_00
    ),  # 白马村股份经济合作社, the village collective, a member (村社一体)
    MemberAccount("M006"),  # joined late: no transactions, no capital
)
BAIMA_YEAR = CooperativeYear(
    surplus_fen=100_000_00, losses_to_make_up_fen=5_000_00, members=BAIMA_MEMBERS, conversion_bp=2000
)


def test_baima_sericulture_cooperative_distributes_its_year_to_the_fen():
    """白马村蚕桑专业合作社, bylaws: reserve 10%, patronage return 60% by transaction amount, remainder all to
    members; the assembly converts 20% of each member's amount into capital.

    Steps (Art. 44: distributable = surplus − losses made up − reserve):
      surplus                                  ¥100,000.00
      − losses made up (Art. 44)                 ¥5,000.00  → ¥95,000.00
      − reserve 10% (Art. 42)                    ¥9,500.00
      = distributable surplus                   ¥85,500.00
      patronage return 60% (Art. 44)            ¥51,300.00
      remainder                                 ¥34,200.00

    Reserve quantified by transactions (Art. 42), ¥9,500.00 × t / ¥150,000.00 = t × 19/300:
      M001 6,235,017 × 19/300 = 394,884.41 → 394,884
      M002 4,412,050 × 19/300 = 279,429.83 → 279,429 + 1 = 279,430  (largest remainder .83)
      M003 2,980,000 × 19/300 = 188,733.33 → 188,733
      M004 1,372,933 × 19/300 =  86,952.42 →  86,952 + 1 =  86,953  (second largest .42, above M001's .41)
      floors add to 949,998 fen; the 2 fen left go to the two largest remainders.
    Patronage return ¥51,300.00 × t / ¥150,000.00 = t × 0.342:
      M001 2,132,375.814 → 2,132,376 (the 1 fen left: largest remainder .814)
      M002 1,508,921.1   → 1,508,921
      M003 1,019,160     → 1,019,160
      M004   469,543.086 →   469,543
    Remainder ¥34,200.00 by capital + reserve share (with this year's) + subsidy share, total ¥58,500.00, so
    × 38/65:
      M001 10,000.00 + 2,000.00 + 3,948.84            = 1,594,884 → 932,393.72 → 932,394
      M002  5,000.00 + 1,000.00 + 2,794.30 + 3,000.00 = 1,179,430 → 689,512.92 → 689,513
      M003  5,000.00 + 1,887.33                       =   688,733 → 402,643.91 → 402,644
      M004             869.53 + 3,000.00              =   386,953 → 226,218.68 → 226,218
      M005 20,000.00                                  = 2,000,000 → 1,169,230.77 → 1,169,231
      floors add to 3,419,996; 4 fen to .92, .91, .77, .72 — M004's .68 misses out.
    Conversion 20% of each member's amount, half up:
      M001 3,064,770 → 612,954; M002 2,198,434 → 439,686.8 → 439,687; M003 1,421,804 → 284,361;
      M004 695,761 → 139,152; M005 1,169,231 → 233,846; total 1,710,000.
    M006 has neither transactions nor capital: zero everywhere, and no error.
    """
    result = distribute_cooperative(BAIMA_YEAR, terms())
    s = result.steps
    assert (s.losses_made_up_fen, s.reserve_fen, s.distributable_fen) == (5_000_00, 9_500_00, 85_500_00)
    assert (s.patronage_fen, s.secondary_fund_fen, s.remainder_fen) == (51_300_00, 0, 34_200_00)
    assert s.remainder_to_members_fen == 34_200_00
    sheet = {m.key: m for m in result.members}
    assert [sheet[k].reserve_quantified_fen for k in ("M001", "M002", "M003", "M004", "M005", "M006")] == [
        394_884,
        279_430,
        188_733,
        86_953,
        0,
        0,
    ]
    assert [m.patronage_return_fen for m in result.members] == [
        2_132_376,
        1_508_921,
        1_019_160,
        469_543,
        0,
        0,
    ]
    assert [m.remainder_weight_fen for m in result.members] == [
        1_594_884,
        1_179_430,
        688_733,
        386_953,
        2_000_000,
        0,
    ]
    assert [m.remainder_share_fen for m in result.members] == [
        932_394,
        689_513,
        402_644,
        226_218,
        1_169_231,
        0,
    ]
    assert [m.converted_to_capital_fen for m in result.members] == [
        612_954,
        439_687,
        284_361,
        139_152,
        233_846,
        0,
    ]
    assert [m.cash_fen for m in result.members] == [2_451_816, 1_758_747, 1_137_443, 556_609, 935_385, 0]
    assert s.converted_to_capital_fen == 1_710_000
    assert s.cash_to_members_fen == 6_840_000
    assert_cooperative_sums(result)


def test_the_result_does_not_depend_on_the_order_of_members():
    shuffled = replace(BAIMA_YEAR, members=tuple(reversed(BAIMA_MEMBERS)))
    assert distribute_cooperative(shuffled, terms()) == distribute_cooperative(BAIMA_YEAR, terms())


def test_subsidy_formed_property_is_shared_equally_among_all_members():
    """Art. 44: ¥1,000.00 of property from a direct state subsidy, not yet quantified, over 3 members: ¥333.33 each
    and the 1 fen left to the smallest key (all remainders tie). Reserve 10% = ¥100.00, quantified all to A (the
    only one trading); distributable ¥900.00; patronage ¥540.00 all to A; remainder ¥360.00 by capital + reserve
    share + equal share: A 100.00 + 333.34, B 600.00 + 333.33, C 333.33 → 43,334 / 93,333 / 33,333 of 170,000:
      A 36,000 × 43,334/170,000 =  9,176.61 →  9,176
      B 36,000 × 93,333/170,000 = 19,764.64 → 19,765
      C 36,000 × 33,333/170,000 =  7,058.75 →  7,059
      floors add to 35,998; the 2 fen go to C (.75) and B (.64), not A (.61).
    """
    year = CooperativeYear(
        surplus_fen=1_000_00,
        subsidy_property_fen=1_000_00,
        members=(
            MemberAccount("A", transactions_amount_fen=500_00),
            MemberAccount("B", capital_fen=600_00),
            MemberAccount("C"),
        ),
    )
    result = distribute_cooperative(year, terms())
    assert [m.subsidy_equal_share_fen for m in result.members] == [333_34, 333_33, 333_33]
    assert [m.remainder_weight_fen for m in result.members] == [43_334, 93_333, 33_333]
    assert [m.patronage_return_fen for m in result.members] == [540_00, 0, 0]
    assert [m.remainder_share_fen for m in result.members] == [9_176, 19_765, 7_059]
    assert_cooperative_sums(result)


def test_patronage_by_quantity_uses_decimal_quantities_exactly():
    """Bylaws count quantity (kg of cocoons): 1.5 kg and 0.5 kg share the ¥600.00 return 3:1 → ¥450.00 / ¥150.00."""
    year = CooperativeYear(
        surplus_fen=1_000_00,
        members=(
            MemberAccount("A", transactions_quantity=Decimal("1.5")),
            MemberAccount("B", transactions_quantity=Decimal("0.500")),
        ),
    )
    result = distribute_cooperative(year, terms(reserve_rate_bp=0, transaction_basis="quantity"))
    assert result.steps.patronage_fen == 600_00
    assert [m.patronage_return_fen for m in result.members] == [450_00, 150_00]
    assert result.members[0].transactions == Decimal("1.5")


def test_the_patronage_return_is_rounded_up_so_the_floor_of_60_percent_holds():
    """Distributable ¥0.01 × 60% = 0.6 fen: the return is 1 fen, never 0 (Art. 44)."""
    year = CooperativeYear(surplus_fen=1, members=(MemberAccount("A", transactions_amount_fen=1),))
    result = distribute_cooperative(year, terms(reserve_rate_bp=0))
    assert result.steps.patronage_fen == 1 and result.steps.remainder_fen == 0


def test_remainder_split_gives_collective_management_and_welfare_their_bylaws_shares():
    """Remainder ¥400.00 split 60/25/15 (bylaws): members ¥240.00, collective ¥100.00, management ¥60.00."""
    year = CooperativeYear(
        surplus_fen=1_000_00,
        members=(MemberAccount("A", capital_fen=1, transactions_amount_fen=1),),
        collective_key="VC",
    )
    bylaws = terms(
        reserve_rate_bp=0, remainder_split={"members": 6000, "collective": 2500, "management": 1500}
    )
    s = distribute_cooperative(year, bylaws).steps
    assert (s.patronage_fen, s.remainder_fen) == (600_00, 400_00)
    assert (s.remainder_to_members_fen, s.remainder_to_collective_fen, s.remainder_to_management_fen) == (
        240_00,
        100_00,
        60_00,
    )


def test_the_secondary_fund_comes_from_the_remainder_not_from_the_patronage_return():
    """Secondary 5% of the distributable ¥900.00 = ¥45.00, paid equally to the 2 registered-poor households."""
    from tongzhou.distribution.domain import SecondaryHousehold

    year = CooperativeYear(
        surplus_fen=1_000_00,
        members=(MemberAccount("A", capital_fen=1, transactions_amount_fen=1),),
        secondary_households=(
            SecondaryHousehold("H1", registered_poor=True),
            SecondaryHousehold("H2"),
            SecondaryHousehold("H3", registered_poor=True, monitored=True),
        ),
    )
    result = distribute_cooperative(year, terms(secondary_distribution_bp=500))
    s = result.steps
    assert (s.distributable_fen, s.patronage_fen, s.secondary_fund_fen, s.remainder_fen) == (
        900_00,
        540_00,
        45_00,
        315_00,
    )
    assert result.secondary.paid == {"H1": 22_50, "H3": 22_50}
    assert_cooperative_sums(result)


def test_a_surplus_that_only_makes_up_losses_distributes_nothing_and_carries_the_rest():
    year = CooperativeYear(surplus_fen=3_000_00, losses_to_make_up_fen=5_000_00, members=BAIMA_MEMBERS)
    result = distribute_cooperative(year, terms())
    assert result.steps.losses_made_up_fen == 3_000_00
    assert result.steps.loss_carried_forward_fen == 2_000_00
    assert result.steps.distributable_fen == 0
    assert all(m.total_fen == 0 for m in result.members)


def test_no_member_with_transactions_leaves_the_return_undistributed_not_moved():
    """The 60% belongs to transactions (Art. 44): with none, it stays as undistributed surplus, reported."""
    year = CooperativeYear(surplus_fen=1_000_00, members=(MemberAccount("A", capital_fen=100_00),))
    s = distribute_cooperative(year, terms()).steps
    assert s.patronage_unallocated_fen == 540_00 == s.patronage_fen
    assert s.reserve_unquantified_fen == 100_00  # quantified by transactions: nobody traded
    assert s.undistributed_fen == 540_00


# Bad input -------------------------------------------------------------------------------------------------


def refused(year: CooperativeYear, bylaws=None) -> InvalidInput:
    with pytest.raises(InvalidInput) as excinfo:
        distribute_cooperative(year, bylaws or terms())
    error = excinfo.value
    assert error.message_zh and error.message_en
    return error


def test_a_patronage_share_under_60_percent_is_refused_naming_article_44():
    error = refused(BAIMA_YEAR, terms(patronage_share_bp=5999))
    field = error.details["fields"]["patronage_share_bp"]
    assert field["code"] == "patronage_below_floor"
    assert field["article"] == "农民专业合作社法 Art. 44"
    assert "Art. 44" in error.message_zh


def test_patronage_and_secondary_rates_above_100_percent_are_refused():
    error = refused(BAIMA_YEAR, terms(patronage_share_bp=9000, secondary_distribution_bp=1500))
    assert error.code == "rates_exceed_whole"
    assert error.details["field"] == "secondary_distribution_bp"
    assert error.details["article"] == "农民专业合作社法 Art. 44"


def test_reserve_and_secondary_rates_above_100_percent_are_refused_by_the_bylaws_check():
    error = refused(BAIMA_YEAR, terms(reserve_rate_bp=9000, secondary_distribution_bp=2000))
    assert error.details["fields"]["secondary_distribution_bp"]["code"] == "rates_exceed_whole"


def test_a_loss_year_asked_for_a_distribution_is_refused_naming_article_44():
    error = refused(replace(BAIMA_YEAR, surplus_fen=-1_234_56))
    assert error.code == "loss_not_distributable"
    assert error.details["article"] == "农民专业合作社法 Art. 44"
    assert error.details["surplus_fen"] == -1_234_56
    assert "1,234.56" in error.message_zh and "carried forward" in error.message_en


def test_a_loss_year_in_a_chain_carries_the_loss_and_distributes_nothing():
    result = distribute_cooperative(replace(BAIMA_YEAR, surplus_fen=-1_000_00), terms(), carry_loss=True)
    assert result.loss_year
    assert result.steps.loss_carried_forward_fen == 6_000_00  # this year's loss + the ¥5,000.00 not made up
    assert_cooperative_sums(result)


def test_a_duplicate_member_is_refused_naming_the_member():
    error = refused(replace(BAIMA_YEAR, members=(*BAIMA_MEMBERS, MemberAccount("M003"))))
    assert error.code == "duplicate_member"
    assert error.details["member"] == "M003"
    assert error.details["article"] == "农民专业合作社法 Art. 43"


@pytest.mark.parametrize(
    ("field", "article"),
    [
        ("capital_fen", "农民专业合作社法 Art. 43"),
        ("reserve_share_fen", "农民专业合作社法 Art. 43"),
        ("subsidy_share_fen", "农民专业合作社法 Art. 44"),
        ("transactions_amount_fen", "农民专业合作社法 Art. 41"),
        ("transactions_quantity", "农民专业合作社法 Art. 41"),
    ],
)
def test_a_negative_figure_in_a_member_account_is_refused_naming_member_and_field(field, article):
    bad = replace(BAIMA_MEMBERS[1], **{field: -1})
    error = refused(replace(BAIMA_YEAR, members=(BAIMA_MEMBERS[0], bad)))
    assert error.code == "negative_amount"
    assert (error.details["field"], error.details["member"], error.details["article"]) == (
        field,
        "M002",
        article,
    )


def test_negative_losses_and_a_float_quantity_are_refused():
    assert refused(replace(BAIMA_YEAR, losses_to_make_up_fen=-1)).details["field"] == "losses_to_make_up_fen"
    float_member = MemberAccount("A", transactions_quantity=1.5)  # type: ignore[arg-type]
    assert refused(replace(BAIMA_YEAR, members=(float_member,))).code == "amount_type"


def test_a_conversion_rate_above_100_percent_is_refused():
    error = refused(replace(BAIMA_YEAR, conversion_bp=10_001))
    assert (error.code, error.details["field"]) == ("bp_range", "conversion_bp")


def test_check_rates_accepts_the_law_floor_with_a_secondary_fund_that_fits():
    check_rates(terms(patronage_share_bp=6000, secondary_distribution_bp=4000))
