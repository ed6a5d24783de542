"""Share rules as pure functions: holdings derived from the append-only ledger, transfers, inheritance, the
conversion of fiscal poverty-fund shares, exit settlement and the member account (农民专业合作社法 Art. 13, 28, 43,
44). No database here: entries and holdings are plain frozen dataclasses; units are hundredths, money is fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import split_largest_remainder

# Share class kinds whose shares quantify subsidy-formed property (财政补助和捐赠形成的财产, Art. 44), not capital.
FISCAL_POVERTY = "fiscal_poverty"
DONATION = "donation"
CASH = "cash"
SUBSIDY_KINDS = frozenset({FISCAL_POVERTY, DONATION})

CENTI = 100  # units_centi per unit


@dataclass(frozen=True)
class Entry:
    """One ledger line as the rules see it: signed hundredths of a unit and signed fen."""

    member_id: int
    share_class_id: int
    entry_type: str
    on: dt.date
    units_centi: int
    amount_fen: int


@dataclass(frozen=True)
class Holding:
    """What a member holds of one class: hundredths of a unit and the capital value in fen."""

    units_centi: int = 0
    amount_fen: int = 0

    @property
    def is_empty(self) -> bool:
        return self.units_centi == 0 and self.amount_fen == 0


@dataclass(frozen=True)
class Movement:
    """Units and fen leaving one holding (`out`, negative) and arriving at another (`into`, positive)."""

    units_centi: int
    amount_fen: int

    @property
    def out(self) -> Holding:
        return Holding(-self.units_centi, -self.amount_fen)

    @property
    def into(self) -> Holding:
        return Holding(self.units_centi, self.amount_fen)


@dataclass(frozen=True)
class ExitSettlement:
    """What a leaving member gets back (Art. 28): capital and quantified reserve share; subsidy property stays."""

    capital_returned_fen: int
    reserve_returned_fen: int

    @property
    def total_fen(self) -> int:
        return self.capital_returned_fen + self.reserve_returned_fen


@dataclass(frozen=True)
class MemberAccount:
    """One member's account for one year (成员账户, Art. 43), with the subsidy share Art. 44 distributes by."""

    member_id: int
    year: int
    capital_fen: int
    reserve_share_fen: int
    subsidy_share_fen: int
    transactions_amount_fen: int
    transactions_quantity: Decimal


def field_error(field: str, zh: str, en: str, code: str, **details: object) -> InvalidInput:
    """An InvalidInput whose details name the field, in the shape the forms and the API read."""
    return InvalidInput(
        zh,
        en,
        code=code,
        details={
            "field": field,
            "fields": {field: {"message_zh": zh, "message_en": en, "code": code}},
            **details,
        },
    )


def parse_units(value: object, *, field: str = "units") -> int:
    """Units ("2.5", Decimal("2.50"), 3) as hundredths of a unit; positive, at most two decimals, no floats."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise field_error(
            field,
            "数量须为数字（最多两位小数）。",
            "The number of units must be a number with at most two decimals.",
            "units_invalid",
            value=str(value),
        )
    try:
        units = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        units = None
    if units is None or not units.is_finite():
        raise field_error(
            field,
            "数量不是有效数字。",
            "The number of units is not a number.",
            "units_invalid",
            value=str(value),
        )
    if units <= 0:
        raise field_error(
            field,
            "数量必须大于零。",
            "The number of units must be above zero.",
            "units_not_positive",
            value=str(value),
        )
    centi = units * CENTI
    if centi != centi.to_integral_value():
        raise field_error(
            field,
            "数量最多两位小数。",
            "The number of units has at most two decimals.",
            "units_too_precise",
            value=str(value),
        )
    return int(centi)


def subscription_amount_fen(units_centi: int, unit_value_fen: int) -> int:
    """Capital subscribed: units × unit value, rounded half up to the fen (2.5 mu × ¥1,200.00 = ¥3,000.00)."""
    if units_centi <= 0 or unit_value_fen <= 0:
        raise InvalidInput(
            "数量和作价必须大于零。", "Units and unit value must be above zero.", code="units_not_positive"
        )
    return (units_centi * unit_value_fen + CENTI // 2) // CENTI


def holdings(entries: Iterable[Entry], on_date: dt.date | None = None) -> dict[tuple[int, int], Holding]:
    """Holdings per (member, class) summed over entries dated up to and including `on_date` (all if None).

    Holdings that came back to nothing are left out.
    """
    totals: dict[tuple[int, int], tuple[int, int]] = {}
    for entry in entries:
        if on_date is not None and entry.on > on_date:
            continue
        key = (entry.member_id, entry.share_class_id)
        units, amount = totals.get(key, (0, 0))
        totals[key] = (units + entry.units_centi, amount + entry.amount_fen)
    return {key: Holding(u, a) for key, (u, a) in totals.items() if (u, a) != (0, 0)}


def part_of_holding(holding: Holding, units_centi: int, *, field: str = "units") -> Movement:
    """The part of a holding that `units_centi` carries: capital in proportion, to the fen.

    amount = holding.amount × units / holding.units, split by largest remainder so the part moved and the part
    kept add up to the holding exactly (1 of 3 units of ¥1,000.00 → ¥333.33 moved, ¥666.67 kept).
    """
    if units_centi <= 0:
        raise field_error(
            field,
            "数量必须大于零。",
            "The number of units must be above zero.",
            "units_not_positive",
            value=units_centi,
        )
    if units_centi > holding.units_centi:
        raise field_error(
            field,
            f"持有 {holding.units_centi / CENTI:g} 单位，不足 {units_centi / CENTI:g} 单位。",
            f"Holds {holding.units_centi / CENTI:g} units, fewer than the {units_centi / CENTI:g} asked for.",
            "more_than_held",
            held_centi=holding.units_centi,
            asked_centi=units_centi,
        )
    if units_centi == holding.units_centi:
        return Movement(units_centi, holding.amount_fen)
    moved, _kept = split_largest_remainder(
        holding.amount_fen, [units_centi, holding.units_centi - units_centi]
    )
    return Movement(units_centi, moved)


def plan_transfer(
    holding: Holding,
    units_centi: int,
    *,
    from_member_id: int,
    to_member_id: int,
    transferable: bool,
    to_is_member: bool,
    transfer_to_non_members: bool,
) -> Movement:
    """Check a transfer of shares against the bylaws and the holding and say what it moves (Art. 13, bylaws)."""
    if from_member_id == to_member_id:
        raise field_error(
            "to_member",
            "不能把股份转让给自己。",
            "Shares cannot be transferred to oneself.",
            "transfer_to_self",
        )
    if not transferable:
        raise field_error(
            "share_class",
            "该类股份不可转让。",
            "Shares of this class are not transferable.",
            "not_transferable",
        )
    if not to_is_member and not transfer_to_non_members:
        raise field_error(
            "to_member",
            "章程不允许向非成员转让股份。",
            "The bylaws do not allow transferring shares to a non-member.",
            "transfer_to_non_member",
        )
    return part_of_holding(holding, units_centi)


def plan_inheritance(
    held: Mapping[int, Holding], *, deceased_member_id: int, heir_member_id: int, heir_is_member: bool
) -> dict[int, Movement]:
    """The whole of every holding of a deceased member, per class, passing to an heir who is a member.

    An heir who meets the bylaws' conditions may inherit membership; here the heir must already be a member
    (admitted first through the membership rules). Non-transferable classes pass too: inheritance is no sale.
    """
    if deceased_member_id == heir_member_id:
        raise field_error(
            "heir_member",
            "继承人不能是被继承成员本人。",
            "The heir cannot be the deceased member.",
            "heir_is_deceased",
        )
    if not heir_is_member:
        raise field_error(
            "heir_member",
            "继承人须先成为本社成员。",
            "The heir must first become a member of the cooperative.",
            "heir_not_member",
        )
    moves = {cls: Movement(h.units_centi, h.amount_fen) for cls, h in held.items() if h.units_centi > 0}
    if not moves:
        raise field_error(
            "deceased_member", "被继承成员没有股份。", "The deceased member holds no shares.", "nothing_held"
        )
    return moves


def poverty_conversion_date(exit_year: int, conversion_years: int) -> dt.date:
    """The day poverty-fund shares turn into ordinary shares: after `conversion_years` full calendar years out of
    poverty counted from the year after the exit year. Exited in 2019 with 5 years: 2020–2024 are the five full
    years, so the shares convert on 1 January 2025."""
    return dt.date(exit_year + conversion_years + 1, 1, 1)


def poverty_shares_due_for_conversion(exit_year: int | None, year: int, conversion_years: int) -> bool:
    """Whether a household out of poverty since `exit_year` has its fiscal poverty-fund shares converted in `year`
    (see poverty_conversion_date: exited 2019, 5 years → due from 2025, not in 2024). Never for a household
    that has not left poverty."""
    if exit_year is None:
        return False
    return dt.date(year, 12, 31) >= poverty_conversion_date(exit_year, conversion_years)


def plan_conversion(holding: Holding, cash_unit_value_fen: int) -> tuple[Movement, Movement]:
    """Turn a poverty-fund holding into cash shares of the same capital value (out of the fund class, into cash).

    The value is kept to the fen; the cash units are that value over the cash unit value, rounded half up to
    the hundredth (¥1,000.00 at ¥100.00 a share → 10 shares).
    """
    if cash_unit_value_fen <= 0:
        raise InvalidInput(
            "现金股作价必须大于零。", "The cash share value must be above zero.", code="units_not_positive"
        )
    units_in = (holding.amount_fen * CENTI * 2 + cash_unit_value_fen) // (cash_unit_value_fen * 2)
    if units_in <= 0:
        raise field_error(
            "share_class",
            "扶贫股金额不足一百分之一股现金股，无法转换。",
            "The poverty-fund holding is worth less than a hundredth of a cash share and cannot be converted.",
            "conversion_too_small",
            amount_fen=holding.amount_fen,
        )
    return Movement(holding.units_centi, holding.amount_fen), Movement(units_in, holding.amount_fen)


def exit_settlement(capital_fen: int, reserve_share_fen: int) -> ExitSettlement:
    """What a leaving member gets back: the capital in their account and their quantified reserve share (Art. 28).

    Subsidy-formed property (fiscal funds, donations) is never handed out to members (Art. 53's rule for
    liquidation, applied alike at exit): callers pass capital classes only.
    """
    if capital_fen < 0 or reserve_share_fen < 0:
        raise InvalidInput(
            "出资额和公积金份额不能为负。",
            "Capital and reserve share must not be negative.",
            code="negative_amount",
            details={"capital_fen": capital_fen, "reserve_share_fen": reserve_share_fen},
        )
    return ExitSettlement(capital_returned_fen=capital_fen, reserve_returned_fen=reserve_share_fen)


def member_account(
    *,
    member_id: int,
    year: int,
    held: Mapping[int, Holding],
    class_kinds: Mapping[int, str],
    capital_classes: Iterable[int],
    reserve_share_fen: int = 0,
    transactions_amount_fen: int = 0,
    transactions_quantity: Decimal = Decimal("0"),
) -> MemberAccount:
    """Art. 43's figures for one member and year from their holdings at year end.

    Capital: classes counted as capital (never subsidy kinds). Subsidy share: fiscal poverty-fund and donation
    classes. Reserve share: 0 until the distribution writes it. Transactions: given, already summed for the year.
    """
    capital = set(capital_classes)
    capital_fen = 0
    subsidy_fen = 0
    for cls, holding in held.items():
        if class_kinds.get(cls) in SUBSIDY_KINDS:
            subsidy_fen += holding.amount_fen
        elif cls in capital:
            capital_fen += holding.amount_fen
    return MemberAccount(
        member_id=member_id,
        year=year,
        capital_fen=capital_fen,
        reserve_share_fen=reserve_share_fen,
        subsidy_share_fen=subsidy_fen,
        transactions_amount_fen=transactions_amount_fen,
        transactions_quantity=transactions_quantity,
    )
