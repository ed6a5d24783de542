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
MEMO_SIZE = 4096  # splits remembered per body (equal payments, e.g. equal income-right shares, split once)


@dataclass(frozen=True)
class CascadeBody:
    """One body of the chain: its own year (own surplus only, nothing from above), bylaws and members.

    A member (or income-right holder, or `collective_key`) whose key is another body's key is that body; any
    other key is a household.
    """

    key: str
    year: CooperativeYear | CollectiveYear
    terms: BylawsTerms


@dataclass(frozen=True, slots=True)
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


class _Origins:
    """Where a body's surplus came from, prepared once for all its payments: each amount it pays is split over the
    origins exactly as `allocate(amount, weights)` splits it (largest remainder, ties to the smaller path), with
    the weights (own surplus below zero counts as zero) sorted and summed once. Only origins with a positive
    weight can get a part; with one such origin the amount is not split at all."""

    __slots__ = ("_memo", "paths", "weight_sum", "weights")

    def __init__(self, composition: dict[Path, int]) -> None:
        positive = sorted((path, amount) for path, amount in composition.items() if amount > 0)
        self.paths: tuple[Path, ...] = tuple(path for path, _ in positive)
        self.weights: tuple[int, ...] = tuple(amount for _, amount in positive)
        self.weight_sum = sum(self.weights)
        self._memo: dict[int, tuple[int, ...]] = {}

    def split(self, amount: int) -> tuple[int, ...]:
        """The part of each path in `paths`, in that order, zeros included. With no origin of positive weight there
        are no paths and no parts: nothing is attributed, as `allocate` then leaves the whole amount unallocated."""
        if amount < 0:
            allocate(amount, {})  # refused as `allocate` refuses it
        count = len(self.weights)
        if amount == 0 or count == 0:
            return (0,) * count
        if count == 1:
            return (amount,)
        found = self._memo.get(amount)
        if found is not None:
            return found
        weight_sum = self.weight_sum
        if count == 3:  # a village body's usual mix (own, from the union, from the platform), unrolled
            found = _split_three(amount, self.weights, weight_sum)
            if len(self._memo) < MEMO_SIZE:
                self._memo[amount] = found
            return found
        parts: list[int] = []
        remainders: list[int] = []
        for weight in self.weights:
            part, remainder = divmod(amount * weight, weight_sum)
            parts.append(part)
            remainders.append(remainder)
        left = amount - sum(parts)
        # The fen left go one each to the largest remainders, equal remainders in the paths' (sorted) order: the
        # tie-break of `allocate` by key. 0 < left < count.
        if left == 1:
            parts[remainders.index(max(remainders))] += 1
        elif left == count - 1:  # all but the smallest remainder, of equal ones the last
            last = count - 1 - remainders[::-1].index(min(remainders))
            for index in range(count):
                if index != last:
                    parts[index] += 1
        elif left:
            # A stable sort, largest first, keeps the paths' order among equal remainders.
            for index in sorted(range(count), key=remainders.__getitem__, reverse=True)[:left]:
                parts[index] += 1
        found = tuple(parts)
        if len(self._memo) < MEMO_SIZE:
            self._memo[amount] = found
        return found


def _split_three(amount: int, weights: tuple[int, ...], weight_sum: int) -> tuple[int, ...]:
    """`_Origins.split` over three origins, written out: 0, 1 or 2 fen left; to the largest remainders, equal ones
    in the paths' order."""
    first, second, third = weights
    a, ra = divmod(amount * first, weight_sum)
    b, rb = divmod(amount * second, weight_sum)
    c, rc = divmod(amount * third, weight_sum)
    left = amount - a - b - c
    if left == 1:
        if ra >= rb and ra >= rc:
            a += 1
        elif rb >= rc:
            b += 1
        else:
            c += 1
    elif left == 2:  # all but the smallest remainder, of equal ones the last
        if rc <= rb and rc <= ra:
            a, b = a + 1, b + 1
        elif rb <= ra:
            a, c = a + 1, c + 1
        else:
            b, c = b + 1, c + 1
    return (a, b, c)


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
    line_keys: list[PathKey] = []  # every (path, kind) a household was paid along, each tuple made once
    order = _run_order(by_key)

    for key in order:
        body = by_key[key]
        origins = _Origins(composition[key])
        keys_of_kind: dict[str, tuple[PathKey, ...]] = {}
        paid_bodies = 0
        paid_households = 0

        def pay(
            to: str,
            amount: int,
            kind: str,
            origins: _Origins = origins,
            keys_of_kind: dict[str, tuple[PathKey, ...]] = keys_of_kind,
        ) -> None:
            nonlocal paid_bodies, paid_households
            if to in by_key:
                if amount == 0:
                    return
                paid_bodies += amount
                income[to] += amount
                into = composition[to]
                for path, part in zip(origins.paths, origins.split(amount), strict=True):
                    if part:
                        path += (to,)
                        into[path] = into.get(path, 0) + part
                return
            lines = receipts.get(to)
            if lines is None:
                lines = receipts[to] = {}  # a household that got nothing is listed with zero
            if amount == 0:
                return
            paid_households += amount
            keys = keys_of_kind.get(kind)
            if keys is None:
                keys = keys_of_kind[kind] = tuple((path, kind) for path in origins.paths)
                line_keys.extend(keys)
            for line, part in zip(keys, origins.split(amount), strict=True):
                if part:
                    lines[line] = lines.get(line, 0) + part

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

    # Each household's lines sorted by (path, kind): by the rank of each (path, kind) among all of them, sorted once.
    # Each household's working lines are dropped as its receipt is made: a county's quarter of a million of them
    # are not held twice.
    by_rank = {line: i for i, line in enumerate(sorted(set(line_keys)))}.__getitem__
    households: dict[str, HouseholdReceipt] = {}
    for k in sorted(receipts):
        lines = receipts.pop(k)
        households[k] = HouseholdReceipt(
            k,
            sum(lines.values()),
            converted.get(k, 0),
            lines if len(lines) < 2 else {line: lines[line] for line in sorted(lines, key=by_rank)},
        )
    return CascadeResult(tuple(order), outcomes, households)
