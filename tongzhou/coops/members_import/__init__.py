"""The member import (成员导入): one XLSX sheet or CSV file of one cooperative, one row per applicant household.

    members_import(user=…, cooperative=…, path=…)  → MemberImportResult, or raises ImportRejected and writes nothing

Every row is checked first (ID number in the register of the cooperative's region, dates, no live membership
already, no household twice); then each row goes through the membership services (member_apply, and
member_approve when a join date is given) inside one transaction, so Art. 20 and the village rule are the
services' own. A refusal on any row rolls back every row and is reported with its row number: all or nothing.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tongzhou.accounts.services import audit_record
from tongzhou.coops.models import Cooperative, Member
from tongzhou.coops.services.membership import LIVE_STATUSES, member_apply, member_approve
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.core.ids import normalise_resident_id, parse_resident_id
from tongzhou.households.domain import clean_text, parse_bool, parse_date
from tongzhou.households.models import Person
from tongzhou.regions.scope import code_prefix_q, require_write

from .columns import COLUMNS, FIELD_TO_KEY
from .sheet import Sheet, first_seen

MAX_NOTES = 200


@dataclass(frozen=True)
class MemberImportResult:
    rows: int
    applied: int
    admitted: int
    dry_run: bool = False

    def summary(self) -> str:
        prefix = "试运行（未写入）/ dry run (nothing written): " if self.dry_run else ""
        return (
            f"{prefix}{self.rows} 行 rows; 批准入社 {self.admitted} members admitted, "
            f"登记申请 {self.applied} applications recorded."
        )


@dataclass(frozen=True)
class _Applicant:
    row_no: int
    values: dict[str, Any]
    person: Person
    applied_on: dt.date
    joined_on: dt.date | None
    is_village_cadre: bool
    notes: str


def members_import(
    *,
    user,
    cooperative: Cooperative,
    path: pathlib.Path,
    file_name: str | None = None,
    dry_run: bool = False,
    via: str = "cli",
    progress: Callable[[int], None] | None = None,
) -> MemberImportResult:
    """Import a cooperative's members for `user`: any error anywhere rejects the whole file unwritten."""
    path = pathlib.Path(path)
    file_name = file_name or path.name
    require_write(user, cooperative.region_code)
    with transaction.atomic():
        cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
        sheet = Sheet(COLUMNS)
        rows = sheet.read(path, file_name, progress)
        applicants = _check(sheet, cooperative, rows)
        if sheet.errors.count:
            raise sheet.rejected(len(rows))
        admitted = 0
        for a in applicants:
            try:
                member = member_apply(
                    user=user,
                    cooperative=cooperative,
                    applied_on=a.applied_on,
                    household=a.person.household,
                    person=a.person,
                    is_village_cadre=a.is_village_cadre,
                    notes=a.notes,
                    via=via,
                )
                if a.joined_on is not None:
                    member_approve(user=user, member=member, joined_on=a.joined_on, via=via)
                    admitted += 1
            except (InvalidInput, Conflict) as exc:
                # The service's savepoint rolled its own row back; the raise below rolls back the rest.
                sheet.service_error(a.row_no, exc, a.values, FIELD_TO_KEY, "id_number")
        if sheet.errors.count:
            raise sheet.rejected(len(rows))
        result = MemberImportResult(
            rows=len(rows), applied=len(applicants) - admitted, admitted=admitted, dry_run=dry_run
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit_record(
                user=user,
                action="member.import",
                obj=cooperative,
                region_code=cooperative.region_code,
                via=via,
                details={"file_name": file_name, "rows": result.rows, "admitted": admitted},
            )
    return result


def _check(
    sheet: Sheet, cooperative: Cooperative, rows: list[tuple[int, dict[str, Any]]]
) -> list[_Applicant]:
    """Check every row against the register and the cooperative's members; the clean rows as applicants."""
    numbers = {normalise_resident_id(clean_text(v["id_number"])) for _, v in rows}
    persons = {
        p.id_number: p
        for p in Person.objects.filter(id_number__in=numbers)
        .filter(code_prefix_q("village_code", cooperative.region_code))
        .select_related("household")
    }
    live = {
        m.household_id: m
        for m in Member.objects.filter(
            cooperative=cooperative, status__in=LIVE_STATUSES, household__isnull=False
        )
    }
    seen_ids: dict[str, int] = {}
    seen_households: dict[int, int] = {}
    applicants: list[_Applicant] = []
    for row_no, values in rows:
        person = _person(
            sheet,
            row_no,
            values,
            region=cooperative.region_code,
            persons=persons,
            seen_ids=seen_ids,
            seen_households=seen_households,
            live=live,
        )
        dates = _dates(sheet, row_no, values)
        cadre, notes = _flags(sheet, row_no, values)
        if person is not None and dates is not None and cadre is not None and notes is not None:
            applicants.append(_Applicant(row_no, values, person, dates[0], dates[1], cadre, notes))
    return applicants


def _person(
    sheet: Sheet,
    row_no: int,
    values: dict[str, Any],
    *,
    region: str,
    persons: dict[str, Person],
    seen_ids: dict[str, int],
    seen_households: dict[int, int],
    live: dict[int, Member],
) -> Person | None:
    """The registered person a row names, if they may apply: in the region, once in the file, not yet a member."""
    text = clean_text(values["id_number"])
    if not text:
        sheet.error(row_no, "id_number", "", "身份证号码必填。", "The ID number is required.", "required")
        return None
    number = normalise_resident_id(text)
    try:
        parse_resident_id(number)
    except InvalidInput as exc:
        sheet.error(row_no, "id_number", text, exc.message_zh, exc.message_en, exc.code)
        return None
    first = first_seen(seen_ids, number, row_no)
    if first is not None:
        sheet.error(
            row_no,
            "id_number",
            text,
            f"与第{first}行重复：同一人在文件中出现两次。",
            f"Duplicate of row {first}: the same person appears twice in the file.",
            "duplicate_in_file",
        )
        return None
    person = persons.get(number)
    if person is None:
        sheet.error(
            row_no,
            "id_number",
            text,
            f"本社所在地区（{region}）的农户档案中没有这个身份证号码。",
            "No one with this ID number is in the register within the cooperative's region.",
            "not_in_register",
        )
        return None
    first = first_seen(seen_households, person.household_id, row_no)
    if first is not None:
        sheet.error(
            row_no,
            "id_number",
            text,
            f"与第{first}行是同一户：一户只能入社一次。",
            f"Same household as row {first}: a household joins once.",
            "duplicate_household_in_file",
        )
        return None
    member = live.get(person.household_id)
    if member is not None:
        sheet.error(
            row_no,
            "id_number",
            text,
            f"“{member.display_name}”户已是本社成员或已申请入社（{member.get_status_display()}）。",
            f"The household of {member.display_name} is already a member or has applied ({member.status}).",
            "duplicate_membership",
        )
        return None
    return person


def _dates(sheet: Sheet, row_no: int, values: dict[str, Any]) -> tuple[dt.date, dt.date | None] | None:
    parsed: dict[str, dt.date | None] = {}
    bad = False
    for key in ("applied_on", "joined_on"):
        try:
            parsed[key] = parse_date(values.get(key))
        except InvalidInput as exc:
            sheet.error(row_no, key, values.get(key), exc.message_zh, exc.message_en, exc.code)
            bad = True
    if bad:
        return None
    applied, joined = parsed["applied_on"], parsed["joined_on"]
    if applied is None:
        sheet.error(
            row_no, "applied_on", "", "申请日期必填。", "The application date is required.", "required"
        )
        return None
    if joined is not None and joined < applied:
        sheet.error(
            row_no,
            "joined_on",
            values.get("joined_on"),
            "入社日期不能早于申请日期。",
            "The join date cannot be before the application.",
            "joined_before_applied",
        )
        return None
    return applied, joined


def _flags(sheet: Sheet, row_no: int, values: dict[str, Any]) -> tuple[bool | None, str | None]:
    try:
        cadre: bool | None = parse_bool(values.get("is_village_cadre"))
    except InvalidInput as exc:
        sheet.error(
            row_no,
            "is_village_cadre",
            values.get("is_village_cadre"),
            exc.message_zh,
            exc.message_en,
            exc.code,
        )
        cadre = None
    notes: str | None = clean_text(values.get("notes"))
    if notes is not None and len(notes) > MAX_NOTES:
        sheet.error(
            row_no,
            "notes",
            notes,
            f"备注最多{MAX_NOTES}字。",
            f"Notes have at most {MAX_NOTES} characters.",
            "too_long",
        )
        notes = None
    return cadre, notes


__all__ = ["COLUMNS", "MemberImportResult", "members_import"]
