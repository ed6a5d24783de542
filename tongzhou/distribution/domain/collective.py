"""A rural collective economic organisation's year-end distribution (农村集体经济组织法 Art. 40, 42).

The order: the year's income → losses made up → the reserve and welfare fund (公积公益金, per the charter) → the
secondary fund (bylaws) → the rest to members in proportion to their income-right shares (收益权份额).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tongzhou.coops.domain.bylaws import BylawsTerms, check_bylaws

from .allocation import allocate, bp_floor, bp_half_up
from .checks import (
    COLLECTIVE_ART_40,
    COLLECTIVE_ART_42,
    check_fen,
    check_keys,
    check_quantity,
    invalid,
    is_int,
)
from .secondary import SecondaryDistribution, SecondaryHousehold, secondary_distribution


@dataclass(frozen=True)
class IncomeRightShare:
    """A member's income-right shares (收益权份额, Art. 40): whole or decimal shares, never a float."""

    key: str
    shares: int | Decimal


@dataclass(frozen=True)
class CollectiveYear:
    """What a collective's distribution starts from: `income_fen` is 本年收益 (investment income from the
    cooperatives it is a member of included)."""

    income_fen: int
    shares: tuple[IncomeRightShare, ...]
    losses_to_make_up_fen: int = 0
    secondary_households: tuple[SecondaryHousehold, ...] = ()


@dataclass(frozen=True)
class ShareSheet:
    key: str
    shares: int | Decimal
    income_right_fen: int


@dataclass(frozen=True)
class CollectiveSteps:
    income_fen: int
    losses_to_make_up_fen: int
    losses_made_up_fen: int
    loss_carried_forward_fen: int
    welfare_fund_fen: int  # 公积公益金
    distributable_fen: int
    secondary_fund_fen: int
    to_members_fen: int
    members_unallocated_fen: int


@dataclass(frozen=True)
class CollectiveDistribution:
    steps: CollectiveSteps
    members: tuple[ShareSheet, ...]  # sorted by key
    secondary: SecondaryDistribution
    loss_year: bool = False

    def member(self, key: str) -> ShareSheet:
        return next(m for m in self.members if m.key == key)


def _check_year(year: CollectiveYear) -> None:
    if not is_int(year.income_fen):
        raise invalid(
            "本年收益须为整数（分）。",
            "The year's income must be a whole number of fen.",
            code="amount_type",
            field="income_fen",
            value=repr(year.income_fen),
        )
    check_fen(year.losses_to_make_up_fen, "losses_to_make_up_fen", article=COLLECTIVE_ART_42)
    check_keys((s.key for s in year.shares), "shares", article=COLLECTIVE_ART_40)
    for s in year.shares:
        check_quantity(s.shares, "shares", member=s.key, article=COLLECTIVE_ART_40)


def distribute_collective(
    year: CollectiveYear, terms: BylawsTerms, *, carry_loss: bool = False
) -> CollectiveDistribution:
    """The year's distribution of a collective economic organisation under its charter, exact to the fen.

    `terms.reserve_rate_bp` is the charter's 公积公益金 rate; `terms.secondary_distribution_bp` a share of what is
    left after it. A loss year is refused, or with `carry_loss` distributes nothing and carries the loss.
    Rounding: the fund half up, the secondary fund down, the members' shares by largest remainder by key.
    """
    _check_year(year)
    check_bylaws(terms)
    shares = sorted(year.shares, key=lambda s: s.key)
    if year.income_fen < 0:
        if not carry_loss:
            raise invalid(
                f"本年亏损{-year.income_fen / 100:,.2f}元，没有可分配收益，亏损结转下年弥补（{COLLECTIVE_ART_42}）。",
                f"The year closed with a loss of ¥{-year.income_fen / 100:,.2f}: there is no distributable income; "
                f"the loss is carried forward ({COLLECTIVE_ART_42}).",
                code="loss_not_distributable",
                field="income_fen",
                article=COLLECTIVE_ART_42,
                income_fen=year.income_fen,
            )
        steps = CollectiveSteps(
            year.income_fen,
            year.losses_to_make_up_fen,
            0,
            year.losses_to_make_up_fen - year.income_fen,
            0,
            0,
            0,
            0,
            0,
        )
        sheets = tuple(ShareSheet(s.key, s.shares, 0) for s in shares)
        empty = secondary_distribution(0, (), target=terms.secondary_distribution_target)
        return CollectiveDistribution(steps, sheets, empty, loss_year=True)

    losses_made_up = min(year.income_fen, year.losses_to_make_up_fen)
    after_losses = year.income_fen - losses_made_up
    # Art. 42: the 公积公益金 is drawn first, at the charter's rate.
    welfare_fund = bp_half_up(after_losses, terms.reserve_rate_bp)
    distributable = after_losses - welfare_fund
    secondary_fund = bp_floor(distributable, terms.secondary_distribution_bp)
    to_members = distributable - secondary_fund
    split = allocate(to_members, {s.key: s.shares for s in shares})
    secondary = secondary_distribution(
        secondary_fund, year.secondary_households, target=terms.secondary_distribution_target
    )
    steps = CollectiveSteps(
        income_fen=year.income_fen,
        losses_to_make_up_fen=year.losses_to_make_up_fen,
        losses_made_up_fen=losses_made_up,
        loss_carried_forward_fen=year.losses_to_make_up_fen - losses_made_up,
        welfare_fund_fen=welfare_fund,
        distributable_fen=distributable,
        secondary_fund_fen=secondary_fund,
        to_members_fen=to_members,
        members_unallocated_fen=split.unallocated_fen,
    )
    sheets = tuple(ShareSheet(s.key, s.shares, split.parts[s.key]) for s in shares)
    return CollectiveDistribution(steps, sheets, secondary)
