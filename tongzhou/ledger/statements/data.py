"""What every statement is built from: the accounts and their posted movements over a period, as plain data.

`LedgerData` is filled by `ledger.selectors.statement_data` (one SQL SUM … GROUP BY over the lines, for one book
or for every book of one chart under a region) and read by the pure builders in `builders.py`. A balance is one
signed number, debit positive, as in `domain/balances.py`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Vouchers written by the year close carry this source, followed by ":<year>". Statements of surplus leave them out
# (they move the year's result between accounts; they are no income or cost).
YEAR_CLOSE_SOURCE = "ledger.year_close"

COOPERATIVE = "farmers_cooperative"
COLLECTIVE = "collective_organisation"

# Per standard: the account of the year's result (本年盈余 / 本年收益) and of its distribution (盈余分配 / 收益分配).
ROLE_CODES = {
    COOPERATIVE: {"current": "331", "distribution": "332"},
    COLLECTIVE: {"current": "321", "distribution": "322"},
}

PROFIT_AND_LOSS = "profit_and_loss"


@dataclass(frozen=True)
class StatementAccount:
    code: str
    name: str
    normal_balance: str  # "debit" | "credit"
    account_class: str
    parent_code: str = ""
    member_name: str = ""


@dataclass(frozen=True)
class Movement:
    """Of one account over the period: the balance before it (debit positive), the period's debits and credits,
    and, of those, what the year-close vouchers moved."""

    opening: int = 0
    debit: int = 0
    credit: int = 0
    close_debit: int = 0
    close_credit: int = 0

    @property
    def closing(self) -> int:
        return self.opening + self.debit - self.credit

    def plus(self, other: Movement) -> Movement:
        return Movement(
            self.opening + other.opening,
            self.debit + other.debit,
            self.credit + other.credit,
            self.close_debit + other.close_debit,
            self.close_credit + other.close_credit,
        )


@dataclass(frozen=True)
class LedgerData:
    standard: str
    entity: str
    date_from: dt.date
    date_to: dt.date
    accounts: tuple[StatementAccount, ...]
    movements: Mapping[
        str, Movement
    ]  # by account code (leaf or not: every code is summed into its ancestors)
    # Counter lines of the vouchers that touch the distribution account (盈余分配 / 收益分配) in the period, year
    # close left out: (debit, credit) by first-level code.
    flows: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    books: int = 1
    # Per code of an account kept per member: each member's (opening, closing) balance, so a member who owes and
    # one who is owed stand apart on the balance sheet (成员往来 / 内部往来).
    member_balances: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    # The same, summed in the database (ledger.selectors): per code, Σ of the positive and Σ of the negative
    # balances of its members (its lines that name no member count as one more) when the period opens and when it
    # closes: (open +, open −, close +, close −). Where a code has these, its `member_balances` are not read.
    sides: Mapping[str, tuple[int, int, int, int]] = field(default_factory=dict)

    # -- the account tree (looked up often by the builders: the lookups are worked out once per instance) -------
    @functools.cached_property
    def _parent_of(self) -> dict[str, str]:
        return {a.code: a.parent_code for a in self.accounts}

    @functools.cached_property
    def _by_code(self) -> dict[str, StatementAccount]:
        by_code: dict[str, StatementAccount] = {}
        for a in self.accounts:
            by_code.setdefault(a.code, a)
        return by_code

    @functools.cached_property
    def _ancestors(self) -> dict[str, frozenset[str]]:
        """Per code with a movement: itself and every account above it."""
        parents = self._parent_of
        out: dict[str, frozenset[str]] = {}
        for code in self.movements:
            seen: list[str] = []
            c = code
            while c and c not in seen:
                seen.append(c)
                c = parents.get(c, "")
            out[code] = frozenset(seen)
        return out

    def _parents(self) -> dict[str, str]:
        return self._parent_of

    def top_of(self, code: str) -> str:
        parents = self._parents()
        seen = {code}
        while parents.get(code):
            code = parents[code]
            if code in seen:
                break
            seen.add(code)
        return code

    def account(self, code: str) -> StatementAccount | None:
        return self._by_code.get(code)

    def in_subtree(self, code: str, top: str) -> bool:
        above = self._ancestors.get(code)
        if above is not None:
            return top in above
        parents = self._parents()
        seen: set[str] = set()
        while code and code not in seen:
            if code == top:
                return True
            seen.add(code)
            code = parents.get(code, "")
        return False

    @functools.cached_property
    def _subtrees(self) -> dict[str, list[tuple[str, Movement]]]:
        """Per account: the movements of it and every account below it, in the order of `movements` (each
        statement asks for many subtrees; one pass over the movements answers them all)."""
        out: dict[str, list[tuple[str, Movement]]] = {}
        ancestors = self._ancestors
        for code, m in self.movements.items():
            for top in ancestors[code]:
                out.setdefault(top, []).append((code, m))
        return out

    def subtree(self, top: str) -> list[tuple[str, Movement]]:
        """The movements of `top` and every account below it."""
        return list(self._subtrees.get(top, ()))

    def above(self, codes: Iterable[str]) -> set[str]:
        """Every account that is one of `codes` (codes with a movement) or above one of them."""
        ancestors = self._ancestors
        out: set[str] = set()
        for code in codes:
            out |= ancestors[code]
        return out

    def positions(self, top: str, at: str) -> list[int]:
        """The balances (debit positive) when the period opens (`at="open"`) or closes of each member on the
        subtree's member accounts, and of each other account of the subtree: what stands apart on the balance
        sheet."""
        values = []
        for code, m in self.subtree(top):
            split = self.sides.get(code)
            if split is not None:
                values.extend(split[:2] if at == "open" else split[2:])
                continue
            per_member = self.member_balances.get(code, ())
            for opening, closing in per_member:
                values.append(opening if at == "open" else closing)
            rest_open = m.opening - sum(o for o, _ in per_member)
            rest_close = m.closing - sum(c for _, c in per_member)
            values.append(rest_open if at == "open" else rest_close)
        return values

    def class_codes(self, account_class: str) -> list[str]:
        return [a.code for a in self.accounts if a.account_class == account_class and not a.parent_code]
