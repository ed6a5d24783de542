"""Worked examples of the share rules, without a database (农民专业合作社法 Art. 13, 28, 43, 44)."""

import datetime as dt
from decimal import Decimal

import pytest

from tongzhou.coops.domain.shares import (
    Entry,
    Holding,
    exit_settlement,
    holdings,
    member_account,
    parse_units,
    plan_conversion,
    plan_inheritance,
    plan_transfer,
    poverty_conversion_date,
    poverty_shares_due_for_conversion,
    subscription_amount_fen,
)
from tongzhou.core.errors import InvalidInput

LAND, CASH, POVERTY = 1, 2, 3


def transfer(holding, units_centi, **overrides):
    kwargs = {
        "from_member_id": 10,
        "to_member_id": 20,
        "transferable": True,
        "to_is_member": True,
        "transfer_to_non_members": False,
    }
    kwargs.update(overrides)
    return plan_transfer(holding, units_centi, **kwargs)


def test_two_and_a_half_mu_at_1200_yuan_a_mu_subscribe_3000_yuan():
    units = parse_units("2.5")
    assert units == 250
    assert subscription_amount_fen(units, 1_200_00) == 3_000_00


def test_subscription_amount_rounds_half_up_to_the_fen():
    # 0.01 share at ¥0.50 is half a fen: rounded up to 1 fen; 0.01 at ¥0.49 is 0.49 fen: rounded down.
    assert subscription_amount_fen(1, 50) == 1
    assert subscription_amount_fen(1, 49) == 0


@pytest.mark.parametrize("bad", ["0", "-1", "1.005", "abc", "", 1.5, None, "NaN", True])
def test_units_that_are_not_positive_hundredths_are_refused(bad):
    with pytest.raises(InvalidInput) as excinfo:
        parse_units(bad)
    assert excinfo.value.details["field"] == "units"
    assert excinfo.value.message_zh and excinfo.value.message_en


def test_units_accept_decimal_integer_and_text():
    assert parse_units(Decimal("3.50")) == 350
    assert parse_units(3) == 300
    assert parse_units(" 0.01 ") == 1


def test_holdings_sum_entries_up_to_and_including_the_date():
    entries = [
        Entry(10, LAND, "subscription", dt.date(2018, 3, 1), 250, 3_000_00),
        Entry(10, LAND, "transfer_out", dt.date(2019, 6, 30), -100, -1_200_00),
        Entry(20, LAND, "transfer_in", dt.date(2019, 6, 30), 100, 1_200_00),
        Entry(10, CASH, "subscription", dt.date(2019, 7, 1), 1000, 1_000_00),
    ]
    assert holdings(entries, dt.date(2019, 6, 29)) == {(10, LAND): Holding(250, 3_000_00)}
    assert holdings(entries, dt.date(2019, 6, 30)) == {
        (10, LAND): Holding(150, 1_800_00),
        (20, LAND): Holding(100, 1_200_00),
    }
    assert holdings(entries)[(10, CASH)] == Holding(1000, 1_000_00)


def test_holdings_that_came_back_to_nothing_are_left_out():
    entries = [
        Entry(10, CASH, "subscription", dt.date(2018, 1, 1), 500, 500_00),
        Entry(10, CASH, "redemption", dt.date(2019, 1, 1), -500, -500_00),
    ]
    assert holdings(entries) == {}


def test_a_third_of_a_1000_yuan_holding_moves_333_33_and_666_67_stay():
    holding = Holding(units_centi=300, amount_fen=1_000_00)
    moved = transfer(holding, 100)
    assert moved.into == Holding(100, 333_33)
    assert moved.out == Holding(-100, -333_33)
    assert holding.amount_fen + moved.out.amount_fen == 666_67


def test_two_thirds_of_a_1000_yuan_holding_moves_666_67():
    assert transfer(Holding(300, 1_000_00), 200).amount_fen == 666_67


def test_the_whole_holding_moves_all_its_capital():
    assert transfer(Holding(300, 1_000_00), 300).amount_fen == 1_000_00


def test_transfer_of_more_than_held_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        transfer(Holding(300, 1_000_00), 301)
    assert excinfo.value.code == "more_than_held"
    assert excinfo.value.details["held_centi"] == 300


@pytest.mark.parametrize("units", [0, -100])
def test_transfer_of_zero_or_negative_units_is_refused(units):
    with pytest.raises(InvalidInput):
        transfer(Holding(300, 1_000_00), units)


def test_transfer_to_oneself_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        transfer(Holding(300, 1_000_00), 100, to_member_id=10)
    assert excinfo.value.code == "transfer_to_self"


def test_transfer_of_a_non_transferable_class_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        transfer(Holding(300, 1_000_00), 100, transferable=False)
    assert excinfo.value.code == "not_transferable"


def test_transfer_to_a_non_member_is_refused_when_the_bylaws_forbid_it_and_allowed_when_they_allow_it():
    with pytest.raises(InvalidInput) as excinfo:
        transfer(Holding(300, 1_000_00), 100, to_is_member=False)
    assert excinfo.value.code == "transfer_to_non_member"
    assert (
        transfer(Holding(300, 1_000_00), 100, to_is_member=False, transfer_to_non_members=True).amount_fen
        == 333_33
    )


def test_an_heir_who_is_a_member_inherits_every_class_whole():
    held = {LAND: Holding(250, 3_000_00), POVERTY: Holding(100, 5_000_00)}
    moves = plan_inheritance(held, deceased_member_id=10, heir_member_id=20, heir_is_member=True)
    assert {cls: m.into for cls, m in moves.items()} == held


def test_an_heir_who_is_not_a_member_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        plan_inheritance(
            {LAND: Holding(250, 3_000_00)}, deceased_member_id=10, heir_member_id=20, heir_is_member=False
        )
    assert excinfo.value.code == "heir_not_member"


def test_inheriting_from_a_member_who_holds_nothing_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        plan_inheritance({}, deceased_member_id=10, heir_member_id=20, heir_is_member=True)
    assert excinfo.value.code == "nothing_held"


def test_out_of_poverty_in_2019_with_five_years_converts_on_1_january_2025():
    assert poverty_conversion_date(2019, 5) == dt.date(2025, 1, 1)
    assert not poverty_shares_due_for_conversion(2019, 2024, 5)
    assert poverty_shares_due_for_conversion(2019, 2025, 5)
    assert poverty_shares_due_for_conversion(2019, 2026, 5)


def test_a_household_still_in_poverty_never_converts():
    assert not poverty_shares_due_for_conversion(None, 2040, 5)


def test_conversion_keeps_the_value_and_counts_cash_shares_at_their_value():
    out, into = plan_conversion(Holding(100, 5_000_00), cash_unit_value_fen=100_00)
    assert out.out == Holding(-100, -5_000_00)
    assert into.into == Holding(5000, 5_000_00)
    # ¥1,000.00 at ¥300.00 a share is 3.333… shares: 3.33 shares, still worth ¥1,000.00.
    assert plan_conversion(Holding(100, 1_000_00), cash_unit_value_fen=300_00)[1].into == Holding(
        333, 1_000_00
    )


def test_exit_settlement_returns_capital_and_reserve_share():
    settlement = exit_settlement(capital_fen=4_000_00, reserve_share_fen=123_45)
    assert (settlement.capital_returned_fen, settlement.reserve_returned_fen) == (4_000_00, 123_45)
    assert settlement.total_fen == 4_123_45


def test_exit_settlement_refuses_negative_amounts():
    with pytest.raises(InvalidInput):
        exit_settlement(capital_fen=-1, reserve_share_fen=0)


def test_member_account_separates_capital_from_subsidy_share():
    account = member_account(
        member_id=10,
        year=2024,
        held={LAND: Holding(250, 3_000_00), CASH: Holding(1000, 1_000_00), POVERTY: Holding(100, 5_000_00)},
        class_kinds={LAND: "land", CASH: "cash", POVERTY: "fiscal_poverty"},
        capital_classes={LAND, CASH},
        transactions_amount_fen=12_345_67,
        transactions_quantity=Decimal("310.500"),
    )
    assert account.capital_fen == 4_000_00
    assert account.subsidy_share_fen == 5_000_00
    assert account.reserve_share_fen == 0
    assert (account.transactions_amount_fen, account.transactions_quantity) == (12_345_67, Decimal("310.500"))
