"""Register rules as pure functions: parsing and checking the fields of households and persons.

Each parser takes the text a user typed (or a cell held) and returns a clean value or raises FieldError
with the reason in Chinese and English. Used alike by the web forms, the API and the file import.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tongzhou.core.errors import InvalidInput
from tongzhou.core.ids import ResidentId, parse_resident_id

# The 56 ethnic groups of China (GB 3304), plus the two residual categories used on registers.
ETHNICITIES = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
    "其他",
    "外国血统",
]

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
HOUSEHOLD_NUMBER_RE = re.compile(r"^[0-9A-Za-z\-]{1,30}$")
VILLAGE_CODE_RE = re.compile(r"\d{12}")  # used with fullmatch
GROUP_NUMBER_RE = re.compile(r"\d{3}")  # used with fullmatch
GROUP_CODE_RE = re.compile(r"\d{15}")  # used with fullmatch
EARLIEST_POVERTY_YEAR = 2014  # 建档立卡 began nationally in 2014


class FieldError(InvalidInput):
    code = "field_invalid"


def _err(zh: str, en: str, value: object, code: str = "field_invalid") -> FieldError:
    return FieldError(zh, en, code=code, details={"value": "" if value is None else str(value)})


def clean_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_required(value: object) -> str:
    text = clean_text(value)
    if not text:
        raise _err("必填项为空。", "This field is required.", value, "required")
    return text


def parse_name(value: object) -> str:
    text = parse_required(value)
    if len(text) > 50:
        raise _err("姓名过长（最多50个字）。", "The name is too long (50 characters at most).", value)
    return text


def parse_household_number(value: object) -> str:
    text = parse_required(value)
    if not HOUSEHOLD_NUMBER_RE.match(text):
        raise _err(
            "户编号只能包含数字、字母和连字符，最多30位。",
            "A household number has at most 30 digits, letters or hyphens.",
            value,
        )
    return text


def parse_village_code(value: object) -> str:
    text = parse_required(value)
    if not VILLAGE_CODE_RE.fullmatch(text):
        raise _err("村代码应为12位数字。", "A village code has 12 digits.", value, "village_code_format")
    return text


def parse_group_code(value: object, village_code: str) -> str:
    text = clean_text(value)
    if not text:
        return ""
    if GROUP_NUMBER_RE.fullmatch(text):
        text = village_code + text
    if not GROUP_CODE_RE.fullmatch(text) or not text.startswith(village_code):
        raise _err(
            "村民组代码应为本村代码加3位数字。",
            "A villager group code is the village code followed by 3 digits.",
            value,
            "group_code_format",
        )
    return text


def parse_phone(value: object) -> str:
    text = clean_text(value).replace(" ", "")
    if not text:
        return ""
    if not PHONE_RE.match(text):
        raise _err("电话号码格式不正确。", "The phone number is not valid.", value, "phone_format")
    return text


def parse_year(value: object, *, today: dt.date | None = None) -> int | None:
    text = clean_text(value)
    if not text:
        return None
    today = today or dt.date.today()
    try:
        year = int(text)
    except ValueError:
        raise _err("年度应为四位数字。", "A year has four digits.", value, "year_format") from None
    if year < EARLIEST_POVERTY_YEAR or year > today.year:
        raise _err(
            f"年度应在 {EARLIEST_POVERTY_YEAR} 至 {today.year} 之间。",
            f"The year must be between {EARLIEST_POVERTY_YEAR} and {today.year}.",
            value,
            "year_range",
        )
    return year


def check_poverty_years(registered: int | None, exited: int | None) -> None:
    if exited is not None and registered is None:
        raise _err(
            "有脱贫年度但没有建档立卡年度。",
            "An exit year is given without a registration year.",
            exited,
            "poverty_years",
        )
    if exited is not None and registered is not None and exited < registered:
        raise _err(
            "脱贫年度早于建档立卡年度。",
            "The exit year is before the registration year.",
            exited,
            "poverty_years",
        )


def parse_land_mu(value: object) -> Decimal:
    text = clean_text(value)
    if not text:
        return Decimal("0")
    try:
        mu = Decimal(text)
    except InvalidOperation:
        raise _err(
            "承包地面积应为数字（亩）。", "Contracted land must be a number of mu.", value, "number_format"
        ) from None
    if not mu.is_finite() or mu < 0 or mu > Decimal("99999999"):
        raise _err(
            "承包地面积应为0到一亿亩之间的数。",
            "Contracted land must be between 0 and 100 million mu.",
            value,
            "number_range",
        )
    if mu != mu.quantize(Decimal("0.01")):
        raise _err(
            "承包地面积最多两位小数。", "Contracted land has at most two decimals.", value, "number_format"
        )
    return mu


@functools.cache
def _choice_lookup(choices: Any) -> tuple[dict[str, str], str, str]:
    """Every accepted spelling of a choice (code, Chinese label, English label) → code; and both label lists."""
    from django.utils import translation

    lookup: dict[str, str] = {}
    listed: dict[str, str] = {}
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            for member in choices:
                lookup[str(member.label)] = member.value
            listed[lang] = ("、" if lang == "zh-hans" else ", ").join(str(m.label) for m in choices)
    for member in choices:
        lookup[member.value] = member.value
    return lookup, listed["zh-hans"], listed["en"]


def parse_choice(value: object, choices: Any, *, default: str | None = None) -> str:
    """Accept a choice by its code (e.g. "head") or its Chinese or English label (e.g. "户主", "Head")."""
    text = clean_text(value)
    if not text:
        if default is not None:
            return default
        raise _err("必填项为空。", "This field is required.", value, "required")
    lookup, labels_zh, labels_en = _choice_lookup(choices)
    found = lookup.get(text) or lookup.get(text.lower())
    if found is None:
        raise _err(
            f"取值无效，可选：{labels_zh}。", f"Not a valid choice; use one of: {labels_en}.", value, "choice"
        )
    return found


BOOL_LOOKUP = {t: False for t in ("", "否", "no", "n", "false", "0", "f")} | {
    t: True for t in ("是", "yes", "y", "true", "1", "t")
}


def parse_bool(value: object) -> bool:
    found = BOOL_LOOKUP.get(clean_text(value).lower())
    if found is not None:
        return found
    raise _err("应填“是”或“否”。", "Use yes or no (是/否).", value, "boolean")


# Every accepted spelling → the name: the name itself, or the name without its final 族 (苗 → 苗族).
ETHNICITY_LOOKUP = {e[:-1]: e for e in ETHNICITIES if e.endswith("族") and e[:-1]} | {
    e: e for e in ETHNICITIES
}


def parse_ethnicity(value: object) -> str:
    found = ETHNICITY_LOOKUP.get(clean_text(value) or "汉族")
    if found is None:
        raise _err("民族名称不在56个民族之列。", "Not one of the 56 ethnic groups.", value, "ethnicity")
    return found


def parse_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = clean_text(value)
    if not text:
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        # The common case, without strptime: YYYY-MM-DD; anything fromisoformat refuses goes the long way.
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _err(
        "日期格式不正确（应为 YYYY-MM-DD）。", "The date is not valid (use YYYY-MM-DD).", value, "date_format"
    )


SEX_LOOKUP = {t: "M" for t in ("男", "M", "m", "male", "Male")} | {
    t: "F" for t in ("女", "F", "f", "female", "Female")
}


def parse_sex(value: object) -> str | None:
    text = clean_text(value)
    if not text:
        return None
    found = SEX_LOOKUP.get(text)
    if found is not None:
        return found
    raise _err("性别应为“男”或“女”。", "Sex must be 男 (male) or 女 (female).", value, "sex")


@dataclass(frozen=True)
class CheckedId:
    resident: ResidentId
    birth_date: dt.date
    sex: str


def check_resident_id(
    id_value: object, *, birth_value: object = None, sex_value: object = None, today: dt.date | None = None
) -> CheckedId:
    """Validate the ID number and cross-check the birth date and sex typed beside it (GB 11643)."""
    resident = parse_resident_id(parse_required(id_value), today=today)
    birth = parse_date(birth_value)
    if birth is not None and birth != resident.birth_date:
        raise _err(
            f"出生日期与身份证号码不符（号码中为 {resident.birth_date:%Y-%m-%d}）。",
            f"The birth date disagrees with the ID number (which says {resident.birth_date:%Y-%m-%d}).",
            birth_value,
            "id_birth_date_mismatch",
        )
    sex = parse_sex(sex_value)
    if sex is not None and sex != resident.sex:
        said = "男" if resident.sex == "M" else "女"
        raise _err(
            f"性别与身份证号码不符（号码中为{said}）。",
            f"The sex disagrees with the ID number (which says {'male' if resident.sex == 'M' else 'female'}).",
            sex_value,
            "id_sex_mismatch",
        )
    return CheckedId(resident=resident, birth_date=resident.birth_date, sex=resident.sex)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
