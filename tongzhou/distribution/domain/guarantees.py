"""Guaranteed payments (保底收益): a fixed sum per mu or per unit held of a share class, as the bylaws set it.

They are costs of the year, booked before the surplus is struck, never a share of it: the cooperative's
distribution starts from a surplus they were already taken from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tongzhou.coops.domain.bylaws import BylawsTerms, check_bylaws

from .checks import BYLAWS, check_fen, invalid

CENTI = 100  # units are hundredths of a mu or of a share, as the share ledger keeps them


@dataclass(frozen=True)
class GuaranteeHolding:
    """What a member holds of a share class at year end, in hundredths of a unit (mu for land)."""

    member_key: str
    share_class: str  # the class kind: land, cash, labour, …
    units_centi: int


@dataclass(frozen=True)
class GuaranteeLine:
    member_key: str
    share_class: str
    basis: str
    units_centi: int
    rate_fen: int
    amount_fen: int


@dataclass(frozen=True)
class GuaranteedPayments:
    lines: tuple[GuaranteeLine, ...]  # sorted by member, then class
    per_member: dict[str, int]
    total_fen: int


def guaranteed_payments(terms: BylawsTerms, holdings: Sequence[GuaranteeHolding]) -> GuaranteedPayments:
    """Each member's guaranteed payment: rate × units held, rounded half up to the fen per line.

    Each line is a cost in its own right (2.50 mu × ¥300.00 = ¥750.00), not a split of a whole, so it rounds on
    its own. Holdings of classes without a guarantee get nothing; a member and class listed twice is refused.
    """
    check_bylaws(terms)
    rates = {g["share_class"]: g for g in terms.guaranteed_payments}
    seen: set[tuple[str, str]] = set()
    lines: list[GuaranteeLine] = []
    for h in holdings:
        if (h.member_key, h.share_class) in seen:
            raise invalid(
                f"成员“{h.member_key}”的“{h.share_class}”类股份重复列出。",
                f"Member {h.member_key} is listed twice for share class {h.share_class}.",
                code="duplicate_member",
                field="holdings",
                member=h.member_key,
                article=BYLAWS,
            )
        seen.add((h.member_key, h.share_class))
        check_fen(h.units_centi, "units_centi", member=h.member_key, article=BYLAWS)
        guarantee = rates.get(h.share_class)
        if guarantee is None:
            continue
        rate = guarantee["amount_fen"]
        amount = (h.units_centi * rate + CENTI // 2) // CENTI
        lines.append(
            GuaranteeLine(h.member_key, h.share_class, guarantee["basis"], h.units_centi, rate, amount)
        )
    lines.sort(key=lambda line: (line.member_key, line.share_class))
    per_member: dict[str, int] = {}
    for line in lines:
        per_member[line.member_key] = per_member.get(line.member_key, 0) + line.amount_fen
    return GuaranteedPayments(tuple(lines), per_member, sum(per_member.values()))
