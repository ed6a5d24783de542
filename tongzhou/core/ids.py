"""Identifier algorithms: resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

Pure functions, no database. Each check returns what it derived or raises InvalidInput with the reason.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from dataclasses import dataclass

from .errors import InvalidInput

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_ID_ASCII_OFFSET = ord("0") * sum(_ID_WEIGHTS)  # Σ w·(byte − 48) = Σ w·byte − 48·Σ w


@dataclass(frozen=True)
class ResidentId:
    number: str
    address_code: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    # The common case without int() per digit: Σ w·(byte − 48) over the ASCII bytes.
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        total = sum(map(operator.mul, first17.encode("ascii"), _ID_WEIGHTS)) - _ID_ASCII_OFFSET
        return _ID_CHECK[total % 11]
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_resident_id(text: str) -> str:
    return str(text).strip().upper().replace(" ", "")


def parse_resident_id(text: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate an 18-character resident ID number and derive birth date and sex from it."""
    number = normalise_resident_id(text)
    if not _ID_RE.match(number):
        raise InvalidInput(
            "身份证号码应为18位，前17位为数字，最后一位为数字或X。",
            "A resident ID number has 18 characters: 17 digits and a digit or X.",
            code="id_format",
            details={"value": number},
        )
    expected = resident_id_check_char(number[:17])
    if number[17] != expected:
        raise InvalidInput(
            f"身份证号码校验码错误（应为 {expected}）。",
            f"The resident ID check character is wrong (expected {expected}).",
            code="id_check_digit",
            details={"value": number, "expected": expected},
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidInput(
            "身份证号码中的出生日期不存在。",
            "The birth date inside the resident ID number does not exist.",
            code="id_birth_date_impossible",
            details={"value": number},
        ) from None
    today = today or dt.date.today()
    if birth > today:
        raise InvalidInput(
            "身份证号码中的出生日期在未来。",
            "The birth date inside the resident ID number is in the future.",
            code="id_birth_date_future",
            details={"value": number},
        )
    if birth.year < 1880:
        raise InvalidInput(
            "身份证号码中的出生日期过早。",
            "The birth date inside the resident ID number is implausibly early.",
            code="id_birth_date_impossible",
            details={"value": number},
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, address_code=number[:6], birth_date=birth, sex=sex)


def make_resident_id(address_code: str, birth_date: dt.date, sequence: int, sex: str) -> str:
    """Build a valid ID number; `sequence` 0–499 picks the order code, whose parity follows the sex (odd male)."""
    if not 0 <= sequence < 500:
        raise ValueError("sequence must be in 0..499")
    order = sequence * 2 + (1 if sex == "M" else 0)
    first17 = f"{address_code[:6]}{birth_date:%Y%m%d}{order:03d}"
    return first17 + resident_id_check_char(first17)


_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(text: str) -> str:
    """Validate a unified social credit code (GB 32100-2015) and return it normalised."""
    code = str(text).strip().upper()
    if not _USCC_RE.match(code):
        raise InvalidInput(
            "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）。",
            "A unified social credit code has 18 digits or capital letters (no I, O, Z, S, V).",
            code="uscc_format",
            details={"value": code},
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InvalidInput(
            f"统一社会信用代码校验码错误（应为 {expected}）。",
            f"The unified social credit code check character is wrong (expected {expected}).",
            code="uscc_check_char",
            details={"value": code, "expected": expected},
        )
    return code


def mask_resident_id(number: str) -> str:
    """Show the first 4 and last 4 characters: 5205**********1234."""
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """Show the first 3 and last 4 digits of a mobile number: 138****5678."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 1)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
