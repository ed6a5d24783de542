"""Normal-balance arithmetic and the trial balance (发生额及余额试算平衡表) from postings. Pure Python.

A balance is kept as one signed number, debit positive. An account's balance "in its direction" is that number
for a debit-normal account and its negation for a credit-normal one; presented, a balance stands in the debit
or the credit column by its sign (余额方向 借/贷/平).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

DEBIT = "debit"
CREDIT = "credit"
BALANCED = "balanced"


def net_of(debit_fen: int, credit_fen: int) -> int:
    """The signed balance of movements: debit positive."""
    return debit_fen - credit_fen


def balance_in_direction(normal_balance: str, debit_fen: int, credit_fen: int) -> int:
    """The balance measured in the account's normal direction: positive when it stands where it should."""
    net = net_of(debit_fen, credit_fen)
    return net if normal_balance == DEBIT else -net


def balance_side(net_fen: int) -> tuple[str, int]:
    """Where a signed balance stands (借/贷/平) and its amount."""
    if net_fen > 0:
        return DEBIT, net_fen
    if net_fen < 0:
        return CREDIT, -net_fen
    return BALANCED, 0


def columns(net_fen: int) -> tuple[int, int]:
    """A signed balance as (debit column, credit column)."""
    return (net_fen, 0) if net_fen >= 0 else (0, -net_fen)


@dataclass(frozen=True)
class AccountInfo:
    code: str
    name: str
    normal_balance: str
    parent_code: str = ""


@dataclass(frozen=True)
class Posting:
    """One posted line: the account code and its debit and credit in fen."""

    code: str
    debit_fen: int = 0
    credit_fen: int = 0


@dataclass(frozen=True)
class TrialBalanceRow:
    code: str
    name: str
    normal_balance: str
    level: int
    opening_debit_fen: int
    opening_credit_fen: int
    period_debit_fen: int
    period_credit_fen: int
    closing_debit_fen: int
    closing_credit_fen: int

    @property
    def closing_net_fen(self) -> int:
        return self.closing_debit_fen - self.closing_credit_fen


@dataclass(frozen=True)
class TrialBalance:
    rows: tuple[TrialBalanceRow, ...]
    totals: TrialBalanceRow = field(repr=False)

    @property
    def balanced(self) -> bool:
        t = self.totals
        return (
            t.opening_debit_fen == t.opening_credit_fen
            and t.period_debit_fen == t.period_credit_fen
            and t.closing_debit_fen == t.closing_credit_fen
        )

    def row(self, code: str) -> TrialBalanceRow:
        for r in self.rows:
            if r.code == code:
                return r
        raise KeyError(code)


def _ancestors(code: str, parents: Mapping[str, str]) -> list[str]:
    chain = [code]
    seen = {code}
    while parents.get(chain[-1]):
        parent = parents[chain[-1]]
        if parent in seen:  # a cycle in the data: stop rather than loop
            break
        chain.append(parent)
        seen.add(parent)
    return chain


def trial_balance(
    accounts: Sequence[AccountInfo],
    *,
    opening: Mapping[str, int] | None = None,
    postings: Iterable[Posting] = (),
) -> TrialBalance:
    """The trial balance of a period: per account its opening balance, the period's debits and credits and its
    closing balance, each leaf's figures also summed into every ancestor. `opening` maps leaf codes to signed
    opening balances (debit positive). Totals are over the top-level accounts, so nothing counts twice."""
    parents = {a.code: a.parent_code for a in accounts}
    known = set(parents)
    opening_net: dict[str, int] = {}
    period_debit: dict[str, int] = {}
    period_credit: dict[str, int] = {}
    for code, amount in (opening or {}).items():
        if code not in known:
            raise KeyError(code)
        for c in _ancestors(code, parents):
            opening_net[c] = opening_net.get(c, 0) + amount
    for p in postings:
        if p.code not in known:
            raise KeyError(p.code)
        for c in _ancestors(p.code, parents):
            period_debit[c] = period_debit.get(c, 0) + p.debit_fen
            period_credit[c] = period_credit.get(c, 0) + p.credit_fen
    rows = []
    for a in sorted(accounts, key=lambda a: a.code):
        open_net = opening_net.get(a.code, 0)
        debit = period_debit.get(a.code, 0)
        credit = period_credit.get(a.code, 0)
        od, oc = columns(open_net)
        cd, cc = columns(open_net + debit - credit)
        rows.append(
            TrialBalanceRow(
                a.code,
                a.name,
                a.normal_balance,
                len(_ancestors(a.code, parents)),
                od,
                oc,
                debit,
                credit,
                cd,
                cc,
            )
        )
    top = [r for r in rows if r.level == 1]
    totals = TrialBalanceRow(
        "",
        "合计",
        "",
        0,
        sum(r.opening_debit_fen for r in top),
        sum(r.opening_credit_fen for r in top),
        sum(r.period_debit_fen for r in top),
        sum(r.period_credit_fen for r in top),
        sum(r.closing_debit_fen for r in top),
        sum(r.closing_credit_fen for r in top),
    )
    return TrialBalance(tuple(rows), totals)
