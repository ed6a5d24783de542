"""Checking one row of a transaction file: a fast path for the common clean row, and the detailed check.

`RowChecker.check(row_no, cells)` returns the row as it will be written to the transaction table (a tuple in
ROW_COLUMNS order), or None after recording the row's errors. The detailed check applies the single-entry rules
(domain.parse_transaction, the member look-up, services.member_refusal, domain.source_key) cell by cell and words
every error; the fast path applies the same rules with plain string operations and dictionary look-ups, and
declines (None) whenever a cell is anything but plainly right, so the detailed check then decides.
test_transactions_import_fast.py proves the two agree.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import operator
from collections.abc import Callable
from typing import Any

from django.db import connection

from tongzhou.coops.domain import transactions as domain
from tongzhou.coops.models import Cooperative, Member
from tongzhou.coops.services.transactions import (
    LIVE_STATUSES,
    _exited_with_date,
    member_refusal,
    transaction_village_code,
)
from tongzhou.core.errors import InvalidInput
from tongzhou.core.ids import normalise_resident_id, parse_resident_id
from tongzhou.households.domain import clean_text
from tongzhou.households.models import Person
from tongzhou.households.register_import.checking import ErrorList
from tongzhou.households.register_import.reading import error_entry, is_formula

from .columns import BY_KEY, FIELD_TO_KEY

# The row as written to the transaction table, in this order (writing.py inserts these columns).
ROW_COLUMNS = (
    "cooperative_id", "member_id", "is_member", "counterparty_name", "kind", "on", "year", "product", "grade",
    "quantity", "unit", "unit_price_fen", "amount_fen", "source_key", "village_code", "county_code",
    "created_by_id", "created_at",
)  # fmt: skip
MEMBER_ID, NAME, KIND, ON, YEAR, AMOUNT_FEN, SOURCE_KEY = 1, 3, 4, 5, 6, 12, 13
_MEMBER, _PERSON = Member._meta.db_table, Person._meta.db_table
# The largest amount the BigIntegerField holds; a larger product of quantity × price is refused, not overflowed.
MAX_FEN = 2**63 - 1


def _scaled(text: str, digits: int, decimals: int) -> int | None:
    """Plain decimal text (ASCII digits, at most `digits` before and `decimals` after the point) as an integer
    number of 10^-decimals, or None: what the fast path reads itself; anything else goes to the domain's parsers.
    Within these bounds a quantity or price stays below its column's limit."""
    if not text.isascii():
        return None
    whole, dot, frac = text.partition(".")
    if not whole.isdigit() or len(whole) > digits:
        return None
    if not dot:
        return int(whole) * 10**decimals
    if not frac.isdigit() or len(frac) > decimals:
        return None
    return int(whole + frac.ljust(decimals, "0"))


# The cells the fast path reads, in this order.
_FAST_KEYS = (
    "member_id_number", "member_number", "counterparty_name", "kind", "date", "product", "grade", "quantity",
    "unit", "unit_price", "amount",
)  # fmt: skip


class MemberBook:
    """The cooperative's members as the import looks them up: by member number and by the ID number of the holder
    or of anyone in the member household; their model instances are loaded only when the detailed check needs
    them (to word a refusal)."""

    def __init__(self, cooperative: Cooperative) -> None:
        self.cooperative = cooperative
        rows = Member.objects.filter(cooperative=cooperative).values_list(
            "pk", "status", "joined_on", "exit_effective_on", "village_code"
        )
        self.status: dict[int, str] = {}
        # member → the dates it may transact on as a member [joined_on, exit_effective_on), or None
        self.span: dict[int, tuple[dt.date, dt.date | None] | None] = {}
        self.village: dict[int, str] = {}
        fallback = transaction_village_code(cooperative, None)
        for pk, status, joined_on, exit_on, village_code in rows:
            self.status[pk] = status
            live = (status in LIVE_STATUSES or _exited_with_date(status, exit_on)) and joined_on is not None
            self.span[pk] = (joined_on, exit_on) if live else None
            self.village[pk] = village_code or fallback
        # ID number → the members it names: every person of a member household, and the person holding it.
        self.by_id_number: dict[str, list[int]] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT p.id_number, m.id FROM {_MEMBER} m JOIN {_PERSON} p ON p.household_id = m.household_id
                    WHERE m.cooperative_id = %s
                    UNION
                    SELECT p.id_number, m.id FROM {_MEMBER} m JOIN {_PERSON} p ON p.id = m.person_id
                    WHERE m.cooperative_id = %s""",
                [cooperative.pk, cooperative.pk],
            )
            for id_number, member_id in cursor.fetchall():
                self.by_id_number.setdefault(id_number, []).append(member_id)
        self._instances: dict[int, Member] | None = None

    def instance(self, pk: int) -> Member:
        if self._instances is None:
            self._instances = Member.objects.filter(cooperative=self.cooperative).in_bulk()
        return self._instances[pk]

    def chosen(self, member_ids: list[int]) -> int:
        """Of the members an ID number names, the live one (else the latest): the one a transaction belongs to."""
        live = [pk for pk in member_ids if self.status[pk] in LIVE_STATUSES]
        return max(live or member_ids)

    def fast_lookup(self) -> Callable[[str], int | None]:
        """A look-up of a clean ID number cell's text → the member the detailed look-up would find, or None.

        Each distinct text is checked once (valid and already normalised, as parse_resident_id and
        normalise_resident_id would have it) and remembered.
        """
        known: dict[str, int | None] = {}
        by_id_number = self.by_id_number

        def lookup(text: str) -> int | None:
            if text in known:
                return known[text]
            found = None
            member_ids = by_id_number.get(text)
            if member_ids and normalise_resident_id(text) == text:
                try:
                    parse_resident_id(text)
                except InvalidInput:
                    pass
                else:
                    found = self.chosen(member_ids)
            known[text] = found
            return found

        return lookup


class RowChecker:
    """Checks one row at a time; returns the table row of a clean row, or None after recording its errors."""

    def __init__(
        self,
        *,
        cooperative: Cooperative,
        members: MemberBook,
        index: dict[str, int],
        shown: dict[str, str],
        width: int,
        check_formulas: bool,
        errors: ErrorList,
        created_by_id: int | None,
        created_at: Any,
    ) -> None:
        self.cooperative = cooperative
        self.members = members
        self.index = index
        self.shown = shown
        self.width = width
        self.check_formulas = check_formulas
        self.errors = errors
        self.created_by_id = created_by_id
        self.created_at = created_at
        self._fast = self._make_fast()

    def check(self, row_no: int, cells: list[Any]) -> tuple | None:
        """The table row of a clean row, or None after recording the row's errors."""
        clean = self._fast(row_no, cells)
        if clean is not None:
            return clean
        return self.check_detailed(row_no, cells)

    # -- the detailed check ----------------------------------------------------------------------------------

    def _cell(self, cells: list[Any], key: str) -> Any:
        i = self.index.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    def _error(self, row: int, key: str, value: Any, zh: str, en: str, code: str) -> None:
        column = self.shown.get(key) or (BY_KEY[key].header if key in BY_KEY else key)
        self.errors.add(error_entry(row, column, value, zh, en, code))

    def _too_large(self, row_no: int, key: str, value: Any) -> None:
        """An amount or unit price in fen beyond what the table's column holds."""
        zh, en = ("单价", "unit price") if key == "unit_price" else ("金额", "amount")
        self._error(row_no, key, value, f"{zh}过大。", f"The {en} is too large.", "too_large")

    def check_detailed(self, row_no: int, cells: list[Any]) -> tuple | None:
        """Every rule, cell by cell, recording each error with its reason (the reference for the fast path)."""
        if self.check_formulas:
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
        cooperative = self.cooperative
        try:
            checked = domain.parse_transaction(data, closed_through_year=cooperative.closed_through_year)
        except InvalidInput as exc:
            for name, e in exc.details["fields"].items():
                key = FIELD_TO_KEY.get(name, name)
                self._error(row_no, key, data.get(name), e["message_zh"], e["message_en"], e["code"])
            checked = None
            bad = True
        except decimal.InvalidOperation:  # quantity × price beyond Decimal's 28 digits
            checked = None
            bad = True
            self._error(
                row_no,
                "amount",
                data["amount"],
                "数量×单价超出可记录的范围。",
                "Quantity × unit price is out of range.",
                "too_large",
            )
        if checked is not None and checked.unit_price_fen > MAX_FEN:
            self._too_large(row_no, "unit_price", data["unit_price"])
            bad = True
        elif checked is not None and checked.amount_fen > MAX_FEN:
            self._too_large(row_no, "amount", data["amount"])
            bad = True
        member, name, party_bad = self._party(row_no, cells)
        if bad or party_bad or checked is None:
            return None
        if member is not None:
            refusal = member_refusal(member, cooperative_id=cooperative.pk, on=checked.on)
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
            cooperative_id=cooperative.pk,
            member_key=domain.member_key(member_id=member.pk if member else None, counterparty_name=name),
            kind=checked.kind,
            on=checked.on,
            product=checked.product,
            grade=checked.grade,
            quantity=checked.quantity,
            unit_price_fen=checked.unit_price_fen,
            amount_fen=checked.amount_fen,
        )
        return (
            cooperative.pk, member.pk if member else None, member is not None, name, checked.kind,
            checked.on.isoformat(), checked.year, checked.product, checked.grade, format(checked.quantity, "f"),
            checked.unit, checked.unit_price_fen, checked.amount_fen, key,
            transaction_village_code(cooperative, member), cooperative.county_code,
            self.created_by_id, self.created_at,
        )  # fmt: skip

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
        found: list[int] = []
        if id_text:
            pk = self._by_id_number(row_no, id_text)
            if pk is None:
                return None, "", True
            found.append(pk)
        if number_text:
            pk = self._by_number(row_no, number_text)
            if pk is None:
                return None, "", True
            found.append(pk)
        if len(set(found)) > 1:
            self._error(
                row_no,
                "member_number",
                number_text,
                "成员编号与成员身份证号码指向不同的成员。",
                "The member number and the ID number name different members.",
                "member_mismatch",
            )
            return None, "", True
        return self.members.instance(found[0]), "", False

    def _by_id_number(self, row_no: int, text: str) -> int | None:
        number = normalise_resident_id(text)
        try:
            parse_resident_id(number)
        except InvalidInput as exc:
            self._error(row_no, "member_id_number", text, exc.message_zh, exc.message_en, exc.code)
            return None
        member_ids = self.members.by_id_number.get(number, [])
        if not member_ids:
            self._error(
                row_no,
                "member_id_number",
                text,
                "该身份证号码不属于本合作社的任何成员户。",
                "This ID number belongs to no member household of this cooperative.",
                "not_a_member",
            )
            return None
        return self.members.chosen(member_ids)

    def _by_number(self, row_no: int, text: str) -> int | None:
        # ASCII digits only: int() reads other scripts' digits but not superscripts, which str.isdigit() admits.
        pk = int(text) if text.isascii() and text.isdigit() else None
        if pk not in self.members.status:
            self._error(
                row_no,
                "member_number",
                text,
                "本合作社没有这个成员编号。",
                "This cooperative has no member with this number.",
                "not_a_member",
            )
            return None
        return pk

    # -- the fast path ---------------------------------------------------------------------------------------

    def _make_fast(self) -> Callable[[int, list[Any]], tuple | None]:  # noqa: C901 - one straight pass
        """A checker for the common clean row: the table row check_detailed would return, or None to decline.

        It reads text cells (and the number and date cells of an XLSX) with string operations, dictionary
        look-ups and precompiled patterns, and computes amounts in integers (quantity in thousandths × price in
        fen, rounded half up, as domain.expected_amount_fen does in Decimal). Whenever a cell is anything but
        plainly right — a formula, an unknown spelling, a value out of range, an unknown member, a date the
        member may not transact on — it declines and check_detailed decides and words the errors.
        """
        index = self.index
        # A column the file lacks is read from a padding of empty cells after the row (whose width is then the
        # header's, as csv and openpyxl give every row of a well-formed file).
        width = self.width
        missing = [k for k in _FAST_KEYS if k not in index]
        padding = [None] * len(missing)
        positions = [index[k] if k in index else width + missing.index(k) for k in _FAST_KEYS]
        need = max(index.values()) + 1
        take = operator.itemgetter(*positions)

        formulas = self.check_formulas
        cooperative = self.cooperative
        closed = cooperative.closed_through_year
        prefix = f"{cooperative.pk}\x1f"
        tail = (cooperative.county_code, self.created_by_id, self.created_at)
        coop_id = cooperative.pk
        fallback_village = transaction_village_code(cooperative, None)
        kinds = domain._KIND_LOOKUP
        fixed_units = domain.FIXED_UNITS
        unit_aliases = domain.UNIT_ALIASES
        max_text = domain.MAX_TEXT
        max_product, max_grade, max_unit, max_name = (
            max_text["product"],
            max_text["grade"],
            max_text["unit"],
            max_text["counterparty_name"],
        )
        by_id = self.members.fast_lookup()
        by_number = {str(pk): pk for pk in self.members.status}
        spans = self.members.span
        villages = self.members.village
        scaled = _scaled
        sha256 = hashlib.sha256
        date_type, datetime_type = dt.date, dt.datetime
        fromisoformat = dt.date.fromisoformat
        dates: dict[str, tuple[dt.date, str] | None] = {}  # a date cell's text → (date, ISO), None: decline
        collapsed: dict[str, str] = {}  # product or grade → its whitespace collapsed (as source_key does)

        def text_date(text: str) -> tuple[dt.date, str] | None:
            found = None
            s = text.strip()
            if len(s) == 10 and s[4] == "-" and s[7] == "-" and s.isascii():
                try:
                    on = fromisoformat(s)
                except ValueError:
                    on = None
                if on is not None and (closed is None or on.year > closed):
                    found = (on, on.isoformat())
            dates[text] = found
            return found

        def cell_date(value: Any) -> tuple[dt.date, str] | None:
            on = value.date() if type(value) is datetime_type else value
            if closed is not None and on.year <= closed:
                return None
            return on, on.isoformat()

        def milli(value: Any) -> int | None:
            """A quantity in thousandths, or None to decline."""
            t = type(value)
            if t is str:
                return scaled(value.strip(), 11, 3)
            if t is float:
                return scaled(repr(value), 11, 3)
            if t is int:
                return value * 1000 if 0 <= value <= 99_999_999_999 else None
            return None

        def fen(value: Any) -> int | None:
            """Yuan → fen, or None to decline."""
            t = type(value)
            if t is str:
                return scaled(value.strip(), 15, 2)
            if t is float:
                return scaled(repr(value), 15, 2)
            if t is int:
                return value * 100 if 0 <= value <= 999_999_999_999_999 else None
            return None

        def collapse(text: str) -> str:
            found = collapsed.get(text)
            if found is None:
                found = collapsed[text] = " ".join(text.split())
            return found

        def fast(row_no: int, cells: list[Any]) -> tuple | None:
            if padding:
                if len(cells) != width:
                    return None
                values = take(cells + padding)
            else:
                if len(cells) < need:
                    return None
                values = take(cells)
            if formulas:
                for v in values:
                    if type(v) is str and v[:1] == "=":
                        return None
            id_text, number_text, name, kind, on, product, grade, quantity, unit, price, amount = values

            # the transaction's fields (domain.parse_transaction)
            if type(kind) is not str:
                return None
            kind = kinds.get(kind.strip().lower())
            if kind is None:
                return None
            t = type(on)
            if t is str:
                found = dates[on] if on in dates else text_date(on)
            elif t is date_type or t is datetime_type:
                found = cell_date(on)
            else:
                return None
            if found is None:
                return None
            on, iso = found
            if type(product) is not str:
                return None
            product = product.strip()
            if not product or len(product) > max_product:
                return None
            if grade is None:
                grade = ""
            elif type(grade) is str:
                grade = grade.strip()
                if len(grade) > max_grade:
                    return None
            else:
                return None
            quantity_milli = scaled(quantity.strip(), 11, 3) if type(quantity) is str else milli(quantity)
            if quantity_milli is None:
                return None
            if unit is None:
                unit = ""
            elif type(unit) is str:
                unit = unit.strip()
                if len(unit) > max_unit:
                    return None
            else:
                return None
            fixed = fixed_units.get(kind)
            if fixed is None:
                if not unit:
                    return None
            else:
                if unit and unit.lower() not in unit_aliases[fixed]:
                    return None
                unit = fixed
            price_fen = scaled(price.strip(), 15, 2) if type(price) is str else fen(price)
            if price_fen is None:
                return None
            expected = (quantity_milli * price_fen + 500) // 1000
            if amount is None or (type(amount) is str and not amount.strip()):
                amount_fen = expected
            else:
                amount_fen = scaled(amount.strip(), 15, 2) if type(amount) is str else fen(amount)
                if amount_fen is None or abs(amount_fen - expected) > 1:
                    return None
            if amount_fen > MAX_FEN:
                return None

            # the party: a member by ID number and/or member number, or a named non-member
            if id_text is None:
                id_text = ""
            elif type(id_text) is str:
                id_text = id_text.strip()
            else:
                return None
            if number_text is None:
                number_text = ""
            elif type(number_text) is str:
                number_text = number_text.strip()
            elif type(number_text) is int:  # a number cell of an XLSX
                number_text = str(number_text)
            else:
                return None
            if name is None:
                name = ""
            elif type(name) is str:
                name = name.strip()
                if len(name) > max_name:
                    return None
            else:
                return None
            if name:
                if id_text or number_text:
                    return None
                member = None
                party = "n" + " ".join(name.split())
                village = fallback_village
            else:
                if id_text:
                    member = by_id(id_text)
                    if member is None:
                        return None
                    if number_text and by_number.get(number_text) != member:
                        return None
                elif number_text:
                    member = by_number.get(number_text)
                    if member is None:
                        return None
                else:
                    return None
                span = spans[member]
                if span is None or on < span[0] or (span[1] is not None and on >= span[1]):
                    return None
                party = f"m{member}"
                village = villages[member]

            whole, part = divmod(quantity_milli, 1000)
            quantity_text = f"{whole}.{part:03d}"
            key = sha256(
                (
                    f"{prefix}{party}\x1f{kind}\x1f{iso}\x1f{collapse(product)}\x1f{collapse(grade)}\x1f"
                    f"{quantity_text}\x1f{price_fen}\x1f{amount_fen}"
                ).encode()
            ).hexdigest()
            return (
                coop_id, member, member is not None, name, kind, iso, on.year, product, grade, quantity_text,
                unit, price_fen, amount_fen, key, village, *tail,
            )  # fmt: skip

        return fast


__all__ = ["MAX_FEN", "ROW_COLUMNS", "MemberBook", "RowChecker"]
