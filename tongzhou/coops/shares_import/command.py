"""The `tongzhou import shares FILE --user U --cooperative ID` entry: find the cooperative, run the import."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from tongzhou.coops.members_import.command import cooperative_for_command

from . import shares_import


def import_for_command(
    user,
    path: pathlib.Path,
    cooperative_id: int | None,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> str:
    """Import `path` into the cooperative `cooperative_id` as `user`; returns the summary line to print."""
    cooperative = cooperative_for_command(cooperative_id, "股份认购", "share subscriptions")
    result = shares_import(
        user=user, cooperative=cooperative, path=path, file_name=path.name, dry_run=dry_run, progress=progress
    )
    return result.summary()
