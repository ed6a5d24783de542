"""The benefit chain (利益链) in one computation: county platform → township unions → village cooperatives and
collectives → households, saying for every household how much reached it along which path.

Bodies run top-down. What a body receives as a member of a body above — a patronage return, a remainder share, a
share of income — is investment income (投资收益), part of its own year's surplus (income): it is added to the
surplus before the body distributes, so it goes through losses made up, the reserve and the body's own split like
any other surplus. It is never passed straight through.

Paths: a body's surplus is a mix of its own surplus and what came from above, and the mix is traced. Each amount a
body pays is attributed to the origins of its surplus in proportion to their amounts (own surplus below zero counts
as zero: a loss absorbs what came from above first), by largest remainder, so each household's amounts per path
add up to what it received, to the fen. A path names the bodies from the one whose own surplus the money was made
in down to the one that paid the household, and the kind of payment at the last step.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tongzhou.coops.domain.bylaws import BylawsTerms

from .allocation import allocate
from .checks import BYLAWS, check_keys, invalid
from .collective import CollectiveDistribution, CollectiveYear, distribute_collective
from .cooperative import CooperativeDistribution, CooperativeYear, distribute_cooperative

Path = tuple[str, ...]
PathKey = tuple[Path, str]  # (bodies from origin to payer, payment kind)

PATRONAGE_RETURN = "patronage_return"
REMAINDER_SHARE = "remainder_share"
COLLECTIVE_SHARE = "collective_share"
INCOME_RIGHT = "income_right"
SECONDARY = "secondary"


@dataclass(frozen=True)
class CascadeBody:
    """One body of the chain: its own year (own surplus only, nothing from above), bylaws and members.

    A member (or income-right holder, or `collective_key`) whose key is another body's key is that body; any
    other key is a household.
    """

    key: str
    year: CooperativeYear | CollectiveYear
    terms: BylawsTerms


@dataclass(frozen=True)
class HouseholdReceipt:
    key: str
    total_fen: int
    converted_to_capital_fen: (
        int  # of the total, turned into the household's capital by the paying cooperative
    )
    by_path: dict[PathKey, int]

    @property
    def cash_fen(self) -> int:
        return self.total_fen - self.converted_to_capital_fen


@dataclass(frozen=True)
class BodyOutcome:
    key: str
    own_surplus_fen: int
    income_from_above_fen: int
    result: CooperativeDistribution | CollectiveDistribution
    paid_to_bodies_fen: int
    paid_to_households_fen: int

    @property
    def total_surplus_fen(self) -> int:
        return self.own_surplus_fen + self.income_from_above_fen

    @property
    def kept_fen(self) -> int:
        """What stayed in the body: losses made up, reserve, management and welfare parts, anything unallocated
        (or, in a loss year, the loss that absorbed what came from above)."""
        return self.total_surplus_fen - self.paid_to_bodies_fen - self.paid_to_households_fen


@dataclass(frozen=True)
class CascadeResult:
    order: tuple[str, ...]  # the bodies in the order they ran
    bodies: dict[str, BodyOutcome]
    households: dict[str, HouseholdReceipt]  # sorted by key


def _own(year: CooperativeYear | CollectiveYear) -> int:
    return year.surplus_fen if isinstance(year, CooperativeYear) else year.income_fen


def _recipients(body: CascadeBody) -> list[str]:
    year = body.year
    if isinstance(year, CooperativeYear):
        keys = [m.key for m in year.members]
        if year.collective_key is not None:
            keys.append(year.collective_key)
        return keys
    return [s.key for s in year.shares]


def _run_order(bodies: dict[str, CascadeBody]) -> list[str]:
    """Bodies top-down (every body after all bodies it is a member of); ties by key, so the order is stable."""
    below: dict[str, set[str]] = {k: set() for k in bodies}
    above_count = dict.fromkeys(bodies, 0)
    for body in bodies.values():
        for key in set(_recipients(body)):
            if key in bodies:
                below[body.key].add(key)
                above_count[key] += 1
    ready = [k for k, n in above_count.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        key = heapq.heappop(ready)
        order.append(key)
        for child in sorted(below[key]):
            above_count[child] -= 1
            if above_count[child] == 0:
                heapq.heappush(ready, child)
    if len(order) != len(bodies):
        stuck = sorted(set(bodies) - set(order))
        raise invalid(
            f"组织之间的成员关系形成循环：{'、'.join(stuck)}。",
            f"The bodies' memberships form a cycle: {', '.join(stuck)}.",
            code="cascade_cycle",
            field="bodies",
            bodies=stuck,
        )
    return order


def cascade(bodies: Sequence[CascadeBody]) -> CascadeResult:
    """Run every body's distribution top-down and trace each household's receipts back to their origins.

    Loss years do not stop the chain: such a body distributes nothing and carries its loss (its own result says
    so); asking one body alone for a distribution in a loss year is refused by its rule instead.
    """
    check_keys((b.key for b in bodies), "bodies")
    by_key = {b.key: b for b in bodies}
    for body in bodies:
        year = body.year
        if (
            isinstance(year, CooperativeYear)
            and year.collective_key is not None
            and year.collective_key not in by_key
        ):
            raise invalid(
                f"“{body.key}”章程中的集体份额接收方“{year.collective_key}”不在本次计算中。",
                f"The collective named to receive {body.key}'s collective share, {year.collective_key}, is not "
                "among the bodies.",
                code="unknown_body",
                field="collective_key",
                member=year.collective_key,
                article=BYLAWS,
            )
        for recipient in year.secondary_households:
            if recipient.key in by_key:
                raise invalid(
                    f"二次分配对象“{recipient.key}”是组织，不是农户。",
                    f"Secondary distribution recipient {recipient.key} is a body, not a household.",
                    code="secondary_not_household",
                    field="secondary_households",
                    member=recipient.key,
                )
    composition: dict[str, dict[Path, int]] = {k: {(k,): _own(b.year)} for k, b in by_key.items()}
    income: dict[str, int] = dict.fromkeys(by_key, 0)
    receipts: dict[str, dict[PathKey, int]] = {}
    converted: dict[str, int] = {}
    outcomes: dict[str, BodyOutcome] = {}
    order = _run_order(by_key)

    for key in order:
        body = by_key[key]
        weights = {path: max(amount, 0) for path, amount in composition[key].items()}
        paid_bodies = 0
        paid_households = 0

        def pay(to: str, amount: int, kind: str, weights: dict[Path, int] = weights) -> None:
            nonlocal paid_bodies, paid_households
            if to not in by_key:
                receipts.setdefault(to, {})  # a household that got nothing is listed with zero
            if amount == 0:
                return
            parts = allocate(amount, weights).parts
            if to in by_key:
                paid_bodies += amount
                income[to] += amount
                into = composition[to]
                for path, part in parts.items():
                    if part:
                        into[path + (to,)] = into.get(path + (to,), 0) + part
            else:
                paid_households += amount
                lines = receipts.setdefault(to, {})
                for path, part in parts.items():
                    if part:
                        lines[(path, kind)] = lines.get((path, kind), 0) + part

        year = body.year
        result: CooperativeDistribution | CollectiveDistribution
        if isinstance(year, CooperativeYear):
            coop = distribute_cooperative(
                replace(year, surplus_fen=year.surplus_fen + income[key]), body.terms, carry_loss=True
            )
            result = coop
            for sheet in coop.members:
                pay(sheet.key, sheet.patronage_return_fen, PATRONAGE_RETURN)
                pay(sheet.key, sheet.remainder_share_fen, REMAINDER_SHARE)
                if sheet.key not in by_key and sheet.converted_to_capital_fen:
                    converted[sheet.key] = converted.get(sheet.key, 0) + sheet.converted_to_capital_fen
            if year.collective_key is not None:
                pay(year.collective_key, coop.steps.remainder_to_collective_fen, COLLECTIVE_SHARE)
        else:
            collective = distribute_collective(
                replace(year, income_fen=year.income_fen + income[key]), body.terms, carry_loss=True
            )
            result = collective
            for share in collective.members:
                pay(share.key, share.income_right_fen, INCOME_RIGHT)
        for household, amount in result.secondary.paid.items():
            pay(household, amount, SECONDARY)
        outcomes[key] = BodyOutcome(key, _own(year), income[key], result, paid_bodies, paid_households)

    households = {
        k: HouseholdReceipt(k, sum(lines.values()), converted.get(k, 0), dict(sorted(lines.items())))
        for k, lines in sorted(receipts.items())
    }
    return CascadeResult(tuple(order), outcomes, households)
