"""Secondary distribution (二次分配): an explicit step with its own source amount, paid to registered-poor or
monitored households in equal parts per household, exact to the fen.

The source is whatever the caller sets aside for it (a body's secondary fund, see the cooperative and collective
rules, or a grant); nothing here takes it from members' returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tongzhou.coops.domain.bylaws import SECONDARY_TARGETS

from .allocation import allocate
from .checks import BYLAWS, check_fen, check_keys, invalid

PUBLIC_WELFARE_JOBS = "public_welfare_jobs"


@dataclass(frozen=True)
class SecondaryHousehold:
    """A household that may receive a secondary distribution, with the facts that make it eligible."""

    key: str
    registered_poor: bool = False  # 建档立卡贫困户 (registered in any year, exited or not)
    monitored: bool = False  # 监测对象 (防止返贫动态监测)


@dataclass(frozen=True)
class SecondaryDistribution:
    """What each eligible household got, and what stays unpaid (no eligible household, or paid as wages)."""

    source_fen: int
    target: str
    paid: dict[str, int]
    unallocated_fen: int

    @property
    def paid_fen(self) -> int:
        return self.source_fen - self.unallocated_fen


def _eligible(household: SecondaryHousehold, target: str) -> bool:
    if target == "registered_poor":
        return household.registered_poor
    if target == "monitored":
        return household.monitored
    return False


def secondary_distribution(
    source_fen: int, households: Sequence[SecondaryHousehold], *, target: str
) -> SecondaryDistribution:
    """Pay `source_fen` in equal parts to the households the bylaws' target names (largest remainder by key).

    `public_welfare_jobs` pays wages for work done, not a share per household: the whole source is reported
    unallocated for the payroll to use. With no eligible household the source also stays unallocated.
    """
    check_fen(source_fen, "source_fen")
    if target not in SECONDARY_TARGETS:
        raise invalid(
            f"二次分配对象“{target}”未知（{BYLAWS}）。",
            f"Unknown secondary distribution target {target!r} (allowed: {', '.join(SECONDARY_TARGETS)}).",
            code="secondary_target",
            field="secondary_distribution_target",
            article=BYLAWS,
        )
    check_keys((h.key for h in households), "secondary_households")
    weights = {h.key: 1 for h in households if _eligible(h, target)}
    split = allocate(source_fen, weights)
    return SecondaryDistribution(source_fen, target, dict(sorted(split.parts.items())), split.unallocated_fen)
