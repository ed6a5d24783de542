"""The share import (股份认购导入): one XLSX sheet or CSV file of one cooperative, one row per subscription.

    shares_import(user=…, cooperative=…, path=…)  → ShareImportResult, or raises ImportRejected and writes nothing

Every row is checked first (member, share class, units, date, reason, duplicates in the file and against the
ledger); then each row is recorded by `share_subscribe` inside one transaction, so the ledger's rules are the
service's own. A refusal on any row rolls back every row and is reported with its row number: all or nothing.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from tongzhou.accounts.services import audit_record
from tongzhou.coops.domain import shares as domain
from tongzhou.coops.members_import.sheet import WHOLE_ROW, Sheet, first_seen
from tongzhou.coops.models import (
    Cooperative,
    EntryType,
    Member,
    MemberStatus,
    ShareClass,
    ShareClassKind,
    ShareEntry,
)
from tongzhou.coops.services.membership import LIVE_STATUSES
from tongzhou.coops.services.shares import share_subscribe
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.core.ids import normalise_resident_id, parse_resident_id
from tongzhou.core.money import format_yuan
from tongzhou.households.domain import clean_text, parse_choice, parse_date
from tongzhou.households.models import Person
from tongzhou.regions.scope import require_write

from .columns import COLUMNS, FIELD_TO_KEY

MAX_REASON = 200


@dataclass(frozen=True)
class ShareImportResult:
    rows: int
    subscriptions: int
    amount_fen: int
    dry_run: bool = False

    def summary(self) -> str:
        prefix = "试运行（未写入）/ dry run (nothing written): " if self.dry_run else ""
        return (
            f"{prefix}{self.rows} 行 rows; 认购 {self.subscriptions} subscriptions, "
            f"出资合计 {format_yuan(self.amount_fen)} in all."
        )


@dataclass(frozen=True)
class _Subscription:
    row_no: int
    values: dict[str, Any]
    member: Member
    share_class: ShareClass
    units: Decimal
    on: dt.date
    reason: str


def shares_import(
    *,
    user,
    cooperative: Cooperative,
    path: pathlib.Path,
    file_name: str | None = None,
    dry_run: bool = False,
    via: str = "cli",
    progress: Callable[[int], None] | None = None,
) -> ShareImportResult:
    """Import share subscriptions of a cooperative's members for `user`: any error rejects the whole file."""
    path = pathlib.Path(path)
    file_name = file_name or path.name
    require_write(user, cooperative.region_code)
    with transaction.atomic():
        cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
        sheet = Sheet(COLUMNS)
        rows = sheet.read(path, file_name, progress)
        subscriptions, recorded = _check(sheet, cooperative, rows)
        if sheet.errors.count:
            raise _rejected(sheet, len(rows), recorded)
        amount = 0
        for s in subscriptions:
            try:
                entry = share_subscribe(
                    user=user,
                    member=s.member,
                    share_class=s.share_class,
                    units=s.units,
                    on=s.on,
                    reason=s.reason,
                    via=via,
                )
                amount += entry.amount_fen
            except (InvalidInput, Conflict) as exc:
                sheet.service_error(s.row_no, exc, s.values, FIELD_TO_KEY, "id_number")
        if sheet.errors.count:
            raise _rejected(sheet, len(rows), 0)
        result = ShareImportResult(
            rows=len(rows), subscriptions=len(subscriptions), amount_fen=amount, dry_run=dry_run
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_record(
                user=user,
                action="share.import",
                obj=cooperative,
                region_code=cooperative.region_code,
                via=via,
                details={"file_name": file_name, "rows": result.rows, "amount_fen": amount},
            )
    return result


def _rejected(sheet: Sheet, rows: int, recorded: int):
    if not recorded:
        return sheet.rejected(rows)
    return sheet.rejected(
        rows,
        extra_zh=f"其中 {recorded:,} 行与已记录的认购重复（此文件可能已经导入过）。",
        extra_en=f" {recorded:,} rows duplicate subscriptions already recorded (the file may have been imported before).",
    )


def _members_by_id_number(cooperative: Cooperative, numbers: set[str]) -> dict[str, Member]:
    """The cooperative's live household member for each ID number: its holder or anyone of its household."""
    live = Member.objects.filter(cooperative=cooperative, status__in=LIVE_STATUSES, household__isnull=False)
    by_household: dict[int, Member] = {}
    for m in live.order_by("pk"):
        if m.household_id not in by_household or m.status == MemberStatus.ACTIVE:
            by_household[m.household_id] = m
    found: dict[str, Member] = {}
    for id_number, household_id in Person.objects.filter(
        id_number__in=numbers, household_id__in=list(by_household)
    ).values_list("id_number", "household_id"):
        found[id_number] = by_household[household_id]
    return found


def _units(value: Any) -> str | int | Decimal:
    """A units cell as the domain reads it: an Excel number becomes its decimal text, never a float."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return value
    return clean_text(value)


def _check(
    sheet: Sheet, cooperative: Cooperative, rows: list[tuple[int, dict[str, Any]]]
) -> tuple[list[_Subscription], int]:
    """Check every row; the clean rows as subscriptions, and how many were already in the ledger."""
    numbers = {normalise_resident_id(clean_text(v["id_number"])) for _, v in rows}
    members = _members_by_id_number(cooperative, numbers)
    classes = {c.kind: c for c in ShareClass.objects.filter(cooperative=cooperative)}
    seen: dict[tuple, int] = {}
    recorded = 0
    subscriptions: list[_Subscription] = []
    for row_no, values in rows:
        member = _member(sheet, row_no, values, members)
        share_class = _share_class(sheet, row_no, values, classes)
        units = on = reason = None
        try:
            units_given = _units(values.get("units"))
            units_centi = domain.parse_units(units_given)
            units = Decimal(units_centi) / 100
        except InvalidInput as exc:
            sheet.error(row_no, "units", values.get("units"), exc.message_zh, exc.message_en, exc.code)
        try:
            on = parse_date(values.get("on"))
            if on is None:
                sheet.error(row_no, "on", "", "日期必填。", "The date is required.", "required")
        except InvalidInput as exc:
            sheet.error(row_no, "on", values.get("on"), exc.message_zh, exc.message_en, exc.code)
        text = clean_text(values.get("reason"))
        if not text or len(text) > MAX_REASON:
            sheet.error(
                row_no,
                "reason",
                text,
                f"请填写事由，最多{MAX_REASON}字。",
                f"A reason is required, at most {MAX_REASON} characters.",
                "reason_required" if not text else "reason_too_long",
            )
        else:
            reason = text
        if member is None or share_class is None or units is None or on is None or reason is None:
            continue
        key = (member.pk, share_class.pk, on, units_centi, reason)
        first = first_seen(seen, key, row_no)
        if first is not None:
            sheet.error(
                row_no,
                WHOLE_ROW,
                "",
                f"与第{first}行重复：同一笔认购在文件中出现两次。",
                f"Duplicate of row {first}: the same subscription appears twice in the file.",
                "duplicate_in_file",
            )
            continue
        if ShareEntry.objects.filter(
            member=member,
            share_class=share_class,
            entry_type=EntryType.SUBSCRIPTION,
            on=on,
            units_centi=units_centi,
            reason=reason,
        ).exists():
            recorded += 1
            sheet.error(
                row_no,
                WHOLE_ROW,
                "",
                "重复：该认购已经记录过（此文件可能已经导入过）。",
                "Duplicate: this subscription is already recorded (the file may have been imported before).",
                "duplicate_in_database",
            )
            continue
        subscriptions.append(_Subscription(row_no, values, member, share_class, units, on, reason))
    return subscriptions, recorded


def _member(sheet: Sheet, row_no: int, values: dict[str, Any], members: dict[str, Member]) -> Member | None:
    text = clean_text(values.get("id_number"))
    if not text:
        sheet.error(row_no, "id_number", "", "身份证号码必填。", "The ID number is required.", "required")
        return None
    number = normalise_resident_id(text)
    try:
        parse_resident_id(number)
    except InvalidInput as exc:
        sheet.error(row_no, "id_number", text, exc.message_zh, exc.message_en, exc.code)
        return None
    member = members.get(number)
    if member is None:
        sheet.error(
            row_no,
            "id_number",
            text,
            "该身份证号码不属于本合作社的任何成员户。",
            "This ID number belongs to no member household of this cooperative.",
            "not_a_member",
        )
    return member


def _share_class(
    sheet: Sheet, row_no: int, values: dict[str, Any], classes: dict[str, ShareClass]
) -> ShareClass | None:
    raw = values.get("share_class")
    try:
        kind = parse_choice(raw, ShareClassKind)
    except InvalidInput as exc:
        sheet.error(row_no, "share_class", raw, exc.message_zh, exc.message_en, exc.code)
        return None
    share_class = classes.get(kind)
    if share_class is None:
        sheet.error(
            row_no,
            "share_class",
            raw,
            "本社没有设立该类股份。",
            "The cooperative has no share class of this kind.",
            "no_such_class",
        )
    return share_class


__all__ = ["COLUMNS", "ShareImportResult", "shares_import"]
