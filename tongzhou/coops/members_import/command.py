"""The `tongzhou import members FILE --user U --cooperative ID` entry: find the cooperative, run the import."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from tongzhou.coops.models import Cooperative
from tongzhou.core.errors import InvalidInput, NotFound

from . import members_import


def cooperative_for_command(cooperative_id: int | None, what_zh: str, what_en: str) -> Cooperative:
    """The cooperative an import names with --cooperative; a clear error when it is missing or unknown."""
    if cooperative_id is None:
        raise InvalidInput(
            f"导入{what_zh}须指定合作社：--cooperative ID。",
            f"Importing {what_en} needs the cooperative: --cooperative ID.",
            code="cooperative_required",
        )
    try:
        return Cooperative.objects.get(pk=cooperative_id)
    except Cooperative.DoesNotExist:
        raise NotFound(
            f"合作社 {cooperative_id} 不存在。",
            f"There is no cooperative {cooperative_id}.",
            details={"cooperative_id": cooperative_id},
        ) from None


def import_for_command(
    user,
    path: pathlib.Path,
    cooperative_id: int | None,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> str:
    """Import `path` into the cooperative `cooperative_id` as `user`; returns the summary line to print."""
    cooperative = cooperative_for_command(cooperative_id, "成员", "members")
    result = members_import(
        user=user, cooperative=cooperative, path=path, file_name=path.name, dry_run=dry_run, progress=progress
    )
    return result.summary()
