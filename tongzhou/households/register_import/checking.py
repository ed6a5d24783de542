"""Pass 1 of the register import: check every cell of every row, and hand the clean rows to the staging table.

Row-level rules (formats, GB 11643 cross-checks, known village, write scope, group) are checked here in Python
while the file streams; rules across rows (the same ID twice, a household without a head, …) are checked in SQL
over the staging table (see staging.py), so the process holds no per-row state whatever the file's size.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable
from typing import Any

from tongzhou.core.errors import ImportRejected, InvalidInput
from tongzhou.core.ids import _ID_RE, resident_id_check_char
from tongzhou.households import domain
from tongzhou.households.models import Disability, Health, LabourCapacity, Relation
from tongzhou.regions.models import Region
from tongzhou.regions.scope import Access

from .columns import (
    BY_KEY,
    COLUMNS,
    HOUSEHOLD_KEYS,
    Column,
    fold_header,
    header_lookup,
)
from .reading import error_entry, file_rejected, is_formula

MAX_REPORTED_ERRORS = 1000

# The staging row, in this order (staging.py creates the table with these columns).
STAGING_COLUMNS = (
    "row_no", "village_code", "county_code", "number", "is_head",
    "group_code", "address", "phone", "reg_year", "exit_year", "land_centi", "notes",
    "name", "id_number", "birth_date", "sex", "relation", "ethnicity", "labour", "migrant", "destination",
    "disability", "health",
)  # fmt: skip


class ErrorList:
    """Keeps the first errors (in row order, as the file streams) and counts them all."""

    def __init__(self, limit: int = MAX_REPORTED_ERRORS) -> None:
        self.limit = limit
        self.kept: list[dict] = []
        self.count = 0

    def add(self, entry: dict) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(entry)


def match_header(
    headers: list[Any], columns: tuple[Column, ...], lookup: dict[str, str]
) -> tuple[dict[str, int], dict[str, str], list[int], ErrorList]:
    """Map each known column key of a file format to its index; collect unknown, duplicated and missing columns.

    Shared by every import (register, members, shares, transactions): returns the index, the header as written,
    the positions of unnamed columns and the header errors.
    """
    index: dict[str, int] = {}
    shown: dict[str, str] = {}
    unnamed: list[int] = []
    errors = ErrorList()
    for i, cell in enumerate(headers):
        text = domain.clean_text(cell)
        if not text:
            unnamed.append(i)
            continue
        key = lookup.get(fold_header(text))
        if key is None:
            errors.add(
                error_entry(
                    1, text, text, f"未知的列“{text}”。", f"Unknown column “{text}”.", "unknown_column"
                )
            )
        elif key in index:
            errors.add(
                error_entry(
                    1,
                    text,
                    text,
                    f"列“{text}”重复。",
                    f"The column “{text}” appears twice.",
                    "duplicate_column",
                )
            )
        else:
            index[key] = i
            shown[key] = text
    for col in columns:
        if col.required and col.key not in index:
            errors.add(
                error_entry(
                    1,
                    col.header,
                    "",
                    f"缺少必需的列“{col.header}”。",
                    f"The required column “{col.header}” ({col.key}) is missing.",
                    "missing_column",
                )
            )
    return index, shown, unnamed, errors


def header_rejected(errors: ErrorList) -> ImportRejected:
    """The whole file refused because its header row is wrong; nothing was read past it."""
    return ImportRejected(
        f"文件未导入：表头有 {errors.count} 处错误。",
        f"The file was not imported: {errors.count} problems in the header row.",
        details={"errors": errors.kept, "error_count": errors.count},
    )


def read_header(headers: list[Any]) -> tuple[dict[str, int], dict[str, str], list[int]]:
    """Map each register column key to its index; refuse unknown, duplicated or missing columns."""
    index, shown, unnamed, errors = match_header(headers, COLUMNS, header_lookup(COLUMNS))
    if errors.count:
        raise header_rejected(errors)
    return index, shown, unnamed


class RowChecker:
    """Checks one row at a time; returns the staging tuple of a clean row, or None after recording its errors."""

    def __init__(
        self,
        *,
        access: Access,
        index: dict[str, int],
        shown: dict[str, str],
        unnamed: list[int],
        check_formulas: bool,
        errors: ErrorList,
    ) -> None:
        self.access = access
        self.index = index
        self.shown = shown
        self.unnamed = unnamed
        self.check_formulas = check_formulas
        self.errors = errors
        self._villages: dict[str, bool] = {}
        self._groups: dict[str, bool] = {}
        self._fast = self._make_fast()

    # -- helpers ---------------------------------------------------------------------------------------------

    def _cell(self, cells: list[Any], key: str) -> Any:
        i = self.index.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    def _error(self, row: int, key: str, value: Any, zh: str, en: str, code: str) -> None:
        column = self.shown.get(key) or (BY_KEY[key].header if key in BY_KEY else key)
        self.errors.add(error_entry(row, column, value, zh, en, code))

    def _take(self, row: int, key: str, value: Any, parse: Callable[[], Any], bad: list[bool]) -> Any:
        try:
            return parse()
        except InvalidInput as exc:
            self._error(row, key, value, exc.message_zh, exc.message_en, exc.code)
            bad.append(True)
            return None

    def _village_known(self, code: str) -> bool:
        if code not in self._villages:
            self._villages[code] = Region.objects.filter(code=code, level="village").exists()
        return self._villages[code]

    def _group_known(self, code: str) -> bool:
        if code not in self._groups:
            self._groups[code] = Region.objects.filter(code=code).exists()
        return self._groups[code]

    # -- the row ---------------------------------------------------------------------------------------------

    def check(self, row: int, cells: list[Any]) -> tuple | None:
        """The staging tuple of a clean row, or None after recording the row's errors."""
        fast = self._fast
        if fast is not None:
            clean = fast(row, cells)
            if clean is not None:
                return clean
        return self.check_detailed(row, cells)

    def check_detailed(self, row: int, cells: list[Any]) -> tuple | None:
        """Every rule, cell by cell, recording each error with its reason (the reference for the fast path)."""
        bad: list[bool] = []
        if self.check_formulas:
            for key, i in self.index.items():
                if i < len(cells) and is_formula(cells[i]):
                    self._error(
                        row,
                        key,
                        cells[i],
                        "单元格含有公式；请复制后“选择性粘贴为数值”再导入。",
                        "The cell holds a formula; paste it as values before importing.",
                        "formula",
                    )
                    bad.append(True)
            if bad:
                return None
        for i in self.unnamed:
            if i < len(cells) and domain.clean_text(cells[i]):
                self.errors.add(
                    error_entry(
                        row,
                        f"#{i + 1}",
                        cells[i],
                        f"第{i + 1}列没有表头，但填了内容。",
                        f"Column {i + 1} has no header but holds a value.",
                        "no_header",
                    )
                )
                bad.append(True)
        get = self._cell

        raw_village = get(cells, "village_code")
        village = self._take(
            row, "village_code", raw_village, lambda: domain.parse_village_code(raw_village), bad
        )
        if village is not None:
            if not self._village_known(village):
                self._error(
                    row,
                    "village_code",
                    village,
                    f"村代码 {village} 不存在。",
                    f"The village code {village} is unknown.",
                    "unknown_village",
                )
                bad.append(True)
                village = None
            elif not self.access.can_write(village):
                self._error(
                    row,
                    "village_code",
                    village,
                    f"您无权修改村 {village} 的登记数据。",
                    f"You are not allowed to change the register of village {village}.",
                    "forbidden",
                )
                bad.append(True)
                village = None

        raw_number = get(cells, "household_number")
        number = self._take(
            row, "household_number", raw_number, lambda: domain.parse_household_number(raw_number), bad
        )
        raw_name = get(cells, "name")
        name = self._take(row, "name", raw_name, lambda: domain.parse_name(raw_name), bad)

        raw_id, raw_birth, raw_sex = get(cells, "id_number"), get(cells, "birth_date"), get(cells, "sex")
        checked = None
        if isinstance(raw_id, float):
            self._error(
                row,
                "id_number",
                raw_id,
                "身份证号码被存成了数字，末几位已丢失；请把该列设为文本格式后重新填写。",
                "The ID number was stored as a number and lost its last digits; format the column as text.",
                "id_as_number",
            )
            bad.append(True)
        else:
            try:
                checked = domain.check_resident_id(raw_id, birth_value=raw_birth, sex_value=raw_sex)
            except InvalidInput as exc:
                key, value = "id_number", raw_id
                if exc.code in ("id_birth_date_mismatch", "date_format"):
                    key, value = "birth_date", raw_birth
                elif exc.code in ("id_sex_mismatch", "sex"):
                    key, value = "sex", raw_sex
                self._error(row, key, value, exc.message_zh, exc.message_en, exc.code)
                bad.append(True)

        raw_relation = get(cells, "relation")
        relation = self._take(
            row, "relation", raw_relation, lambda: domain.parse_choice(raw_relation, Relation), bad
        )
        ethnicity = self._take(
            row,
            "ethnicity",
            get(cells, "ethnicity"),
            lambda: domain.parse_ethnicity(get(cells, "ethnicity")),
            bad,
        )
        choices = {}
        for key, enum, default in (
            ("labour_capacity", LabourCapacity, LabourCapacity.ORDINARY),
            ("disability", Disability, Disability.NONE),
            ("health", Health, Health.HEALTHY),
        ):
            raw = get(cells, key)
            choices[key] = self._take(
                row, key, raw, lambda r=raw, e=enum, d=default: domain.parse_choice(r, e, default=d), bad
            )
        raw_migrant = get(cells, "migrant_worker")
        migrant = self._take(row, "migrant_worker", raw_migrant, lambda: domain.parse_bool(raw_migrant), bad)
        raw_dest = get(cells, "migrant_destination")
        destination = self._take(row, "migrant_destination", raw_dest, lambda: _limited(raw_dest, 100), bad)

        is_head = relation == Relation.HEAD
        household = self._household_cells(row, cells, village, is_head, bad)
        if bad:
            return None
        group, address, phone, reg_year, exit_year, land_centi, notes = household
        assert checked is not None
        return (
            row, village, village[:6], number, 1 if is_head else 0,
            group, address, phone, reg_year, exit_year, land_centi, notes,
            name, checked.resident.number, checked.birth_date.isoformat(), checked.sex, relation, ethnicity,
            choices["labour_capacity"], 1 if migrant else 0, destination, choices["disability"], choices["health"],
        )  # fmt: skip

    def _household_cells(
        self, row: int, cells: list[Any], village: str | None, is_head: bool, bad: list[bool]
    ) -> tuple:
        """The household values: all of them on the head's row; on other rows only the filled cells (else None)."""
        values: dict[str, Any] = {}
        for key in HOUSEHOLD_KEYS:
            raw = self._cell(cells, key)
            if not is_head and not domain.clean_text(raw):
                values[key] = None
                continue
            if key == "group":
                if village is None:
                    values[key] = None
                    continue
                group = self._take(row, key, raw, lambda r=raw: domain.parse_group_code(r, village), bad)
                if group and not self._group_known(group):
                    self._error(
                        row,
                        key,
                        raw,
                        f"村民组 {group} 不存在。",
                        f"The villager group {group} does not exist.",
                        "unknown_group",
                    )
                    bad.append(True)
                values[key] = group
            elif key == "address":
                values[key] = self._take(row, key, raw, lambda r=raw: _limited(r, 200), bad)
            elif key == "phone":
                values[key] = self._take(row, key, raw, lambda r=raw: domain.parse_phone(r), bad)
            elif key in ("poverty_registered_year", "poverty_exit_year"):
                values[key] = self._take(row, key, raw, lambda r=raw: domain.parse_year(r), bad)
            elif key == "contracted_land_mu":
                mu = self._take(row, key, raw, lambda r=raw: domain.parse_land_mu(r), bad)
                values[key] = None if mu is None else int(mu * 100)
            elif key == "household_notes":
                values[key] = domain.clean_text(raw)
        if is_head and not bad:
            try:
                domain.check_poverty_years(values["poverty_registered_year"], values["poverty_exit_year"])
            except InvalidInput as exc:
                raw = self._cell(cells, "poverty_exit_year")
                self._error(row, "poverty_exit_year", raw, exc.message_zh, exc.message_en, exc.code)
                bad.append(True)
        return tuple(values[k] for k in HOUSEHOLD_KEYS)

    # -- the fast path ---------------------------------------------------------------------------------------

    def _make_fast(self) -> Callable[[int, list[Any]], tuple | None] | None:
        """A checker for the common clean row, or None when the header does not allow one.

        It applies the same rules as check_detailed with plain string operations, dictionary look-ups and
        precompiled patterns, and returns exactly the staging tuple check_detailed would return. Whenever a cell
        is anything but plainly right (a non-text cell, a formula, an unknown spelling, a value out of range, an
        unknown village or group, …) it declines with None and check_detailed decides and words the errors.
        test_import_fast.py proves the two agree.
        """
        index = self.index
        keys = [c.key for c in COLUMNS]
        if any(k not in index for k in keys):
            return None
        positions = [index[k] for k in keys]
        need = max(positions) + 1
        take = operator.itemgetter(*positions)
        unnamed = tuple(self.unnamed)
        formulas = self.check_formulas
        village_ok: dict[str, bool] = {}
        group_ok: dict[str, bool] = {}
        births: dict[str, str] = {}  # YYYYMMDD of an ID → its ISO date (valid ones only: ~50,000 at most)
        # One "today" for the whole file. It can only lag the detailed path's date.today(), so at worst the fast
        # path declines a row dated today after midnight, and the detailed path then accepts it.
        today = dt.date.today()
        this_year = today.year
        relations = domain._choice_lookup(Relation)[0]
        labours = domain._choice_lookup(LabourCapacity)[0]
        disabilities = domain._choice_lookup(Disability)[0]
        healths = domain._choice_lookup(Health)[0]
        labour_default, disability_default, health_default = (
            LabourCapacity.ORDINARY,
            Disability.NONE,
            Health.HEALTHY,
        )
        head = Relation.HEAD
        ethnicities = domain.ETHNICITY_LOOKUP
        sexes = domain.SEX_LOOKUP
        bools = domain.BOOL_LOOKUP
        village_re = domain.VILLAGE_CODE_RE.fullmatch
        number_re = domain.HOUSEHOLD_NUMBER_RE.match
        group3_re = domain.GROUP_NUMBER_RE.fullmatch
        group15_re = domain.GROUP_CODE_RE.fullmatch
        phone_re = domain.PHONE_RE.match
        id_re = _ID_RE.match
        land_re = _LAND_RE.fullmatch
        earliest = domain.EARLIEST_POVERTY_YEAR
        date = dt.date

        def birth_iso(ymd: str) -> str | None:
            try:
                born = date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:]))
            except ValueError:
                return None
            if born > today or born.year < 1880:
                return None
            return born.isoformat()

        def village_writable(code: str) -> bool:
            return self._village_known(code) and self.access.can_write(code)

        def year(text: str) -> int | None | bool:
            """The year, None when empty, False when the detailed path must decide."""
            if not text:
                return None
            try:
                value = int(text)
            except ValueError:
                return False
            return value if earliest <= value <= this_year else False

        def fast(row: int, cells: list[Any]) -> tuple | None:  # noqa: C901 - one straight pass over the row
            if len(cells) < need:
                return None
            values = take(cells)
            if formulas:
                values = tuple("" if v is None else v for v in values)
                for v in values:
                    if type(v) is not str or v.startswith("="):
                        return None
            else:
                for v in values:
                    if type(v) is not str:
                        return None
            if unnamed:
                n_cells = len(cells)
                for i in unnamed:
                    if i < n_cells:
                        v = cells[i]
                        if v is not None and (type(v) is not str or v.strip()):
                            return None
            (village, group, number, address, phone, reg_year, exit_year, land, notes, name, id_number, birth,
             sex, relation, ethnicity, labour, migrant, destination, disability, health) = values  # fmt: skip

            village = village.strip()
            ok = village_ok.get(village)
            if ok is None:
                if not village_re(village):
                    return None
                ok = village_ok[village] = village_writable(village)
            if not ok:
                return None
            number = number.strip()
            if not number or not number_re(number):
                return None
            name = name.strip()
            if not name or len(name) > 50:
                return None

            id_number = id_number.strip().upper().replace(" ", "")
            if not id_number or not id_number.isascii() or not id_re(id_number):
                return None
            if resident_id_check_char(id_number[:17]) != id_number[17]:
                return None
            ymd = id_number[6:14]
            iso = births.get(ymd)
            if iso is None:
                iso = birth_iso(ymd)
                if iso is None:
                    return None
                births[ymd] = iso
            birth = birth.strip()
            if birth and birth != iso:
                return None  # another spelling of the date, or a mismatch: the detailed path decides
            id_sex = "M" if id_number[16] in "13579" else "F"
            sex = sex.strip()
            if sex and sexes.get(sex) != id_sex:
                return None

            relation = relation.strip()
            if not relation:
                return None
            relation = relations.get(relation) or relations.get(relation.lower())
            if relation is None:
                return None
            ethnicity = ethnicities.get(ethnicity.strip() or "汉族")
            if ethnicity is None:
                return None
            labour = labour.strip()
            if labour:
                labour = labours.get(labour) or labours.get(labour.lower())
                if labour is None:
                    return None
            else:
                labour = labour_default
            disability = disability.strip()
            if disability:
                disability = disabilities.get(disability) or disabilities.get(disability.lower())
                if disability is None:
                    return None
            else:
                disability = disability_default
            health = health.strip()
            if health:
                health = healths.get(health) or healths.get(health.lower())
                if health is None:
                    return None
            else:
                health = health_default
            migrant = bools.get(migrant.strip().lower())
            if migrant is None:
                return None
            destination = destination.strip()
            if len(destination) > 100:
                return None

            # Household cells: all of them on the head's row, only the filled ones on other rows (else None).
            is_head = relation == head
            empty = "" if is_head else None
            group = group.strip()
            if group:
                if group3_re(group):
                    group = village + group
                if not group15_re(group) or not group.startswith(village):
                    return None
                known = group_ok.get(group)
                if known is None:
                    known = group_ok[group] = self._group_known(group)
                if not known:
                    return None
            else:
                group = empty
            address = address.strip()
            if len(address) > 200:
                return None
            if not address:
                address = empty
            phone = phone.strip()
            if phone:
                phone = phone.replace(" ", "")
                if not phone_re(phone):
                    return None
            else:
                phone = empty
            reg_year = year(reg_year.strip())
            exit_year = year(exit_year.strip())
            if reg_year is False or exit_year is False:
                return None
            land = land.strip()
            if land:
                match = land_re(land)
                if match is None:
                    return None
                whole, cents = match.groups()
                land = int(whole) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
                if land > _MAX_LAND_CENTI:
                    return None
            else:
                land = 0 if is_head else None
            notes = notes.strip() or empty
            if is_head and exit_year is not None and (reg_year is None or exit_year < reg_year):
                return None
            return (
                row, village, village[:6], number, 1 if is_head else 0,
                group, address, phone, reg_year, exit_year, land, notes,
                name, id_number, iso, id_sex, relation, ethnicity, labour, 1 if migrant else 0, destination,
                disability, health,
            )  # fmt: skip

        return fast


# Contracted land as the fast path reads it: plain digits with at most two decimals (what Decimal would accept
# and keep, below the upper bound checked after); anything else goes to domain.parse_land_mu.
_LAND_RE = re.compile(r"([0-9]{1,8})(?:\.([0-9]{1,2}))?")
_MAX_LAND_CENTI = 99999999 * 100


def _limited(value: Any, length: int) -> str:
    text = domain.clean_text(value)
    if len(text) > length:
        raise domain.FieldError(
            f"内容过长（最多{length}字）。",
            f"Too long ({length} characters at most).",
            code="too_long",
            details={"value": text[:50]},
        )
    return text


def too_many_rows(limit: int, row: int) -> Exception:
    return file_rejected(
        "too_many_rows",
        f"文件的数据行超过上限 {limit:,} 行；请按乡镇或村拆分后分别导入。",
        f"The file has more than {limit:,} data rows; split it by township or village.",
        row=row,
    )
