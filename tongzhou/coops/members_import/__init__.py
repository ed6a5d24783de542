"""The member import (成员导入): one XLSX sheet or CSV file of one cooperative, one row per applicant — a household,
an organisation (enterprise, public institution or social organisation, Art. 19–20) or a cooperative (the members
of a township union are the village cooperatives and the village collective).

    members_import(user=…, cooperative=…, path=…)  → MemberImportResult, or raises ImportRejected and writes nothing
    write_template(path, fmt)                      the empty file with its headers (XLSX: and a sheet 说明)

Every row is checked in file order, with a few set-based reads (the register, the cooperatives named by credit
code, the live members), by the membership service's own rules: its party checks (`_household_party`,
`_organisation_party`, `_cooperative_party`) and Art. 20's composition as each admission changes it. Only when no
row anywhere is wrong are the members written, with one bulk insert, one coverage refresh and one audit event:
the same rows, figures and refusals as `member_apply` (+ `member_approve`) row by row, all or nothing.
"""

from __future__ import annotations

import datetime as dt
import pathlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from tongzhou.accounts.services import audit_record
from tongzhou.coops.domain.membership import check_admission
from tongzhou.coops.models import Cooperative, LegalForm, Member, MemberKind, MemberStatus
from tongzhou.coops.services.membership import (
    LIVE_STATUSES,
    _composition,
    _cooperative_party,
    _follows_art_20,
    _household_party,
    _organisation_party,
)
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.core.ids import normalise_resident_id, parse_resident_id, validate_uscc
from tongzhou.households.domain import clean_text, parse_bool, parse_choice, parse_date
from tongzhou.households.models import Person
from tongzhou.regions.scope import code_prefix_q, require_write
from tongzhou.rollups.coverage import coop_figures_refresh

from .columns import COLUMNS, FIELD_TO_KEY
from .sheet import Sheet, first_seen, write_columns_template

MAX_NOTES = 200
BATCH_ROWS = 1000
LOOKUP_CHUNK = 2000  # values per IN (…) list, far below every database's limit on query parameters
# Short spellings of the member kinds people write, besides the codes and the labels parse_choice knows.
KIND_ALIASES = {
    "单位": MemberKind.ORGANISATION,
    "企业": MemberKind.ORGANISATION,
    "事业单位": MemberKind.ORGANISATION,
    "社会组织": MemberKind.ORGANISATION,
    "单位成员": MemberKind.ORGANISATION,
    "村集体": MemberKind.COLLECTIVE,
    "集体经济组织": MemberKind.COLLECTIVE,
    "农民专业合作社": MemberKind.COOPERATIVE,
}


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
    party: dict[str, Any]  # the Member fields that name the party, as the service's _…_party builds them
    applied_on: dt.date
    joined_on: dt.date | None
    is_village_cadre: bool
    notes: str

    @property
    def is_farmer(self) -> bool:
        return self.party["kind"] == MemberKind.HOUSEHOLD


def write_template(path: pathlib.Path, fmt: str = "xlsx") -> None:
    """The empty member import file: its headers, and in XLSX a sheet 说明 describing every column."""
    write_columns_template(path, fmt, COLUMNS, "成员 members")


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
        applicants = _Check(sheet, cooperative, rows).applicants()
        if sheet.errors.count:
            raise sheet.rejected(len(rows))
        _write(user, cooperative, applicants)
        admitted = sum(1 for a in applicants if a.joined_on is not None)
        result = MemberImportResult(
            rows=len(rows), applied=len(applicants) - admitted, admitted=admitted, dry_run=dry_run
        )
        if dry_run:
            transaction.set_rollback(True)
        else:
            coop_figures_refresh(village_codes=[cooperative.region_code])
            by_kind: dict[str, int] = {}
            for a in applicants:
                by_kind[a.party["kind"]] = by_kind.get(a.party["kind"], 0) + 1
            audit_record(
                user=user,
                action="member.import",
                obj=cooperative,
                region_code=cooperative.region_code,
                via=via,
                details={
                    "file_name": file_name,
                    "rows": result.rows,
                    "admitted": admitted,
                    "applied": result.applied,
                    "by_kind": by_kind,
                },
            )
    return result


def _write(user, cooperative: Cooperative, applicants: list[_Applicant]) -> None:
    """Insert the checked applicants as member_apply (+ member_approve when a join date is given) would."""
    approver = user if getattr(user, "is_authenticated", False) else None
    members = [
        Member(
            cooperative=cooperative,
            is_farmer=a.is_farmer,
            is_village_cadre=a.is_village_cadre,
            status=MemberStatus.APPLIED if a.joined_on is None else MemberStatus.ACTIVE,
            applied_on=a.applied_on,
            joined_on=a.joined_on,
            approved_by=None if a.joined_on is None else approver,
            notes=a.notes,
            **a.party,
        )
        for a in applicants
    ]
    try:
        with transaction.atomic():
            Member.objects.bulk_create(members, batch_size=BATCH_ROWS)
    except IntegrityError:
        # Only a concurrent write could get here: every row was checked against the live members under lock.
        raise Conflict(
            "已是本社成员或已申请入社。",
            "Already a member of this cooperative or has applied.",
            code="duplicate_membership",
        ) from None


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    values = sorted(values)
    for i in range(0, len(values), LOOKUP_CHUNK):
        yield values[i : i + LOOKUP_CHUNK]


def _normalised_code(value: Any) -> str:
    return clean_text(value).upper()


class _Check:
    """Every row of one file against the register, the cooperatives, the live members and Art. 20, in file
    order; each row passing every check becomes an applicant, each failing one leaves its errors in the sheet."""

    def __init__(
        self, sheet: Sheet, cooperative: Cooperative, rows: list[tuple[int, dict[str, Any]]]
    ) -> None:
        self.sheet = sheet
        self.cooperative = cooperative
        self.rows = rows
        numbers = {normalise_resident_id(clean_text(v.get("id_number"))) for _, v in rows} - {""}
        self.persons: dict[str, Person] = {}
        for chunk in _chunks(numbers):
            self.persons.update(
                (p.id_number, p)
                for p in Person.objects.filter(id_number__in=chunk)
                .filter(code_prefix_q("village_code", cooperative.region_code))
                .select_related("household")
            )
        codes = {_normalised_code(v.get("credit_code")) for _, v in rows} - {""}
        self.cooperatives: dict[str, Cooperative] = {}
        for chunk in _chunks(codes):
            self.cooperatives.update(
                (c.credit_code, c) for c in Cooperative.objects.filter(credit_code__in=chunk)
            )
        self.live_households: dict[int, Member] = {}
        self.live_codes: dict[str, Member] = {}
        self.live_cooperatives: dict[int, Member] = {}
        for m in Member.objects.filter(cooperative=cooperative, status__in=LIVE_STATUSES).order_by("pk"):
            if m.household_id is not None:
                self.live_households.setdefault(m.household_id, m)
            if m.member_cooperative_id is not None:
                self.live_cooperatives.setdefault(m.member_cooperative_id, m)
            if m.organisation_credit_code:
                self.live_codes.setdefault(m.organisation_credit_code, m)
        self.seen_ids: dict[str, int] = {}
        self.seen_households: dict[int, int] = {}
        self.seen_units: dict[Any, int] = {}
        self.composition = _composition(cooperative) if _follows_art_20(cooperative) else None

    def applicants(self) -> list[_Applicant]:
        found: list[_Applicant] = []
        for row_no, values in self.rows:
            party = self._party(row_no, values)
            dates = self._dates(row_no, values)
            cadre, notes = _flags(self.sheet, row_no, values)
            if party is None or dates is None or cadre is None or notes is None:
                continue
            if cadre and party["kind"] != MemberKind.HOUSEHOLD:
                self.sheet.error(
                    row_no,
                    "is_village_cadre",
                    values.get("is_village_cadre"),
                    "只有农户成员可以标为村两委干部。",
                    "Only a household member can be marked as a village cadre.",
                    "cadre_kind",
                )
                continue
            applicant = _Applicant(row_no, party, dates[0], dates[1], cadre, notes)
            if self._composition_allows(applicant, values):
                found.append(applicant)
        return found

    def _composition_allows(self, a: _Applicant, values: dict[str, Any]) -> bool:
        """Art. 20 as the services apply it: checked at application and again at approval against the members
        (active or under exit notice) at that moment; only an admission changes the composition."""
        if self.composition is None:
            return True
        try:
            after = check_admission(
                self.composition,
                is_farmer=a.is_farmer,
                is_organisation=a.party["kind"] == MemberKind.ORGANISATION,
            )
        except InvalidInput as exc:
            key = "id_number" if a.is_farmer else "credit_code"
            self.sheet.error(a.row_no, key, values.get(key), exc.message_zh, exc.message_en, exc.code)
            return False
        if a.joined_on is not None:
            self.composition = after
        return True

    # ---- who applies -----------------------------------------------------------------------------------------

    def _party(self, row_no: int, values: dict[str, Any]) -> dict[str, Any] | None:
        """The Member fields naming the party of a row, if it may apply; else None with the row's errors."""
        sheet = self.sheet
        id_text = clean_text(values.get("id_number"))
        code = _normalised_code(values.get("credit_code"))
        name = clean_text(values.get("organisation_name"))
        kind = self._kind(row_no, values, id_text, code)
        if kind is None:
            return None
        if kind == MemberKind.HOUSEHOLD:
            extra = "credit_code" if code else "organisation_name" if name else None
            if extra is not None:
                sheet.error(
                    row_no,
                    extra,
                    values.get(extra),
                    "农户成员只填身份证号码，不填单位名称和统一社会信用代码。",
                    "A household is named by an ID number only, without an organisation name or credit code.",
                    "one_applicant",
                )
                return None
            person = self._person(row_no, values)
            if person is None:
                return None
            return self._service_party(
                row_no, values, _household_party, self.cooperative, person.household, person
            )
        if id_text:
            sheet.error(
                row_no,
                "id_number",
                id_text,
                "单位、合作社成员不填身份证号码。",
                "An organisation or a cooperative is named by its credit code, without an ID number.",
                "one_applicant",
            )
            return None
        if kind == MemberKind.ORGANISATION:
            party = self._service_party(row_no, values, _organisation_party, self.cooperative, name, code)
            if party is None or not self._new_unit(row_no, values, party["organisation_credit_code"]):
                return None
            existing = self.live_codes.get(party["organisation_credit_code"])
        else:
            other = self._cooperative(row_no, values, kind, code, name)
            if other is None:
                return None
            party = self._service_party(row_no, values, _cooperative_party, self.cooperative, other)
            if party is None or not self._new_unit(row_no, values, ("cooperative", other.pk)):
                return None
            existing = self.live_cooperatives.get(other.pk)
        if existing is not None:
            sheet.error(
                row_no,
                "credit_code",
                values.get("credit_code"),
                f"“{existing.display_name}”已是本社成员或已申请入社（{existing.get_status_display()}）。",
                f"{existing.display_name} is already a member of this cooperative or has applied "
                f"({existing.status}).",
                "duplicate_membership",
            )
            return None
        return party

    def _kind(self, row_no: int, values: dict[str, Any], id_text: str, code: str) -> str | None:
        """The member kind a row states, or the one its filled columns imply."""
        raw = clean_text(values.get("member_kind"))
        if raw:
            try:
                return KIND_ALIASES.get(raw) or parse_choice(raw, MemberKind)
            except InvalidInput as exc:
                self.sheet.error(row_no, "member_kind", raw, exc.message_zh, exc.message_en, exc.code)
                return None
        if id_text:
            return MemberKind.HOUSEHOLD
        if code:
            other = self.cooperatives.get(code)
            if other is None:
                return MemberKind.ORGANISATION
            return _cooperative_kind(other)
        self.sheet.error(
            row_no,
            "id_number",
            "",
            "请填写身份证号码（农户成员）或统一社会信用代码（单位、合作社成员）。",
            "Give an ID number (a household member) or a credit code (an organisation or a cooperative).",
            "required",
        )
        return None

    def _service_party(self, row_no: int, values: dict[str, Any], build, *args) -> dict[str, Any] | None:
        try:
            return build(*args)
        except InvalidInput as exc:
            self.sheet.service_error(row_no, exc, values, FIELD_TO_KEY, "credit_code")
            return None

    def _cooperative(
        self, row_no: int, values: dict[str, Any], kind: str, code: str, name: str
    ) -> Cooperative | None:
        """The cooperative (or village collective) a row names by its credit code, agreeing with the row."""
        sheet = self.sheet
        raw = values.get("credit_code")
        if not code:
            sheet.error(
                row_no,
                "credit_code",
                "",
                "合作社成员须填统一社会信用代码。",
                "A cooperative member is named by its credit code.",
                "required",
            )
            return None
        try:
            validate_uscc(code)
        except InvalidInput as exc:
            sheet.error(row_no, "credit_code", raw, exc.message_zh, exc.message_en, exc.code)
            return None
        other = self.cooperatives.get(code)
        if other is None:
            sheet.error(
                row_no,
                "credit_code",
                raw,
                "系统中没有这个统一社会信用代码的合作社或村集体经济组织；单位成员请在成员类型中填“单位”。",
                "No cooperative or village collective with this credit code is in the system; for an "
                "organisation member say 单位 (organisation) as the member kind.",
                "not_a_cooperative",
            )
            return None
        if _cooperative_kind(other) != kind:
            sheet.error(
                row_no,
                "member_kind",
                values.get("member_kind"),
                f"“{other.name}”是{other.get_legal_form_display()}，成员类型应为"
                f"{MemberKind(_cooperative_kind(other)).label}。",
                f"{other.name} is a {other.legal_form}: its member kind is {_cooperative_kind(other)}.",
                "kind_mismatch",
            )
            return None
        if name and name != other.name:
            sheet.error(
                row_no,
                "organisation_name",
                name,
                f"名称与统一社会信用代码不符：该代码是“{other.name}”。",
                f"The name does not match the credit code, which is {other.name}'s.",
                "name_mismatch",
            )
            return None
        return other

    def _new_unit(self, row_no: int, values: dict[str, Any], key: Any) -> bool:
        first = first_seen(self.seen_units, key, row_no)
        if first is None:
            return True
        self.sheet.error(
            row_no,
            "credit_code",
            values.get("credit_code"),
            f"与第{first}行重复：同一单位在文件中出现两次。",
            f"Duplicate of row {first}: the same organisation appears twice in the file.",
            "duplicate_in_file",
        )
        return False

    def _person(self, row_no: int, values: dict[str, Any]) -> Person | None:
        return _person(
            self.sheet,
            row_no,
            values,
            region=self.cooperative.region_code,
            persons=self.persons,
            seen_ids=self.seen_ids,
            seen_households=self.seen_households,
            live=self.live_households,
        )

    def _dates(self, row_no: int, values: dict[str, Any]) -> tuple[dt.date, dt.date | None] | None:
        dates = _dates(self.sheet, row_no, values)
        if dates is not None and dates[0] < self.cooperative.founded_on:
            self.sheet.error(
                row_no,
                "applied_on",
                values.get("applied_on"),
                "申请日期不能早于合作社成立日期。",
                "An application cannot be dated before the cooperative was founded.",
                "before_founding",
            )
            return None
        return dates


def _cooperative_kind(other: Cooperative) -> str:
    collective = other.legal_form == LegalForm.COLLECTIVE_ORGANISATION
    return MemberKind.COLLECTIVE if collective else MemberKind.COOPERATIVE


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


__all__ = ["COLUMNS", "MemberImportResult", "members_import", "write_template"]
