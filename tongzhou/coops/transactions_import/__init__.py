"""The member-transaction import (成员交易导入): one XLSX sheet or CSV file of one cooperative, one row per transaction.

    transactions_import(user=…, cooperative=…, path=…)  → TransactionImportResult, or raises ImportRejected
                                                            and writes nothing

The file is read safely and streamed by the register import's reader (size, type, encoding, zip bombs, merged
cells, hidden sheets); every row is checked by the same rules as a single entry (domain/transactions.py), and
duplicates within the file and against the recorded transactions are refused. Clean rows are written in batches
inside one transaction, which is rolled back if any row anywhere is wrong: all or nothing.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from tongzhou.accounts.services import audit_record
from tongzhou.coops.domain import transactions as domain
from tongzhou.coops.models import Cooperative, Member, MemberTransaction
from tongzhou.coops.services.transactions import LIVE_STATUSES, member_refusal, transaction_village_code
from tongzhou.core.errors import ImportRejected, InvalidInput
from tongzhou.core.ids import normalise_resident_id, parse_resident_id
from tongzhou.core.money import format_yuan
from tongzhou.households.domain import clean_text
from tongzhou.households.models import Person
from tongzhou.households.register_import.checking import (
    MAX_REPORTED_ERRORS,
    ErrorList,
    header_rejected,
    match_header,
    too_many_rows,
)
from tongzhou.households.register_import.columns import header_lookup
from tongzhou.households.register_import.reading import error_entry, file_rejected, is_formula, open_rows
from tongzhou.regions.scope import require_write

from .columns import BY_KEY, COLUMN_ORDER, COLUMNS, FIELD_TO_KEY

BATCH_ROWS = 2000
WHOLE_ROW = "整行 row"


@dataclass(frozen=True)
class TransactionImportResult:
    rows: int
    member_transactions: int
    non_member_transactions: int
    amount_fen: int
    dry_run: bool = False

    def summary(self) -> str:
        prefix = "试运行（未写入）/ dry run (nothing written): " if self.dry_run else ""
        return (
            f"{prefix}{self.rows} 行 rows; 成员交易 {self.member_transactions} member transactions, "
            f"非成员交易 {self.non_member_transactions} non-member transactions; "
            f"金额合计 {format_yuan(self.amount_fen)} in all."
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
    with transaction.atomic():
        cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
        result = _Import(user=user, cooperative=cooperative, progress=progress).run(
            path, file_name or path.name, dry_run=dry_run
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
                },
            )
    return result


class _Import:
    """One run over one file: header, rows, duplicate checks and batched writes."""

    def __init__(self, *, user, cooperative: Cooperative, progress: Callable[[int], None] | None) -> None:
        self.user = user if getattr(user, "is_authenticated", False) else None
        self.cooperative = cooperative
        self.progress = progress
        self.errors = ErrorList()
        self.database_duplicates = 0
        self.seen: dict[str, int] = {}
        self.batch: list[tuple[int, MemberTransaction]] = []
        self.members, self.by_id_number = _load_members(cooperative)
        self.counts = {"member": 0, "non_member": 0, "amount_fen": 0}

    def run(self, path: pathlib.Path, file_name: str, *, dry_run: bool) -> TransactionImportResult:
        max_rows = settings.TONGZHOU_IMPORT_MAX_ROWS
        rows = 0
        with open_rows(path, file_name) as source:
            self.index, self.shown = _read_header(source.headers)
            check_formulas = source.kind == "xlsx"
            for row_no, cells in source.rows:
                rows += 1
                if rows > max_rows:
                    raise too_many_rows(max_rows, row_no)
                row = self._check(row_no, cells, check_formulas)
                if row is not None:
                    self.batch.append((row_no, row))
                    if len(self.batch) >= BATCH_ROWS:
                        self._flush()
                if self.progress is not None and rows % 1000 == 0:
                    self.progress(1000)
            self._flush()
            if self.progress is not None and rows % 1000:
                self.progress(rows % 1000)
        if rows == 0:
            raise file_rejected("no_rows", "文件中没有数据行。", "The file has no data rows.", row=2)
        if self.errors.count:
            raise self._rejected(rows)
        return TransactionImportResult(
            rows=rows,
            member_transactions=self.counts["member"],
            non_member_transactions=self.counts["non_member"],
            amount_fen=self.counts["amount_fen"],
            dry_run=dry_run,
        )

    # -- one row ---------------------------------------------------------------------------------------------

    def _cell(self, cells: list[Any], key: str) -> Any:
        i = self.index.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    def _error(self, row: int, key: str, value: Any, zh: str, en: str, code: str) -> None:
        column = self.shown.get(key) or (BY_KEY[key].header if key in BY_KEY else key)
        self.errors.add(error_entry(row, column, value, zh, en, code))

    def _check(self, row_no: int, cells: list[Any], check_formulas: bool) -> MemberTransaction | None:
        if check_formulas:
            formulas = [k for k, i in self.index.items() if i < len(cells) and is_formula(cells[i])]
            for key in formulas:
                self._error(
                    row_no,
                    key,
                    self._cell(cells, key),
                    "单元格含有公式；请粘贴为数值后再导入。",
                    "The cell holds a formula; paste it as a value first.",
                    "formula",
                )
            if formulas:
                return None
        data = {
            "kind": self._cell(cells, "kind"),
            "on": self._cell(cells, "date"),
            "product": self._cell(cells, "product"),
            "grade": self._cell(cells, "grade"),
            "quantity": self._cell(cells, "quantity"),
            "unit": self._cell(cells, "unit"),
            "unit_price": self._cell(cells, "unit_price"),
            "amount": self._cell(cells, "amount"),
        }
        bad = False
        try:
            checked = domain.parse_transaction(data, closed_through_year=self.cooperative.closed_through_year)
        except InvalidInput as exc:
            for name, e in exc.details["fields"].items():
                key = FIELD_TO_KEY.get(name, name)
                self._error(row_no, key, data.get(name), e["message_zh"], e["message_en"], e["code"])
            checked = None
            bad = True
        member, name, party_bad = self._party(row_no, cells)
        if bad or party_bad or checked is None:
            return None
        if member is not None:
            refusal = member_refusal(member, cooperative_id=self.cooperative.pk, on=checked.on)
            if refusal is not None:
                code, zh, en = refusal
                key = (
                    "member_id_number"
                    if clean_text(self._cell(cells, "member_id_number"))
                    else "member_number"
                )
                self._error(row_no, key, self._member_cell(cells), f"{member.display_name}：{zh}", en, code)
                return None
        key = domain.source_key(
            cooperative_id=self.cooperative.pk,
            member_key=domain.member_key(member_id=member.pk if member else None, counterparty_name=name),
            kind=checked.kind,
            on=checked.on,
            product=checked.product,
            grade=checked.grade,
            quantity=checked.quantity,
            unit_price_fen=checked.unit_price_fen,
            amount_fen=checked.amount_fen,
        )
        first = self.seen.get(key)
        if first is not None:
            self.errors.add(
                error_entry(
                    row_no,
                    WHOLE_ROW,
                    "",
                    f"与第{first}行重复：同一笔交易在文件中出现两次。",
                    f"Duplicate of row {first}: the same transaction appears twice in the file.",
                    "duplicate_in_file",
                )
            )
            return None
        self.seen[key] = row_no
        return MemberTransaction(
            cooperative=self.cooperative,
            member=member,
            is_member=member is not None,
            counterparty_name=name,
            kind=checked.kind,
            on=checked.on,
            year=checked.year,
            product=checked.product,
            grade=checked.grade,
            quantity=checked.quantity,
            unit=checked.unit,
            unit_price_fen=checked.unit_price_fen,
            amount_fen=checked.amount_fen,
            source_key=key,
            village_code=transaction_village_code(self.cooperative, member),
            county_code=self.cooperative.county_code,
            created_by=self.user,
        )

    def _member_cell(self, cells: list[Any]) -> Any:
        return clean_text(self._cell(cells, "member_id_number")) or clean_text(
            self._cell(cells, "member_number")
        )

    def _party(self, row_no: int, cells: list[Any]) -> tuple[Member | None, str, bool]:
        """The member (by ID number or member number) or the non-member name of a row; (member, name, bad)."""
        id_text = clean_text(self._cell(cells, "member_id_number"))
        number_text = clean_text(self._cell(cells, "member_number"))
        name_raw = self._cell(cells, "counterparty_name")
        try:
            name = domain.parse_text(name_raw, "counterparty_name")
        except InvalidInput as exc:
            self._error(row_no, "counterparty_name", name_raw, exc.message_zh, exc.message_en, exc.code)
            return None, "", True
        if not (id_text or number_text or name):
            key = "member_id_number" if "member_id_number" in self.index else "counterparty_name"
            self._error(
                row_no,
                key,
                "",
                "请填写成员身份证号码或成员编号；非成员交易请填写非成员名称。",
                "Give the member's ID number or member number, or the non-member's name.",
                "required",
            )
            return None, "", True
        if name and (id_text or number_text):
            self._error(
                row_no,
                "counterparty_name",
                name,
                "成员交易不应填写非成员名称；二者只能填一。",
                "A row names either a member or a non-member, not both.",
                "member_and_non_member",
            )
            return None, "", True
        if name:
            return None, name, False
        found: list[Member] = []
        if id_text:
            member = self._by_id_number(row_no, id_text)
            if member is None:
                return None, "", True
            found.append(member)
        if number_text:
            member = self._by_number(row_no, number_text)
            if member is None:
                return None, "", True
            found.append(member)
        if len({m.pk for m in found}) > 1:
            self._error(
                row_no,
                "member_number",
                number_text,
                "成员编号与成员身份证号码指向不同的成员。",
                "The member number and the ID number name different members.",
                "member_mismatch",
            )
            return None, "", True
        return found[0], "", False

    def _by_id_number(self, row_no: int, text: str) -> Member | None:
        number = normalise_resident_id(text)
        try:
            parse_resident_id(number)
        except InvalidInput as exc:
            self._error(row_no, "member_id_number", text, exc.message_zh, exc.message_en, exc.code)
            return None
        member_ids = self.by_id_number.get(number, [])
        members = [self.members[i] for i in member_ids]
        if not members:
            self._error(
                row_no,
                "member_id_number",
                text,
                "该身份证号码不属于本合作社的任何成员户。",
                "This ID number belongs to no member household of this cooperative.",
                "not_a_member",
            )
            return None
        live = [m for m in members if m.status in LIVE_STATUSES]
        return (live or sorted(members, key=lambda m: m.pk))[-1]

    def _by_number(self, row_no: int, text: str) -> Member | None:
        member = self.members.get(int(text)) if text.isdigit() else None
        if member is None:
            self._error(
                row_no,
                "member_number",
                text,
                "本合作社没有这个成员编号。",
                "This cooperative has no member with this number.",
                "not_a_member",
            )
        return member

    # -- duplicates against the database, and the batched write ------------------------------------------------

    def _flush(self) -> None:
        if not self.batch:
            return
        keys = [row.source_key for _, row in self.batch]
        recorded = set(
            MemberTransaction.objects.filter(source_key__in=keys).values_list("source_key", flat=True)
        )
        for row_no, row in self.batch:
            if row.source_key in recorded:
                self.database_duplicates += 1
                self.errors.add(
                    error_entry(
                        row_no,
                        WHOLE_ROW,
                        "",
                        "重复：该交易已经记录过（此文件可能已经导入过）。",
                        "Duplicate: this transaction is already recorded (the file may have been imported before).",
                        "duplicate_in_database",
                    )
                )
        if not self.errors.count:
            # Rows are written as the file streams; any later error rolls them back with the transaction.
            MemberTransaction.objects.bulk_create([row for _, row in self.batch], batch_size=BATCH_ROWS)
            for _, row in self.batch:
                self.counts["member" if row.is_member else "non_member"] += 1
                self.counts["amount_fen"] += row.amount_fen
        self.batch = []

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


def _load_members(cooperative: Cooperative) -> tuple[dict[int, Member], dict[str, list[int]]]:
    """The cooperative's members by id, and by the ID number of the holder and of every person of the household."""
    members = {m.pk: m for m in Member.objects.filter(cooperative=cooperative)}
    by_household: dict[int, list[int]] = {}
    by_person: dict[int, list[int]] = {}
    for m in members.values():
        if m.household_id is not None:
            by_household.setdefault(m.household_id, []).append(m.pk)
        if m.person_id is not None:
            by_person.setdefault(m.person_id, []).append(m.pk)
    by_id_number: dict[str, list[int]] = {}
    persons = Person.objects.filter(household__memberships__cooperative=cooperative).values_list(
        "id", "id_number", "household_id"
    )
    holders = Person.objects.filter(memberships__cooperative=cooperative).values_list(
        "id", "id_number", "household_id"
    )
    for person_id, id_number, household_id in {*persons, *holders}:
        ids = by_id_number.setdefault(id_number, [])
        for member_id in (*by_household.get(household_id, ()), *by_person.get(person_id, ())):
            if member_id not in ids:
                ids.append(member_id)
    return members, by_id_number


def _error_order(error: dict) -> tuple[int, int, str]:
    """Errors in row order, and within a row in the template's column order."""
    return error["row"], COLUMN_ORDER.get(error["column"], len(COLUMN_ORDER)), error["column"]


__all__ = ["COLUMNS", "TransactionImportResult", "transactions_import"]
