"""Exact splits of money: largest remainder with a stable tie-break, and basis-point shares of an amount.

Every split in the distribution goes through `allocate`, so the parts always add up to the whole, to the fen.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any, Generic, TypeVar

from .checks import invalid

FULL_BP = 10_000

K = TypeVar("K", bound=Hashable)
Weight = int | Fraction | Decimal


@dataclass(frozen=True)
class Allocation(Generic[K]):
    """The parts of a split, per key, and what could not be allocated (all weights zero: nobody to give it to).

    `sum(parts.values()) + unallocated_fen == total_fen` always.
    """

    total_fen: int
    parts: dict[K, int]
    unallocated_fen: int

    @property
    def allocated_fen(self) -> int:
        return self.total_fen - self.unallocated_fen


def _exact(key: object, weight: object) -> Fraction:
    if isinstance(weight, bool) or not isinstance(weight, (int, Fraction, Decimal)):
        # A float weight would make the split depend on binary rounding; the caller converts first.
        raise invalid(
            "分配权重须为整数、分数或十进制数。",
            "A weight must be an integer, a fraction or a decimal.",
            code="weight_type",
            field="weights",
            member=key,
            value=repr(weight),
        )
    if isinstance(weight, Decimal) and not weight.is_finite():
        raise invalid(
            "分配权重不是有效数字。",
            "A weight is not a number.",
            code="weight_type",
            field="weights",
            member=key,
        )
    exact = Fraction(weight)
    if exact < 0:
        raise invalid(
            "分配权重不能为负。",
            "A weight must not be negative.",
            code="negative_weight",
            field="weights",
            member=key,
            value=str(weight),
        )
    return exact


def allocate(
    total_fen: int,
    weights: Mapping[K, Weight],
    *,
    order_key: Callable[[K], Any] | None = None,
) -> Allocation[K]:
    """Split `total_fen` in proportion to `weights` by largest remainder, exact to the fen.

    Each key first gets the whole fen of its exact share; the fen left over go one each to the largest
    remainders, ties to the smallest `order_key(key)` (the key itself by default). The result therefore does not
    depend on the order of `weights`; `order_key` must tell keys apart. Zero weights get zero. When every weight
    is zero (or there are none), nothing is allocated and the whole amount is `unallocated_fen`: the caller
    decides where it stays, and the parts still add up to the whole.
    """
    if isinstance(total_fen, bool) or not isinstance(total_fen, int) or total_fen < 0:
        raise invalid(
            "待分配金额须为非负整数（分）。",
            "The amount to split must be a non-negative whole number of fen.",
            code="negative_amount",
            field="total_fen",
            value=repr(total_fen),
        )
    if all(type(w) is int for w in weights.values()):
        scaled: dict[K, int] = {}
        for key, weight in weights.items():
            if weight < 0:  # type: ignore[operator]
                _exact(key, weight)  # raises with the member named
            scaled[key] = weight  # type: ignore[assignment]
    else:
        exact = {key: _exact(key, weight) for key, weight in weights.items()}
        common = lcm(*(f.denominator for f in exact.values())) if exact else 1
        scaled = {key: f.numerator * (common // f.denominator) for key, f in exact.items()}
    weight_sum = sum(scaled.values())
    if weight_sum == 0:
        return Allocation(total_fen, {key: 0 for key in scaled}, total_fen)
    parts: dict[K, int] = {}
    remainders: dict[K, int] = {}
    for key, weight in scaled.items():
        parts[key], remainders[key] = divmod(total_fen * weight, weight_sum)
    left = total_fen - sum(parts.values())
    if left:
        sort_key = order_key if order_key is not None else (lambda k: k)
        # Only keys with a remainder can be among the first `left` (the remainders add up to left × weight_sum).
        candidates = sorted(
            (k for k, r in remainders.items() if r), key=lambda k: (-remainders[k], sort_key(k))
        )
        for key in candidates[:left]:
            parts[key] += 1
    return Allocation(total_fen, parts, 0)


def bp_half_up(amount_fen: int, rate_bp: int) -> int:
    """`rate_bp` of a non-negative amount, rounded half up to the fen (10% of ¥0.05 = ¥0.01)."""
    return (amount_fen * rate_bp + FULL_BP // 2) // FULL_BP


def bp_floor(amount_fen: int, rate_bp: int) -> int:
    """`rate_bp` of a non-negative amount, rounded down to the fen."""
    return amount_fen * rate_bp // FULL_BP


def bp_ceil(amount_fen: int, rate_bp: int) -> int:
    """`rate_bp` of a non-negative amount, rounded up to the fen (so a floor such as Art. 44's 60% holds)."""
    return -(-amount_fen * rate_bp // FULL_BP)
