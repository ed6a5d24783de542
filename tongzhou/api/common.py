"""What the cooperative and book endpoints share: their error responses, path parameters and money fields."""

from __future__ import annotations

from typing import Any

from ninja import Path

from tongzhou.core.money import fen_to_yuan_str

from .schemas import Error

READ_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
WRITE_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}

COOP_ID = Path(..., ge=1, description="合作社编号 / Cooperative id")


def money_fields(name: str, fen: int) -> dict[str, Any]:
    """An amount as the API gives every amount: yuan text under `name` and integer fen under `<name>_fen`."""
    return {name: fen_to_yuan_str(fen), f"{name}_fen": fen}
