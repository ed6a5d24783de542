"""Pure distribution rules (no database): exact splits, a cooperative's and a collective's year-end distribution,
guaranteed payments, secondary distribution, conversion into capital, and the three-level cascade.

Money is integer fen, rates integer basis points, weights int, Decimal or Fraction (never float). Every split is
by largest remainder with a tie-break by key, so the parts add up to the whole and the result does not depend on
the order of the input. See docs/DISTRIBUTION.md for the rules, the order and each decision with its article.
"""

from .allocation import FULL_BP, Allocation, allocate, bp_ceil, bp_floor, bp_half_up
from .cascade import (
    COLLECTIVE_SHARE,
    INCOME_RIGHT,
    PATRONAGE_RETURN,
    REMAINDER_SHARE,
    SECONDARY,
    BodyOutcome,
    CascadeBody,
    CascadeResult,
    HouseholdReceipt,
    cascade,
)
from .collective import (
    CollectiveDistribution,
    CollectiveSteps,
    CollectiveYear,
    IncomeRightShare,
    ShareSheet,
    distribute_collective,
)
from .cooperative import (
    CooperativeDistribution,
    CooperativeSteps,
    CooperativeYear,
    MemberAccount,
    MemberSheet,
    check_rates,
    distribute_cooperative,
)
from .guarantees import GuaranteedPayments, GuaranteeHolding, GuaranteeLine, guaranteed_payments
from .secondary import SecondaryDistribution, SecondaryHousehold, secondary_distribution

__all__ = [
    "COLLECTIVE_SHARE",
    "FULL_BP",
    "INCOME_RIGHT",
    "PATRONAGE_RETURN",
    "REMAINDER_SHARE",
    "SECONDARY",
    "Allocation",
    "BodyOutcome",
    "CascadeBody",
    "CascadeResult",
    "CollectiveDistribution",
    "CollectiveSteps",
    "CollectiveYear",
    "CooperativeDistribution",
    "CooperativeSteps",
    "CooperativeYear",
    "GuaranteeHolding",
    "GuaranteeLine",
    "GuaranteedPayments",
    "HouseholdReceipt",
    "IncomeRightShare",
    "MemberAccount",
    "MemberSheet",
    "SecondaryDistribution",
    "SecondaryHousehold",
    "ShareSheet",
    "allocate",
    "bp_ceil",
    "bp_floor",
    "bp_half_up",
    "cascade",
    "check_rates",
    "distribute_collective",
    "distribute_cooperative",
    "guaranteed_payments",
    "secondary_distribution",
]
