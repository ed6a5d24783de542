"""Member transactions as pure rules: parse and check one transaction, and key its source row.

Used alike by the entry form, the API and the file import. Quantities are Decimal (at most 3 decimals), money is
fen; the amount must agree with quantity × unit price (农民专业合作社法 Art. 43–44: the transaction amount is what
the patronage return is measured by), and member and non-member transactions are kept apart (Art. 41).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import fen_to_yuan_str, yuan_to_fen
from tongzhou.households.domain import FieldError, clean_text, parse_date

# code → (Chinese label as in the model's choices, English label, further accepted Chinese spellings)
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "sale_to_coop": ("成员向合作社交售产品", "sale to the cooperative", ("交售", "交售产品", "销售")),
    "purchase_from_coop": ("成员向合作社购买农资", "purchase from the cooperative", ("购买农资", "购买")),
    "labour": ("务工", "labour", ("劳务", "务工工资")),
    "land_rent": ("土地流转租金", "land rent", ("土地租金", "流转租金", "地租")),
}
# Labour is counted in labour days and land rent in mu, whatever the row says.
FIXED_UNITS = {"labour": "工日", "land_rent": "亩"}
UNIT_ALIASES = {"工日": ("工日", "天", "日", "day", "days"), "亩": ("亩", "mu")}

MAX_QUANTITY = Decimal("99999999999.999")  # 14 digits, 3 decimals (the column's size)
MAX_TEXT = {"product": 60, "grade": 20, "unit": 10, "counterparty_name": 120}

FIELD_LABELS = {
    "kind": ("交易类型", "kind"),
    "on": ("日期", "date"),
    "product": ("产品", "product"),
    "grade": ("等级", "grade"),
    "quantity": ("数量", "quantity"),
    "unit": ("单位", "unit"),
    "unit_price": ("单价（元）", "unit price (yuan)"),
    "amount": ("金额（元）", "amount (yuan)"),
    "member": ("成员", "member"),
    "counterparty_name": ("非成员名称", "non-member name"),
}


@dataclass(frozen=True)
class TransactionFields:
    """One checked transaction, ready to store (the member or counterparty is decided by the caller)."""

    kind: str
    on: dt.date
    product: str
    grade: str
    quantity: Decimal
    unit: str
    unit_price_fen: int
    amount_fen: int

    @property
    def year(self) -> int:
        return self.on.year


def _err(zh: str, en: str, value: object, code: str = "field_invalid") -> FieldError:
    return FieldError(zh, en, code=code, details={"value": "" if value is None else str(value)})


_KIND_LOOKUP: dict[str, str] = {}
for _code, (_zh, _en, _more) in KINDS.items():
    for _spelling in (_code, _zh, _en, *_more):
        _KIND_LOOKUP[_spelling.lower()] = _code


def parse_kind(value: object) -> str:
    """A transaction kind by its code (sale_to_coop) or Chinese label (成员向合作社交售产品, 交售, 务工 …)."""
    text = clean_text(value)
    if not text:
        raise _err("必填项为空。", "This field is required.", value, "required")
    found = _KIND_LOOKUP.get(text.lower())
    if found is None:
        raise _err(
            "交易类型无效，可选：" + "、".join(v[0] for v in KINDS.values()) + "。",
            "Not a valid transaction kind; use one of: " + ", ".join(KINDS) + ".",
            value,
            "choice",
        )
    return found


def parse_on(value: object, *, closed_through_year: int | None) -> dt.date:
    """The transaction date; a date in a closed year (≤ `closed_through_year`) is refused."""
    on = parse_date(value)
    if on is None:
        raise _err("必填项为空。", "This field is required.", value, "required")
    if closed_through_year is not None and on.year <= closed_through_year:
        raise _err(
            f"{on.year} 年度已结账，不能再记录该年度的交易。",
            f"The year {on.year} is closed: no transaction can be recorded in it.",
            value,
            "closed_year",
        )
    return on


def parse_text(value: object, name: str, *, required: bool = False) -> str:
    text = clean_text(value)
    if required and not text:
        raise _err("必填项为空。", "This field is required.", value, "required")
    limit = MAX_TEXT[name]
    if len(text) > limit:
        raise _err(f"过长（最多{limit}个字）。", f"Too long ({limit} characters at most).", value, "too_long")
    return text


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # the shortest text that reads back as this float, as a sheet shows it
    text = clean_text(value).replace(",", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_quantity(value: object) -> Decimal:
    """A quantity ≥ 0 with at most 3 decimals (kg, 张, labour days, mu)."""
    if clean_text(value) == "":
        raise _err("必填项为空。", "This field is required.", value, "required")
    number = _decimal(value)
    if number is None:
        raise _err("数量不是有效的数字。", "The quantity is not a number.", value, "number")
    if number < 0:
        raise _err("数量不能为负数。", "The quantity must not be negative.", value, "negative")
    if number != number.quantize(Decimal("0.001")):
        raise _err("数量最多三位小数。", "A quantity has at most three decimals.", value, "decimals")
    if number > MAX_QUANTITY:
        raise _err("数量过大。", "The quantity is too large.", value, "too_large")
    return number.quantize(Decimal("0.001"))


def _yuan(value: object, what_zh: str, what_en: str) -> int:
    """Yuan (text, int, float or Decimal) → fen; negative refused."""
    number = _decimal(value)
    if number is None:
        raise _err(
            f"{what_zh}不是有效的金额。", f"The {what_en} is not a valid number of yuan.", value, "money"
        )
    if number < 0:
        raise _err(f"{what_zh}不能为负数。", f"The {what_en} must not be negative.", value, "negative")
    try:
        return yuan_to_fen(number)
    except InvalidInput:
        raise _err(
            f"{what_zh}最多两位小数（元）。",
            f"The {what_en} has at most two decimals (yuan).",
            value,
            "decimals",
        ) from None


def parse_unit_price(value: object) -> int:
    """The unit price in yuan → fen; required, never negative."""
    if clean_text(value) == "":
        raise _err("必填项为空。", "This field is required.", value, "required")
    return _yuan(value, "单价", "unit price")


def parse_unit(value: object, kind: str) -> str:
    """The unit; labour is always in labour days (工日) and land rent in mu (亩)."""
    text = parse_text(value, "unit")
    fixed = FIXED_UNITS.get(kind)
    if fixed is None:
        if not text:
            raise _err("必填项为空。", "This field is required.", value, "required")
        return text
    if text and text.lower() not in UNIT_ALIASES[fixed]:
        raise _err(
            f"该交易类型的单位应为“{fixed}”。",
            f"This kind of transaction is counted in “{fixed}”.",
            value,
            "unit",
        )
    return fixed


def expected_amount_fen(quantity: Decimal, unit_price_fen: int) -> int:
    """Quantity × unit price, rounded half up to the fen: 42.5 kg × 46.00 yuan = 1,955.00 yuan."""
    return int((quantity * unit_price_fen).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def parse_amount(value: object, *, quantity: Decimal, unit_price_fen: int) -> int:
    """The amount in yuan → fen; empty means quantity × unit price; given, it must agree within one fen."""
    expected = expected_amount_fen(quantity, unit_price_fen)
    if clean_text(value) == "":
        return expected
    amount = _yuan(value, "金额", "amount")
    if abs(amount - expected) > 1:
        raise FieldError(
            f"金额 {fen_to_yuan_str(amount)} 元与数量×单价 {fen_to_yuan_str(expected)} 元不符。",
            f"The amount {fen_to_yuan_str(amount)} yuan does not equal quantity × unit price, "
            f"{fen_to_yuan_str(expected)} yuan.",
            code="amount_mismatch",
            details={"value": str(value), "amount_fen": amount, "expected_fen": expected},
        )
    return amount


def parse_transaction(data: Mapping[str, Any], *, closed_through_year: int | None) -> TransactionFields:
    """Check every field of one transaction; all problems are raised at once, per field, in one InvalidInput.

    `data` holds kind, on, product, grade, quantity, unit, unit_price (yuan) and amount (yuan, may be empty).
    """
    errors: dict[str, dict[str, Any]] = {}
    values: dict[str, Any] = {}

    def take(name: str, parse) -> Any:
        try:
            values[name] = parse()
        except InvalidInput as exc:
            errors[name] = {
                "message_zh": exc.message_zh,
                "message_en": exc.message_en,
                "code": exc.code,
                "value": "" if data.get(name) is None else str(data.get(name)),
            }
            values[name] = None
        return values[name]

    kind = take("kind", lambda: parse_kind(data.get("kind")))
    take("on", lambda: parse_on(data.get("on"), closed_through_year=closed_through_year))
    take("product", lambda: parse_text(data.get("product"), "product", required=True))
    take("grade", lambda: parse_text(data.get("grade"), "grade"))
    quantity = take("quantity", lambda: parse_quantity(data.get("quantity")))
    if kind is not None:
        take("unit", lambda: parse_unit(data.get("unit"), kind))
    price = take("unit_price", lambda: parse_unit_price(data.get("unit_price")))
    if quantity is not None and price is not None:
        take("amount", lambda: parse_amount(data.get("amount"), quantity=quantity, unit_price_fen=price))
    if errors:
        raise invalid_fields(errors)
    return TransactionFields(
        kind=values["kind"],
        on=values["on"],
        product=values["product"],
        grade=values["grade"],
        quantity=values["quantity"],
        unit=values["unit"],
        unit_price_fen=values["unit_price"],
        amount_fen=values["amount"],
    )


def invalid_fields(errors: dict[str, dict[str, Any]]) -> InvalidInput:
    """One InvalidInput naming every bad field, details {"fields": {name: {message_zh, message_en, code}}}."""
    fields_zh = "、".join(FIELD_LABELS.get(n, (n, n))[0] for n in errors)
    fields_en = ", ".join(FIELD_LABELS.get(n, (n, n))[1] for n in errors)
    first = next(iter(errors.values()))
    return InvalidInput(
        f"以下字段有误：{fields_zh}（{first['message_zh']}）",
        f"These fields are not valid: {fields_en} ({first['message_en']})",
        code="invalid_fields",
        details={"fields": errors},
    )


def source_key(
    *,
    cooperative_id: int,
    member_key: str,
    kind: str,
    on: dt.date,
    product: str,
    grade: str,
    quantity: Decimal,
    unit_price_fen: int,
    amount_fen: int,
) -> str:
    """SHA-256 hex of the normalised row, so the same transaction entered or imported twice is a duplicate.

    `member_key` names the party: "m<member id>" for a member, "n<name>" for a non-member.
    """
    normal_quantity = format(Decimal(quantity).quantize(Decimal("0.001")), "f")
    parts = (
        str(cooperative_id),
        member_key.strip(),
        kind,
        on.isoformat(),
        " ".join(product.split()),
        " ".join(grade.split()),
        normal_quantity,
        str(unit_price_fen),
        str(amount_fen),
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def member_key(*, member_id: int | None, counterparty_name: str = "") -> str:
    return f"m{member_id}" if member_id is not None else "n" + " ".join(counterparty_name.split())
