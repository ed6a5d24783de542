"""The household register import (户籍登记导入): one XLSX sheet or CSV file, one row per person.

    register_import(user=…, path=…)  → ImportResult, or raises ImportRejected and writes nothing
    write_error_report(errors, path, fmt)   the rejected rows as XLSX or CSV
    write_template(path, fmt)               the empty template with an example row
    COLUMNS                                 the ordered column spec

The file is read once: each row is checked as it streams and clean rows go to a staging table; the rules across
rows and against the register then run as SQL, and only if nothing at all is wrong is the register upserted
from the staging table — all in one transaction. docs/DATA-FORMATS.md describes the format.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction

from tongzhou.accounts.services import audit_record
from tongzhou.core.errors import ImportRejected, ScopeDenied
from tongzhou.regions.scope import access_for
from tongzhou.rollups.services import register_figures_refresh

from . import staging
from .checking import MAX_REPORTED_ERRORS, ErrorList, RowChecker, read_header, too_many_rows
from .columns import COLUMNS, Column
from .reading import file_rejected, open_rows
from .reports import write_error_report, write_template

BATCH_ROWS = 5000


@dataclass(frozen=True)
class ImportResult:
    rows: int
    households_created: int
    households_updated: int
    persons_created: int
    persons_updated: int
    persons_unchanged: int
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.households_created or self.households_updated or self.persons_created or self.persons_updated
        )


def register_import(
    *,
    user,
    path: pathlib.Path,
    file_name: str | None = None,
    via: str = "cli",
    progress: Callable[[int], None] | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a register file for `user`: every row checked first; any error rejects the whole file unwritten."""
    path = pathlib.Path(path)
    access = access_for(user)
    if not access.everything and not access.write:
        raise ScopeDenied(write=True)
    with staging.tuned(), transaction.atomic():
        result = _import(
            user=user,
            access=access,
            path=path,
            file_name=file_name or path.name,
            via=via,
            progress=progress,
            dry_run=dry_run,
        )
        if dry_run:
            transaction.set_rollback(True)
    return result


def _import(*, user, access, path, file_name, via, progress, dry_run) -> ImportResult:
    errors = ErrorList()
    max_rows = settings.TONGZHOU_IMPORT_MAX_ROWS
    rows = 0
    staging.create()  # a rejection rolls the staging table back with the transaction
    with open_rows(path, file_name) as source:
        index, shown, unnamed = read_header(source.headers)
        checker = RowChecker(
            access=access,
            index=index,
            shown=shown,
            unnamed=unnamed,
            check_formulas=source.kind == "xlsx",
            errors=errors,
        )
        batch: list[tuple] = []
        for row_no, cells in source.rows:
            rows += 1
            if rows > max_rows:
                raise too_many_rows(max_rows, row_no)
            clean = checker.check(row_no, cells)
            if clean is not None:
                batch.append(clean)
            if len(batch) >= BATCH_ROWS:
                staging.load(batch)
                batch = []
            if progress is not None and rows % 1000 == 0:
                progress(1000)
        staging.load(batch)
        if progress is not None and rows % 1000:
            progress(rows % 1000)
    if rows == 0:
        raise file_rejected("no_rows", "文件中没有数据行。", "The file has no data rows.", row=2)
    ids_unique = staging.index()
    cross_count, cross = staging.cross_row_errors(access=access, ids_unique=ids_unique)
    if errors.count or cross_count:
        found = sorted(errors.kept + cross, key=_error_order)[:MAX_REPORTED_ERRORS]
        total = errors.count + cross_count
        raise ImportRejected(
            f"导入被拒绝：发现 {total:,} 处错误，未写入任何数据。",
            f"The import was rejected: {total:,} errors were found and nothing was written.",
            details={"errors": found, "error_count": total, "rows": rows},
        )
    figures = staging.counts()
    result = ImportResult(
        rows=rows,
        persons_unchanged=rows - figures["persons_created"] - figures["persons_updated"],
        dry_run=dry_run,
        **figures,
    )
    if result.changed:
        villages = staging.upsert()
        register_figures_refresh(village_codes=villages)
        audit_record(
            user=user,
            action="household.import",
            region_code=_common_prefix(villages),
            via=via,
            details={"file_name": file_name, "villages": len(villages), **asdict(result)},
        )
    staging.drop()
    return result


_COLUMN_ORDER = {c.header: i for i, c in enumerate(COLUMNS)} | {c.key: i for i, c in enumerate(COLUMNS)}


def _error_order(error: dict) -> tuple[int, int, str]:
    """Errors in row order, and within a row in the template's column order."""
    return error["row"], _COLUMN_ORDER.get(error["column"], len(_COLUMN_ORDER)), error["column"]


def _common_prefix(codes: list[str]) -> str:
    """The narrowest region code covering all the villages (the village itself, its township, county …)."""
    if not codes:
        return ""
    for length in (12, 9, 6, 4, 2):
        if len({c[:length] for c in codes}) == 1:
            return codes[0][:length]
    return ""


__all__ = [
    "COLUMNS",
    "Column",
    "ImportRejected",
    "ImportResult",
    "register_import",
    "write_error_report",
    "write_template",
]
