"""Builders and invariant checks shared by the distribution tests."""

from __future__ import annotations

from tongzhou.coops.domain.bylaws import BylawsTerms
from tongzhou.distribution.domain import CollectiveDistribution, CooperativeDistribution


def terms(**overrides) -> BylawsTerms:
    values = {"reserve_rate_bp": 1000, "patronage_share_bp": 6000}
    values.update(overrides)
    return BylawsTerms(**values)


def assert_cooperative_sums(result: CooperativeDistribution) -> None:
    """Every step's parts add up to it, to the fen, and nothing is negative."""
    s = result.steps
    members = result.members
    if result.loss_year:
        assert s.distributable_fen == 0 and all(m.total_fen == 0 for m in members)
        assert s.loss_carried_forward_fen == s.losses_to_make_up_fen - s.surplus_fen
        return
    assert s.losses_made_up_fen + s.reserve_fen + s.distributable_fen == s.surplus_fen
    assert s.losses_made_up_fen + s.loss_carried_forward_fen == s.losses_to_make_up_fen
    assert s.reserve_quantified_fen + s.reserve_unquantified_fen == s.reserve_fen
    assert sum(m.reserve_quantified_fen for m in members) == s.reserve_quantified_fen
    assert s.patronage_fen + s.secondary_fund_fen + s.remainder_fen == s.distributable_fen
    assert sum(m.patronage_return_fen for m in members) + s.patronage_unallocated_fen == s.patronage_fen
    assert (
        s.remainder_to_members_fen
        + s.remainder_to_collective_fen
        + s.remainder_to_management_fen
        + s.remainder_to_welfare_fen
        == s.remainder_fen
    )
    assert sum(m.remainder_share_fen for m in members) + s.remainder_members_unallocated_fen == (
        s.remainder_to_members_fen
    )
    for m in members:
        assert m.converted_to_capital_fen + m.cash_fen == m.total_fen
    assert sum(m.converted_to_capital_fen for m in members) == s.converted_to_capital_fen
    assert s.converted_to_capital_fen + s.cash_to_members_fen == sum(m.total_fen for m in members)
    assert result.secondary.source_fen == s.secondary_fund_fen
    assert result.secondary.paid_fen + result.secondary.unallocated_fen == s.secondary_fund_fen
    assert sum(result.secondary.paid.values()) == result.secondary.paid_fen
    for value in (*vars(s).values(), *(v for m in members for k, v in vars(m).items() if k != "key")):
        assert value >= 0


def assert_collective_sums(result: CollectiveDistribution) -> None:
    s = result.steps
    if result.loss_year:
        assert all(m.income_right_fen == 0 for m in result.members)
        return
    assert s.losses_made_up_fen + s.welfare_fund_fen + s.distributable_fen == s.income_fen
    assert s.secondary_fund_fen + s.to_members_fen == s.distributable_fen
    assert sum(m.income_right_fen for m in result.members) + s.members_unallocated_fen == s.to_members_fen
    assert result.secondary.paid_fen + result.secondary.unallocated_fen == s.secondary_fund_fen
    assert all(m.income_right_fen >= 0 for m in result.members)
