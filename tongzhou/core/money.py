"""Money is an integer number of fen (分). Yuan appear only at the edges: parsing input and formatting output."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidInput

_YUAN_RE = re.compile(r"^\s*(-)?\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s*$")


def yuan_to_fen(text: str | int | Decimal) -> int:
    """Parse yuan ("1,234.56", "12", Decimal("0.5")) into fen exactly; more than two decimals is an error."""
    if isinstance(text, int):
        return text * 100
    if isinstance(text, Decimal):
        quantized = text.quantize(Decimal("0.01"))
        if quantized != text:
            raise InvalidInput(
                "金额最多两位小数。", "An amount has at most two decimals.", details={"value": str(text)}
            )
        return int(quantized * 100)
    match = _YUAN_RE.match(str(text).replace("¥", "").replace("￥", ""))
    if not match:
        raise InvalidInput(
            "金额格式不正确。", "The amount is not a valid number of yuan.", details={"value": str(text)}
        )
    sign, whole, frac = match.groups()
    fen = int(whole.replace(",", "")) * 100 + int((frac or "0").ljust(2, "0"))
    return -fen if sign else fen


def fen_to_yuan_str(fen: int) -> str:
    """Format fen as a plain yuan string with two decimals ("-1234.56"), as the API returns it."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


def format_yuan(fen: int) -> str:
    """Format fen for people: ¥1,234.56, grouping thousands."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{part:02d}"


def decimal_or_none(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def split_largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` fen in proportion to non-negative integer `weights`; parts always sum to `total`.

    Ties in the remainder go to the earlier index, a stable tie-break. All-zero weights give all zeros
    unless total is zero (an error otherwise: the money would have nowhere to go).
    """
    if any(w < 0 for w in weights):
        raise InvalidInput("分配权重不能为负。", "Weights must not be negative.")
    weight_sum = sum(weights)
    if weight_sum == 0:
        if total == 0:
            return [0] * len(weights)
        raise InvalidInput("没有可分配的对象。", "There is nothing to split the amount over.")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    left = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * f for f in floors]


def round_half_up_fen(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
