"""The share import (股份认购导入): one XLSX sheet or CSV file of one cooperative, one row per subscription.

    shares_import(user=…, cooperative=…, path=…)  → ShareImportResult, or raises ImportRejected and writes nothing
    write_template(path, fmt)                     the empty file with its headers (XLSX: and a sheet 说明)

Every row is checked first, with a few set-based reads (the members, the share classes, the subscriptions already
recorded), by the rules of `share_subscribe` (an active member, a date on or after joining and in an open year,
units, reason) and for duplicates in the file and against the ledger. Only when no row anywhere is wrong are the
entries written, with one bulk insert, one coverage refresh and one audit event: the same ledger rows and figures as
`share_subscribe` row by row, all or nothing.
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
from tongzhou.coops.members_import.sheet import WHOLE_ROW, Sheet, first_seen, write_columns_template
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
from tongzhou.coops.services.shares import _check_date
from tongzhou.core.errors import InvalidInput
from tongzhou.core.ids import normalise_resident_id, parse_resident_id, validate_uscc
from tongzhou.core.money import format_yuan
from tongzhou.households.domain import clean_text, parse_choice, parse_date
from tongzhou.households.models import Person
from tongzhou.ledger.services.auto import post_operation_vouchers, share_entry_operation
from tongzhou.regions.scope import require_write
from tongzhou.rollups.coverage import coop_figures_refresh

from .columns import COLUMNS, FIELD_TO_KEY

MAX_REASON = 200
BATCH_ROWS = 1000
LOOKUP_CHUNK = 2000  # values per IN (…) list, far below every database's limit on query parameters


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
    units_centi: int
    on: dt.date
    reason: str

    @property
    def amount_fen(self) -> int:
        return domain.subscription_amount_fen(self.units_centi, self.share_class.unit_value_fen)


def write_template(path: pathlib.Path, fmt: str = "xlsx") -> None:
    """The empty share import file: its headers, and in XLSX a sheet 说明 describing every column."""
    write_columns_template(path, fmt, COLUMNS, "股份认购 shares")


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
        amount = _write(user, cooperative, subscriptions, via)
        result = ShareImportResult(
            rows=len(rows), subscriptions=len(subscriptions), amount_fen=amount, dry_run=dry_run
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            coop_figures_refresh(village_codes=[cooperative.region_code])
            audit_record(
                user=user,
                action="share.import",
                obj=cooperative,
                region_code=cooperative.region_code,
                via=via,
                details={
                    "file_name": file_name,
                    "rows": result.rows,
                    "subscriptions": result.subscriptions,
                    "units_centi": sum(s.units_centi for s in subscriptions),
                    "amount_fen": amount,
                },
            )
    return result


def _write(user, cooperative: Cooperative, subscriptions: list[_Subscription], via: str) -> int:
    """Insert the checked subscriptions as share_subscribe would, with their posted vouchers (one per entry, bulk
    inserted, numbered in date order); the capital subscribed in all."""
    created_by = user if getattr(user, "is_authenticated", False) else None
    entries = [
        ShareEntry(
            cooperative=cooperative,
            member=s.member,
            share_class=s.share_class,
            entry_type=EntryType.SUBSCRIPTION,
            on=s.on,
            units_centi=s.units_centi,
            amount_fen=s.amount_fen,
            reason=s.reason,
            village_code=s.member.village_code,
            county_code=cooperative.county_code,
            created_by=created_by,
        )
        for s in subscriptions
    ]
    ShareEntry.objects.bulk_create(entries, batch_size=BATCH_ROWS)
    post_operation_vouchers(
        cooperative=cooperative, user=user, operations=[share_entry_operation(e) for e in entries], via=via
    )
    return sum(e.amount_fen for e in entries)


def _rejected(sheet: Sheet, rows: int, recorded: int):
    if not recorded:
        return sheet.rejected(rows)
    return sheet.rejected(
        rows,
        extra_zh=f"其中 {recorded:,} 行与已记录的认购重复（此文件可能已经导入过）。",
        extra_en=f" {recorded:,} rows duplicate subscriptions already recorded (the file may have been imported before).",
    )


def _chunks(values: set[Any]) -> list[list[Any]]:
    ordered = sorted(values)
    return [ordered[i : i + LOOKUP_CHUNK] for i in range(0, len(ordered), LOOKUP_CHUNK)]


class _Members:
    """The cooperative's live members, locked as share_subscribe locks its member, found by the ID number of
    anyone of a member household or by the credit code of a member organisation or cooperative."""

    def __init__(self, cooperative: Cooperative, numbers: set[str], codes: set[str]) -> None:
        live = (
            Member.objects.select_for_update(of=("self",))
            .filter(cooperative=cooperative, status__in=LIVE_STATUSES)
            .select_related("member_cooperative")
            .order_by("pk")
        )
        by_household: dict[int, Member] = {}
        self.by_code: dict[str, Member] = {}
        for m in live:
            # The active membership wins over an application or an exit notice of the same party.
            if m.household_id is not None:
                if m.household_id not in by_household or m.status == MemberStatus.ACTIVE:
                    by_household[m.household_id] = m
                continue
            code = m.organisation_credit_code or (
                m.member_cooperative.credit_code if m.member_cooperative else ""
            )
            if code in codes and (code not in self.by_code or m.status == MemberStatus.ACTIVE):
                self.by_code[code] = m
        self.by_id_number: dict[str, Member] = {}
        households = Member.objects.filter(
            cooperative=cooperative, status__in=LIVE_STATUSES, household__isnull=False
        ).values("household_id")
        for chunk in _chunks(numbers):
            for id_number, household_id in Person.objects.filter(
                id_number__in=chunk, household_id__in=households
            ).values_list("id_number", "household_id"):
                self.by_id_number[id_number] = by_household[household_id]


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
    numbers = {normalise_resident_id(clean_text(v.get("id_number"))) for _, v in rows} - {""}
    codes = {clean_text(v.get("credit_code")).upper() for _, v in rows} - {""}
    members = _Members(cooperative, numbers, codes)
    classes = {c.kind: c for c in ShareClass.objects.filter(cooperative=cooperative)}
    candidates = [
        s for row_no, values in rows if (s := _row(sheet, cooperative, row_no, values, members, classes))
    ]
    ledger = _recorded(cooperative, candidates)
    seen: dict[tuple, int] = {}
    recorded = 0
    subscriptions: list[_Subscription] = []
    for s in candidates:
        key = (s.member.pk, s.share_class.pk, s.on, s.units_centi, s.reason)
        first = first_seen(seen, key, s.row_no)
        if first is not None:
            sheet.error(
                s.row_no,
                WHOLE_ROW,
                "",
                f"与第{first}行重复：同一笔认购在文件中出现两次。",
                f"Duplicate of row {first}: the same subscription appears twice in the file.",
                "duplicate_in_file",
            )
            continue
        if key in ledger:
            recorded += 1
            sheet.error(
                s.row_no,
                WHOLE_ROW,
                "",
                "重复：该认购已经记录过（此文件可能已经导入过）。",
                "Duplicate: this subscription is already recorded (the file may have been imported before).",
                "duplicate_in_database",
            )
            continue
        subscriptions.append(s)
    return subscriptions, recorded


def _row(
    sheet: Sheet,
    cooperative: Cooperative,
    row_no: int,
    values: dict[str, Any],
    members: _Members,
    classes: dict[str, ShareClass],
) -> _Subscription | None:
    """One row checked on its own by share_subscribe's rules; None when anything in it is wrong."""
    member = _member(sheet, row_no, values, members)
    share_class = _share_class(sheet, row_no, values, classes)
    units_centi = on = reason = None
    try:
        units_centi = domain.parse_units(_units(values.get("units")))
    except InvalidInput as exc:
        sheet.error(row_no, "units", values.get("units"), exc.message_zh, exc.message_en, exc.code)
    try:
        on = parse_date(values.get("on"))
        if on is None:
            sheet.error(row_no, "on", "", "日期必填。", "The date is required.", "required")
        else:
            on = _check_date(cooperative, on)
    except InvalidInput as exc:
        sheet.service_error(row_no, exc, values, FIELD_TO_KEY, "on")
        on = None
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
    if member is not None and member.status != MemberStatus.ACTIVE:
        key = "id_number" if member.household_id else "credit_code"
        sheet.error(
            row_no,
            key,
            values.get(key),
            "只有在册成员才能认购股份。",
            "Only an active member may subscribe shares.",
            "member_not_active",
        )
        member = None
    if member is not None and on is not None and member.joined_on and on < member.joined_on:
        sheet.error(
            row_no,
            "on",
            values.get("on"),
            "认购日期早于入社日期。",
            "The subscription is dated before the member joined.",
            "before_joining",
        )
        on = None
    if member is None or share_class is None or units_centi is None or on is None or reason is None:
        return None
    return _Subscription(row_no, values, member, share_class, units_centi, on, reason)


def _recorded(cooperative: Cooperative, candidates: list[_Subscription]) -> set[tuple]:
    """The (member, class, date, units, reason) of the subscriptions already in the ledger among `candidates`'."""
    found: set[tuple] = set()
    days = {s.on for s in candidates}
    for chunk in _chunks({s.member.pk for s in candidates}):
        entries = ShareEntry.objects.filter(
            cooperative=cooperative, entry_type=EntryType.SUBSCRIPTION, member_id__in=chunk
        )
        if len(days) <= LOOKUP_CHUNK:
            entries = entries.filter(on__in=sorted(days))
        found.update(entries.values_list("member_id", "share_class_id", "on", "units_centi", "reason"))
    return found


def _member(sheet: Sheet, row_no: int, values: dict[str, Any], members: _Members) -> Member | None:
    """The live member a row names: by the ID number of anyone of a member household, or by a credit code."""
    text = clean_text(values.get("id_number"))
    code = clean_text(values.get("credit_code")).upper()
    if text and code:
        sheet.error(
            row_no,
            "credit_code",
            values.get("credit_code"),
            "身份证号码与统一社会信用代码只填一个。",
            "Give the ID number or the credit code, not both.",
            "one_member",
        )
        return None
    if code:
        try:
            validate_uscc(code)
        except InvalidInput as exc:
            sheet.error(
                row_no, "credit_code", values.get("credit_code"), exc.message_zh, exc.message_en, exc.code
            )
            return None
        member = members.by_code.get(code)
        if member is None:
            sheet.error(
                row_no,
                "credit_code",
                values.get("credit_code"),
                "该统一社会信用代码不属于本合作社的任何单位或合作社成员。",
                "This credit code belongs to no organisation or cooperative member of this cooperative.",
                "not_a_member",
            )
        return member
    if not text:
        sheet.error(
            row_no,
            "id_number",
            "",
            "身份证号码必填（单位、合作社成员填统一社会信用代码）。",
            "The ID number is required (the credit code for an organisation or a cooperative member).",
            "required",
        )
        return None
    number = normalise_resident_id(text)
    try:
        parse_resident_id(number)
    except InvalidInput as exc:
        sheet.error(row_no, "id_number", text, exc.message_zh, exc.message_en, exc.code)
        return None
    member = members.by_id_number.get(number)
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


__all__ = ["COLUMNS", "ShareImportResult", "shares_import", "write_template"]
