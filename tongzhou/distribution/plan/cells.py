"""Where a value sits in a plan file, the errors that name it, and the parsing of one cell.

Money is yuan with at most two decimals, read into fen exactly (`yuan_to_fen`); an XLSX number cell is read from
its shortest decimal representation, so 1234.56 typed into Excel is 123456 fen, never 123455.99….

Rates are percentages: "60%", "60" and 60 all mean 60%, "12.5%" is 1250 basis points. A number between 0 and 1
written without a % sign ("0.6") is refused as ambiguous: write "60%", or "0.6%" when that is meant. An XLSX
cell formatted as a percentage (Excel stores 60% as 0.6) is read as the percentage it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tongzhou.core.errors import InvalidInput
from tongzhou.core.money import yuan_to_fen
from tongzhou.households.domain import BOOL_LOOKUP, clean_text

from .spec import CHOICES

MAX_FEN = 2**63 - 1  # what a BigIntegerField holds: a plan must be one that can be entered
MAX_QUANTITY_DIGITS = 15
MAX_QUANTITY_DECIMALS = 6
MAX_TEXT = 50
MIN_YEAR, MAX_YEAR = 1950, 2100


@dataclass(frozen=True)
class Where:
    """A place in a plan file: an XLSX sheet, row and column (row 0: the sheet as a whole), or a JSON path."""

    sheet: str = ""
    row: int = 0
    column: str = ""
    item: str = ""  # the parameter a 参数 row holds
    path: str = ""

    def text_zh(self) -> str:
        if self.path or not self.sheet:
            return f"“{self.path or '（文件）'}”"
        text = f"工作表“{self.sheet}”"
        if self.row:
            text += f"第{self.row}行"
        if self.column:
            text += f"“{self.column}”列"
        if self.item:
            text += f"（{self.item}）"
        return text

    def text_en(self) -> str:
        if self.path or not self.sheet:
            return self.path or "(the file)"
        parts = [f"sheet {self.sheet}"]
        if self.row:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        text = ", ".join(parts)
        return f"{text} ({self.item})" if self.item else text


def entry(
    where: Where,
    value: object,
    reason_zh: str,
    reason_en: str,
    code: str,
    *,
    article: str = "",
    member: str | None = None,
) -> dict:
    """One error of a plan file, in the import error shape (row, column, value, reasons, code) plus where it is."""
    found = {
        "sheet": where.sheet,
        "row": where.row,
        "column": where.column,
        "item": where.item,
        "path": where.path,
        "where_zh": where.text_zh(),
        "where_en": where.text_en(),
        "value": "" if value is None else str(value)[:200],
        "reason_zh": reason_zh,
        "reason_en": reason_en,
        "code": code,
    }
    if article:
        found["article"] = article
    if member is not None:
        found["member"] = member
    return found


class CellError(Exception):
    def __init__(self, zh: str, en: str, code: str) -> None:
        super().__init__(en)
        self.zh, self.en, self.code = zh, en, code


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: object) -> str:
    """The decimal text of a number cell, or the text of a text cell; anything else is not a number."""
    if isinstance(value, bool | dict | list | dt.date | dt.time | dt.timedelta):
        raise CellError("应为数字。", "A number is expected here.", "number_type")
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: what was typed into the cell.
        return repr(value)
    return str(value).strip()


def money(value: object, *, signed: bool = False) -> int:
    """Yuan → fen, exactly; at most two decimals; negative only where `signed` (a loss)."""
    text = _number_text(value).replace("元", "").strip()
    try:
        fen = yuan_to_fen(text)
    except InvalidInput:
        exact = _decimal(text.replace(",", "").replace("¥", "").replace("￥", ""))
        if exact is not None and exact.is_finite() and exact.as_tuple().exponent < -2:  # type: ignore[operator]
            raise CellError(
                "金额最多两位小数（分）。", "An amount has at most two decimals (fen).", "money_precision"
            ) from None
        raise CellError("不是有效的金额（元）。", "Not an amount of yuan.", "money_format") from None
    if abs(fen) > MAX_FEN:
        raise CellError("金额过大。", "The amount is too large.", "money_range")
    if fen < 0 and not signed:
        raise CellError("金额不能为负数。", "The amount must not be negative.", "negative_amount")
    return fen


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, ValueError):
        return None


def rate_bp(value: object, *, percent_format: bool = False) -> int:
    """A percentage → whole basis points (0–10000); see the module's docstring for the rule."""
    text = _number_text(value).replace(" ", "")
    explicit = text.endswith(("%", "％"))
    number = _decimal(text[:-1] if explicit else text)
    if number is None or not number.is_finite():
        raise CellError("不是有效的比例（如“60%”）。", "Not a rate (write e.g. 60%).", "rate_format")
    if percent_format and not explicit:
        number, explicit = number * 100, True
    if not explicit and 0 < number < 1:
        raise CellError(
            f"比例“{text}”不明确：请写成百分数，如“{number * 100:g}%”；确为{text}%时请写“{text}%”。",
            f"The rate {text} is ambiguous: write a percentage, e.g. {number * 100:g}%, or {text}% if that is "
            "meant.",
            "rate_ambiguous",
        )
    if number < 0:
        raise CellError("比例不能为负数。", "A rate must not be negative.", "rate_negative")
    if number > 100:
        raise CellError(
            f"比例{number:g}%超过100%。", f"The rate {number:g}% exceeds 100%.", "rate_above_whole"
        )
    bp = number * 100
    if bp != bp.to_integral_value():
        raise CellError(
            "比例最多两位小数（1基点 = 0.01%）。",
            "A rate has at most two decimals of a percent (1 bp = 0.01%).",
            "rate_precision",
        )
    return int(bp)


def quantity(value: object) -> Decimal | int:
    """A non-negative quantity or share count: at most 15 digits before and six after the point."""
    text = _number_text(value).replace(",", "")
    number = _decimal(text)
    if number is None or not number.is_finite():
        raise CellError("应为数字。", "A number is expected here.", "number_format")
    if number < 0:
        raise CellError("不能为负数。", "Must not be negative.", "negative_amount")
    exponent = number.as_tuple().exponent
    if -exponent > MAX_QUANTITY_DECIMALS:  # type: ignore[operator]
        number = number.normalize()
        if -number.as_tuple().exponent > MAX_QUANTITY_DECIMALS:  # type: ignore[operator]
            raise CellError(
                f"最多{MAX_QUANTITY_DECIMALS}位小数。",
                f"At most {MAX_QUANTITY_DECIMALS} decimals.",
                "quantity_precision",
            )
    if number >= Decimal(10) ** MAX_QUANTITY_DIGITS:
        raise CellError("数值过大。", "The number is too large.", "quantity_range")
    return int(number) if number == number.to_integral_value() else number


def text(value: object, *, limit: int = MAX_TEXT) -> str:
    if isinstance(value, bool | dict | list):
        raise CellError("应为文本。", "Text is expected here.", "text_type")
    found = clean_text(value)
    if len(found) > limit:
        raise CellError(f"内容过长（最多{limit}字）。", f"Too long ({limit} characters at most).", "too_long")
    return found


def year(value: object) -> int:
    found = text(value)
    if not found.isdigit() or not MIN_YEAR <= int(found) <= MAX_YEAR:
        raise CellError(
            f"年度应为{MIN_YEAR}到{MAX_YEAR}之间的四位数。",
            f"The year must be four digits from {MIN_YEAR} to {MAX_YEAR}.",
            "year_format",
        )
    return int(found)


def flag(value: object) -> bool:
    if isinstance(value, dict | list):
        raise CellError("应填“是”或“否”。", "Use yes or no (是/否).", "boolean")
    found = BOOL_LOOKUP.get(clean_text(value).lower())
    if found is None:
        raise CellError("应填“是”或“否”。", "Use yes or no (是/否).", "boolean")
    return found


def choice(value: object, name: str) -> str:
    """A Chinese label or an English code of one of the choices of parameter `name`."""
    labels = CHOICES[name]
    found = text(value)
    codes = set(labels.values())
    if found in labels:
        return labels[found]
    if found.lower() in codes:
        return found.lower()
    allowed_zh = "、".join(labels)
    allowed_en = ", ".join(dict.fromkeys(labels.values()))
    raise CellError(
        f"取值无效，可选：{allowed_zh}。", f"Not a valid choice; use one of: {allowed_en}.", "choice"
    )
