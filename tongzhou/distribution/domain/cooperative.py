"""A farmers' cooperative's year-end distribution (农民专业合作社法 Art. 42–44), exact to the fen.

The order is the law's: the year's surplus → losses made up → the reserve (公积金, quantified to members,
Art. 42) → the distributable surplus (Art. 44) → the patronage return by member transactions (≥ 60%) → the
secondary fund (bylaws) → the remainder, split as the bylaws say, the members' part by capital + reserve share +
subsidy share → conversion of part of each member's amount into capital when the assembly decides.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction

from tongzhou.coops.domain.bylaws import REMAINDER_KEYS, BylawsTerms, check_bylaws

from .allocation import FULL_BP, allocate, bp_ceil, bp_floor, bp_half_up
from .checks import (
    COOP_ART_41,
    COOP_ART_42,
    COOP_ART_43,
    COOP_ART_44,
    check_bp,
    check_fen,
    check_keys,
    check_quantity,
    invalid,
    is_int,
)
from .secondary import SecondaryDistribution, SecondaryHousehold, secondary_distribution

RESERVE_BASES = ("transactions", "capital")


@dataclass(frozen=True)
class MemberAccount:
    """One member's account for the year (成员账户, Art. 43) as the distribution reads it.

    `key` is the member's stable key (e.g. the member number): rounding ties go to the smaller key, so the result
    does not depend on the order of members. `reserve_share_fen` is the quantified reserve before this year;
    `subsidy_share_fen` the subsidy- and donation-formed property already quantified to the member (e.g. fiscal
    poverty-fund shares). Transactions are the member's own (Art. 41) of the kinds the bylaws count, summed.
    """

    key: str
    capital_fen: int = 0
    reserve_share_fen: int = 0
    subsidy_share_fen: int = 0
    transactions_amount_fen: int = 0
    transactions_quantity: Decimal | int = 0


@dataclass(frozen=True)
class CooperativeYear:
    """What a cooperative's distribution starts from. `surplus_fen` is 本年盈余, after every cost, guaranteed
    payments (保底) included. `subsidy_property_fen` is subsidy-formed property not yet quantified: each member
    gets an equal share of it (平均量化, Art. 44). `conversion_bp` is the assembly's decision (Art. 44)."""

    surplus_fen: int
    members: tuple[MemberAccount, ...]
    losses_to_make_up_fen: int = 0
    subsidy_property_fen: int = 0
    conversion_bp: int = 0
    collective_key: str | None = None
    secondary_households: tuple[SecondaryHousehold, ...] = ()
    reserve_quantified_by: str = "transactions"


@dataclass(frozen=True)
class MemberSheet:
    """One member's line of the distribution list."""

    key: str
    transactions: Decimal | int
    reserve_quantified_fen: int
    subsidy_equal_share_fen: int
    remainder_weight_fen: int  # capital + reserve share (with this year's) + subsidy share
    patronage_return_fen: int
    remainder_share_fen: int
    converted_to_capital_fen: int
    cash_fen: int

    @property
    def total_fen(self) -> int:
        return self.patronage_return_fen + self.remainder_share_fen


@dataclass(frozen=True)
class CooperativeSteps:
    """The step totals, in the law's order; each step's parts add up to it (see `check_sums`)."""

    surplus_fen: int
    losses_to_make_up_fen: int
    losses_made_up_fen: int
    loss_carried_forward_fen: int
    reserve_fen: int
    reserve_quantified_fen: int
    reserve_unquantified_fen: int
    distributable_fen: int
    patronage_fen: int
    patronage_unallocated_fen: int
    secondary_fund_fen: int
    remainder_fen: int
    remainder_to_members_fen: int
    remainder_members_unallocated_fen: int
    remainder_to_collective_fen: int
    remainder_to_management_fen: int
    remainder_to_welfare_fen: int
    converted_to_capital_fen: int
    cash_to_members_fen: int

    @property
    def undistributed_fen(self) -> int:
        """Allocated to nobody (no member with transactions or with capital): stays as 年末未分配盈余."""
        return self.patronage_unallocated_fen + self.remainder_members_unallocated_fen


@dataclass(frozen=True)
class CooperativeDistribution:
    steps: CooperativeSteps
    members: tuple[MemberSheet, ...]  # sorted by key
    secondary: SecondaryDistribution
    loss_year: bool = False

    def member(self, key: str) -> MemberSheet:
        return next(m for m in self.members if m.key == key)


def _check_year(year: CooperativeYear) -> None:
    if not is_int(year.surplus_fen):
        raise invalid(
            "本年盈余须为整数（分）。",
            "The year's surplus must be a whole number of fen.",
            code="amount_type",
            field="surplus_fen",
            value=repr(year.surplus_fen),
        )
    check_fen(year.losses_to_make_up_fen, "losses_to_make_up_fen", article=COOP_ART_44)
    check_fen(year.subsidy_property_fen, "subsidy_property_fen", article=COOP_ART_44)
    check_bp(year.conversion_bp, "conversion_bp", article=COOP_ART_44)
    if year.reserve_quantified_by not in RESERVE_BASES:
        raise invalid(
            "公积金量化依据应为按交易量（transactions）或按出资额（capital）。",
            "The reserve is quantified by transactions or by capital.",
            code="reserve_basis",
            field="reserve_quantified_by",
            article=COOP_ART_42,
        )
    check_keys((m.key for m in year.members), "members", article=COOP_ART_43)
    for m in year.members:
        check_fen(m.capital_fen, "capital_fen", member=m.key, article=COOP_ART_43)
        check_fen(m.reserve_share_fen, "reserve_share_fen", member=m.key, article=COOP_ART_43)
        check_fen(m.subsidy_share_fen, "subsidy_share_fen", member=m.key, article=COOP_ART_44)
        check_fen(m.transactions_amount_fen, "transactions_amount_fen", member=m.key, article=COOP_ART_41)
        check_quantity(m.transactions_quantity, "transactions_quantity", member=m.key, article=COOP_ART_41)


def check_rates(terms: BylawsTerms) -> None:
    """The bylaws are valid (≥ 60% by transactions, Art. 44) and the shares of the distributable surplus they
    take — patronage return and secondary fund — add up to no more than the whole."""
    check_bylaws(terms)
    if terms.patronage_share_bp + terms.secondary_distribution_bp > FULL_BP:
        p, s = terms.patronage_share_bp / 100, terms.secondary_distribution_bp / 100
        raise invalid(
            f"按交易量返还比例（{p:.2f}%）与二次分配比例（{s:.2f}%）之和超过可分配盈余的100%（{COOP_ART_44}、章程）。",
            f"The patronage share ({p:.2f}%) and the secondary distribution rate ({s:.2f}%) together exceed 100% "
            f"of the distributable surplus ({COOP_ART_44}, bylaws).",
            code="rates_exceed_whole",
            field="secondary_distribution_bp",
            article=COOP_ART_44,
            patronage_share_bp=terms.patronage_share_bp,
            secondary_distribution_bp=terms.secondary_distribution_bp,
        )


def _patronage_weight(m: MemberAccount, basis: str) -> Fraction | int:
    if basis == "quantity":
        return Fraction(m.transactions_quantity)
    return m.transactions_amount_fen


def _transactions(m: MemberAccount, basis: str) -> Decimal | int:
    return m.transactions_quantity if basis == "quantity" else m.transactions_amount_fen


def _loss_year(year: CooperativeYear, terms: BylawsTerms) -> CooperativeDistribution:
    zero = {f.name: 0 for f in fields(CooperativeSteps)}
    steps = CooperativeSteps(
        **{
            **zero,
            "surplus_fen": year.surplus_fen,
            "losses_to_make_up_fen": year.losses_to_make_up_fen,
            "loss_carried_forward_fen": year.losses_to_make_up_fen - year.surplus_fen,
        }
    )
    sheets = tuple(
        MemberSheet(m.key, _transactions(m, terms.transaction_basis), 0, 0, 0, 0, 0, 0, 0)
        for m in sorted(year.members, key=lambda m: m.key)
    )
    return CooperativeDistribution(
        steps,
        sheets,
        secondary_distribution(0, (), target=terms.secondary_distribution_target),
        loss_year=True,
    )


def distribute_cooperative(
    year: CooperativeYear, terms: BylawsTerms, *, carry_loss: bool = False
) -> CooperativeDistribution:
    """The year's distribution of a cooperative under its bylaws, every step exact to the fen.

    A year with a negative surplus has nothing to distribute (Art. 44): asking for a distribution is refused,
    unless `carry_loss` (the cascade) asks for a result that distributes nothing and carries the loss forward.
    Members with neither transactions nor capital get zero. Rounding: the reserve half up; the patronage return
    up (so it never falls below the bylaws' share, and the law's 60%); the secondary fund down; every split
    among members by largest remainder, ties to the smaller key.
    """
    _check_year(year)
    check_rates(terms)
    if year.surplus_fen < 0:
        if carry_loss:
            return _loss_year(year, terms)
        raise invalid(
            f"本年亏损{-year.surplus_fen / 100:,.2f}元，没有可分配盈余，亏损结转下年弥补（{COOP_ART_44}）。",
            f"The year closed with a loss of ¥{-year.surplus_fen / 100:,.2f}: there is no distributable surplus; "
            f"the loss is carried forward to be made up ({COOP_ART_44}).",
            code="loss_not_distributable",
            field="surplus_fen",
            article=COOP_ART_44,
            surplus_fen=year.surplus_fen,
        )
    members = sorted(year.members, key=lambda m: m.key)

    # 1. Losses are made up from the year's surplus first (Art. 44); what the surplus cannot cover is carried.
    losses_made_up = min(year.surplus_fen, year.losses_to_make_up_fen)
    after_losses = year.surplus_fen - losses_made_up

    # 2. The reserve, and its quantification into each member's share (Art. 42).
    reserve = bp_half_up(after_losses, terms.reserve_rate_bp)
    if year.reserve_quantified_by == "capital":
        reserve_weights: dict[str, Fraction | int] = {m.key: m.capital_fen for m in members}
    else:
        reserve_weights = {m.key: _patronage_weight(m, terms.transaction_basis) for m in members}
    reserve_split = allocate(reserve, reserve_weights)

    # 3. The distributable surplus (Art. 44) and the patronage return: rounded up, so it is never below the share.
    distributable = after_losses - reserve
    patronage = bp_ceil(distributable, terms.patronage_share_bp)
    patronage_split = allocate(
        patronage, {m.key: _patronage_weight(m, terms.transaction_basis) for m in members}
    )

    # 4. The secondary fund comes out of what is left after the return, never out of the return itself.
    secondary_fund = bp_floor(distributable, terms.secondary_distribution_bp)
    remainder = distributable - patronage - secondary_fund
    by_recipient = allocate(remainder, terms.remainder_split, order_key=REMAINDER_KEYS.index)

    # 5. The members' part of the remainder by capital + reserve share + subsidy share (Art. 44). Subsidy-formed
    # property not yet quantified is shared equally among all members (平均量化).
    equal_share = allocate(year.subsidy_property_fen, {m.key: 1 for m in members})
    remainder_weights = {
        m.key: m.capital_fen
        + m.reserve_share_fen
        + reserve_split.parts[m.key]
        + m.subsidy_share_fen
        + equal_share.parts[m.key]
        for m in members
    }
    to_members = by_recipient.parts.get("members", 0)
    remainder_split = allocate(to_members, remainder_weights)

    # 6. Conversion into capital: the assembly's rate of each member's whole amount, rounded half up.
    sheets = []
    for m in members:
        total = patronage_split.parts[m.key] + remainder_split.parts[m.key]
        converted = bp_half_up(total, year.conversion_bp)
        sheets.append(
            MemberSheet(
                key=m.key,
                transactions=_transactions(m, terms.transaction_basis),
                reserve_quantified_fen=reserve_split.parts[m.key],
                subsidy_equal_share_fen=equal_share.parts[m.key],
                remainder_weight_fen=remainder_weights[m.key],
                patronage_return_fen=patronage_split.parts[m.key],
                remainder_share_fen=remainder_split.parts[m.key],
                converted_to_capital_fen=converted,
                cash_fen=total - converted,
            )
        )
    converted_total = sum(s.converted_to_capital_fen for s in sheets)
    secondary = secondary_distribution(
        secondary_fund, year.secondary_households, target=terms.secondary_distribution_target
    )
    steps = CooperativeSteps(
        surplus_fen=year.surplus_fen,
        losses_to_make_up_fen=year.losses_to_make_up_fen,
        losses_made_up_fen=losses_made_up,
        loss_carried_forward_fen=year.losses_to_make_up_fen - losses_made_up,
        reserve_fen=reserve,
        reserve_quantified_fen=reserve_split.allocated_fen,
        reserve_unquantified_fen=reserve_split.unallocated_fen,
        distributable_fen=distributable,
        patronage_fen=patronage,
        patronage_unallocated_fen=patronage_split.unallocated_fen,
        secondary_fund_fen=secondary_fund,
        remainder_fen=remainder,
        remainder_to_members_fen=to_members,
        remainder_members_unallocated_fen=remainder_split.unallocated_fen,
        remainder_to_collective_fen=by_recipient.parts.get("collective", 0),
        remainder_to_management_fen=by_recipient.parts.get("management", 0),
        remainder_to_welfare_fen=by_recipient.parts.get("welfare", 0),
        converted_to_capital_fen=converted_total,
        cash_to_members_fen=patronage_split.allocated_fen + remainder_split.allocated_fen - converted_total,
    )
    return CooperativeDistribution(steps, tuple(sheets), secondary)
