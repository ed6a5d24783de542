"""The member-transaction import (成员交易导入): one XLSX sheet or CSV file of one cooperative, one row per transaction.

    transactions_import(user=…, cooperative=…, path=…)  → TransactionImportResult, or raises ImportRejected
                                                            and writes nothing

The file is read safely and streamed by the register import's reader (size, type, encoding, zip bombs, merged
cells, hidden sheets); every row is checked by the same rules as a single entry (domain/transactions.py) — a fast
path for the common clean row, the detailed check for anything else (checking.py) — and duplicates within the file
and against the cooperative's recorded transactions (one query) are refused. Clean rows are written with COPY /
executemany in batches inside one transaction (writing.py), which is rolled back if any row anywhere is wrong: all
or nothing. The wages and land rent paid to household members become the households' income lines
(distribution.services.income) by one INSERT … SELECT over the rows just written, in the same transaction.
Transactions change no coverage figure, so no rollup is touched (as with a single entry).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Cooperative
from tongzhou.core.errors import ImportRejected
from tongzhou.core.money import format_yuan
from tongzhou.distribution.services.income import income_from_transactions, last_transaction_id
from tongzhou.households.register_import import staging
from tongzhou.households.register_import.checking import (
    MAX_REPORTED_ERRORS,
    ErrorList,
    header_rejected,
    match_header,
    too_many_rows,
)
from tongzhou.households.register_import.columns import header_lookup
from tongzhou.households.register_import.reading import error_entry, file_rejected, open_rows
from tongzhou.ledger.services.auto import TransactionTotals, transaction_summary_vouchers
from tongzhou.regions.scope import require_write

from . import writing
from .checking import AMOUNT_FEN, KIND, MEMBER_ID, NAME, ON, SOURCE_KEY, YEAR, MemberBook, RowChecker
from .columns import COLUMN_ORDER, COLUMNS

BATCH_ROWS = 5000
WHOLE_ROW = "整行 row"


@dataclass(frozen=True)
class TransactionImportResult:
    rows: int
    member_transactions: int
    non_member_transactions: int
    amount_fen: int
    dry_run: bool = False
    income_lines: int = 0  # household income lines written (wages, land rent paid to household members)

    def summary(self) -> str:
        prefix = "试运行（未写入）/ dry run (nothing written): " if self.dry_run else ""
        return (
            f"{prefix}{self.rows} 行 rows; 成员交易 {self.member_transactions} member transactions, "
            f"非成员交易 {self.non_member_transactions} non-member transactions; "
            f"金额合计 {format_yuan(self.amount_fen)} in all; "
            f"农户收入 {self.income_lines} 条 household income lines."
        )


def transactions_import(
    *,
    user,
    cooperative: Cooperative,
    path: pathlib.Path,
    file_name: str | None = None,
    dry_run: bool = False,
    via: str = "cli",
    progress: Callable[[int], None] | None = None,
) -> TransactionImportResult:
    """Import a cooperative's transactions for `user`: any error anywhere rejects the whole file unwritten."""
    path = pathlib.Path(path)
    require_write(user, cooperative.region_code)
    with staging.tuned(), transaction.atomic():
        cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
        # With the cooperative locked, its rows above this id are the ones this import writes.
        before = last_transaction_id()
        run = _Import(user=user, cooperative=cooperative, progress=progress)
        result = run.run(path, file_name or path.name, dry_run=dry_run)
        # Wages and land rent paid to household members: their income lines, one statement for the whole file.
        income_lines = income_from_transactions(after_id=before, cooperative_id=cooperative.pk)
        result = dataclasses.replace(result, income_lines=income_lines)
        # The books: one summary voucher per month, in this transaction (a dry run rolls them back too, so a
        # closed month shows up there as well).
        transaction_summary_vouchers(
            cooperative=cooperative,
            user=user,
            totals=run.voucher_totals(),
            source=f"coops.TransactionImport:{cooperative.pk}:{timezone.now():%Y%m%d%H%M%S}",
            label=f"导入成员交易 {file_name or path.name}"[:150],
            via=via,
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_record(
                user=user,
                action="transaction.import",
                obj=cooperative,
                region_code=cooperative.region_code,
                via=via,
                details={
                    "file_name": file_name or path.name,
                    "rows": result.rows,
                    "member_transactions": result.member_transactions,
                    "non_member_transactions": result.non_member_transactions,
                    "amount_fen": result.amount_fen,
                    "income_lines": result.income_lines,
                },
            )
    return result


class _Import:
    """One run over one file: header, rows (fast path, else the detailed check), duplicates, batched writes."""

    def __init__(self, *, user, cooperative: Cooperative, progress: Callable[[int], None] | None) -> None:
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.cooperative = cooperative
        self.progress = progress
        self.errors = ErrorList()
        self.database_duplicates = 0
        self.counts = {"member": 0, "non_member": 0, "amount_fen": 0}
        # (year, month, kind, member id, non-member name) → [amount in fen, latest ISO date]: for the vouchers
        self.totals: dict[tuple, list] = {}

    def run(self, path: pathlib.Path, file_name: str, *, dry_run: bool) -> TransactionImportResult:
        max_rows = settings.TONGZHOU_IMPORT_MAX_ROWS
        progress = self.progress
        errors = self.errors
        rows = 0
        with open_rows(path, file_name) as source:
            index, shown = _read_header(source.headers)
            check = RowChecker(
                cooperative=self.cooperative,
                members=MemberBook(self.cooperative),
                index=index,
                shown=shown,
                width=len(source.headers),
                check_formulas=source.kind == "xlsx",
                errors=errors,
                created_by_id=self.user.pk if self.user is not None else None,
                created_at=writing.created_at(),
            ).check
            # Duplicates: the first row of each source key in the file, and the keys already recorded.
            seen: dict[str, int] = {}
            recorded = writing.recorded_keys(self.cooperative.pk)
            batch: list[tuple] = []
            for row_no, cells in source.rows:
                rows += 1
                if rows > max_rows:
                    raise too_many_rows(max_rows, row_no)
                if progress is not None and rows % 1000 == 0:
                    progress(1000)
                row = check(row_no, cells)
                if row is None:
                    continue
                key = row[SOURCE_KEY]
                first = seen.setdefault(key, row_no)
                if first != row_no:
                    errors.add(
                        error_entry(
                            row_no,
                            WHOLE_ROW,
                            "",
                            f"与第{first}行重复：同一笔交易在文件中出现两次。",
                            f"Duplicate of row {first}: the same transaction appears twice in the file.",
                            "duplicate_in_file",
                        )
                    )
                elif key in recorded:
                    self.database_duplicates += 1
                    errors.add(
                        error_entry(
                            row_no,
                            WHOLE_ROW,
                            "",
                            "重复：该交易已经记录过（此文件可能已经导入过）。",
                            "Duplicate: this transaction is already recorded "
                            "(the file may have been imported before).",
                            "duplicate_in_database",
                        )
                    )
                elif not errors.count:
                    # Rows are written as the file streams; any later error rolls them back with the transaction.
                    batch.append(row)
                    if len(batch) >= BATCH_ROWS:
                        self._write(batch)
                        batch = []
            self._write(batch)
            if progress is not None and rows % 1000:
                progress(rows % 1000)
        if rows == 0:
            raise file_rejected("no_rows", "文件中没有数据行。", "The file has no data rows.", row=2)
        if errors.count:
            raise self._rejected(rows)
        return TransactionImportResult(
            rows=rows,
            member_transactions=self.counts["member"],
            non_member_transactions=self.counts["non_member"],
            amount_fen=self.counts["amount_fen"],
            dry_run=dry_run,
        )

    def _write(self, batch: list[tuple]) -> None:
        """Write a batch of clean rows, unless an error has been found (the file will be rejected anyway)."""
        if not batch or self.errors.count:
            return
        try:
            writing.write(batch)
        except IntegrityError:
            # Only a source key recorded meanwhile by another cooperative could get here (the cooperative is locked).
            raise ImportRejected(
                "导入被拒绝：有交易与已记录的交易重复，未写入任何数据。",
                "The import was rejected: a transaction duplicates one already recorded; nothing was written.",
                details={"errors": [], "error_count": 1, "duplicates_in_database": 1},
            ) from None
        totals = self.totals
        for row in batch:
            on = row[ON]
            key = (row[YEAR], on[5:7], row[KIND], row[MEMBER_ID], row[NAME])
            had = totals.get(key)
            if had is None:
                totals[key] = [row[AMOUNT_FEN], on]
            else:
                had[0] += row[AMOUNT_FEN]
                if on > had[1]:
                    had[1] = on
        members = sum(1 for row in batch if row[MEMBER_ID] is not None)
        self.counts["member"] += members
        self.counts["non_member"] += len(batch) - members
        self.counts["amount_fen"] += sum(row[AMOUNT_FEN] for row in batch)

    def voucher_totals(self) -> TransactionTotals:
        """The written rows' totals per month, kind and party, as the ledger's summary vouchers take them."""
        return {
            (year, int(month), kind, member_id, name): (amount, dt.date.fromisoformat(on))
            for (year, month, kind, member_id, name), (amount, on) in self.totals.items()
        }

    def _rejected(self, rows: int) -> ImportRejected:
        found = sorted(self.errors.kept, key=_error_order)[:MAX_REPORTED_ERRORS]
        total = self.errors.count
        zh = f"导入被拒绝：发现 {total:,} 处错误，未写入任何数据。"
        en = f"The import was rejected: {total:,} errors were found and nothing was written."
        if self.database_duplicates:
            zh += f"其中 {self.database_duplicates:,} 行与已记录的交易重复（此文件可能已经导入过）。"
            en += (
                f" {self.database_duplicates:,} rows duplicate transactions already recorded "
                "(the file may have been imported before)."
            )
        return ImportRejected(
            zh,
            en,
            details={
                "errors": found,
                "error_count": total,
                "rows": rows,
                "duplicates_in_database": self.database_duplicates,
            },
        )


def _read_header(headers: list[Any]) -> tuple[dict[str, int], dict[str, str]]:
    """Map each known column key to its index; refuse unknown, duplicated or missing columns."""
    index, shown, _unnamed, errors = match_header(headers, COLUMNS, header_lookup(COLUMNS))
    if not any(k in index for k in ("member_id_number", "member_number", "counterparty_name")):
        errors.add(
            error_entry(
                1,
                COLUMNS[0].header,
                "",
                "缺少“成员身份证号码”“成员编号”或“非成员名称”列。",
                "A column naming the party is missing: member ID number, member number or non-member name.",
                "missing_column",
            )
        )
    if errors.count:
        raise header_rejected(errors)
    return index, shown


def _error_order(error: dict) -> tuple[int, int, str]:
    """Errors in row order, and within a row in the template's column order."""
    return error["row"], COLUMN_ORDER.get(error["column"], len(COLUMN_ORDER)), error["column"]


__all__ = ["COLUMNS", "TransactionImportResult", "transactions_import"]
