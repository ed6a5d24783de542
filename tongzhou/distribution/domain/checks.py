"""The errors the distribution rules raise, and the checks of their inputs.

Every refusal is an InvalidInput with the message in Chinese and English, a stable code, and details naming the
field, the member (where there is one) and the article or bylaws term it breaks, in the shape forms and the API read.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tongzhou.core.errors import InvalidInput

COOP_ART_41 = "农民专业合作社法 Art. 41"
COOP_ART_42 = "农民专业合作社法 Art. 42"
COOP_ART_43 = "农民专业合作社法 Art. 43"
COOP_ART_44 = "农民专业合作社法 Art. 44"
COLLECTIVE_ART_40 = "农村集体经济组织法 Art. 40"
COLLECTIVE_ART_42 = "农村集体经济组织法 Art. 42"
BYLAWS = "章程"

LABELS = {
    "surplus_fen": ("本年盈余", "the year's surplus"),
    "income_fen": ("本年收益", "the year's income"),
    "losses_to_make_up_fen": ("待弥补亏损", "losses to make up"),
    "subsidy_property_fen": ("财政补助和捐赠形成的财产", "subsidy- and donation-formed property"),
    "capital_fen": ("出资额", "capital"),
    "reserve_share_fen": ("公积金份额", "reserve share"),
    "subsidy_share_fen": ("补助量化份额", "subsidy share"),
    "transactions_amount_fen": ("交易额", "transaction amount"),
    "transactions_quantity": ("交易量", "transaction quantity"),
    "shares": ("收益权份额", "income-right shares"),
    "source_fen": ("二次分配资金", "secondary distribution source"),
    "units_centi": ("持有数量", "units held"),
    "conversion_bp": ("转为出资比例", "conversion rate"),
    "total_fen": ("待分配金额", "amount to split"),
}


def label(field: str) -> tuple[str, str]:
    return LABELS.get(field, (field, field))


def invalid(
    zh: str,
    en: str,
    *,
    code: str,
    field: str,
    article: str = "",
    member: object = None,
    **details: object,
) -> InvalidInput:
    """An InvalidInput naming the field (and member, article) both at the top of details and per field."""
    entry: dict[str, object] = {"message_zh": zh, "message_en": en, "code": code}
    if article:
        entry["article"] = article
    info: dict[str, object] = {"field": field, "fields": {field: entry}}
    if article:
        info["article"] = article
    if member is not None:
        info["member"] = member
    info.update(details)
    return InvalidInput(zh, en, code=code, details=info)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_fen(value: object, field: str, *, member: str | None = None, article: str = "") -> int:
    """A non-negative whole number of fen; negative figures in an account are refused, naming the member."""
    who_zh = f"成员“{member}”的" if member is not None else ""
    who_en = f" of member {member}" if member is not None else ""
    zh, en = label(field)
    if not is_int(value):
        raise invalid(
            f"{who_zh}{zh}须为整数（分）。",
            f"The {en}{who_en} must be a whole number of fen.",
            code="amount_type",
            field=field,
            member=member,
            article=article,
            value=repr(value),
        )
    if value < 0:  # type: ignore[operator]
        raise invalid(
            f"{who_zh}{zh}不能为负数（{article or BYLAWS}）。",
            f"The {en}{who_en} must not be negative ({article or 'bylaws'}).",
            code="negative_amount",
            field=field,
            member=member,
            article=article,
            value=value,
        )
    return value  # type: ignore[return-value]


def check_quantity(value: object, field: str, *, member: str, article: str = "") -> Decimal | int:
    """A non-negative quantity (Decimal or int); floats are refused: no float touches a split."""
    zh, en = label(field)
    if is_int(value) or (isinstance(value, Decimal) and value.is_finite()):
        if value < 0:  # type: ignore[operator]
            raise invalid(
                f"成员“{member}”的{zh}不能为负数（{article}）。",
                f"The {en} of member {member} must not be negative ({article}).",
                code="negative_amount",
                field=field,
                member=member,
                article=article,
                value=str(value),
            )
        return value  # type: ignore[return-value]
    raise invalid(
        f"成员“{member}”的{zh}须为数字。",
        f"The {en} of member {member} must be a number (an integer or a Decimal).",
        code="amount_type",
        field=field,
        member=member,
        article=article,
        value=repr(value),
    )


def check_bp(value: object, field: str, *, article: str = "") -> int:
    zh, en = label(field)
    if not is_int(value) or not 0 <= value <= 10_000:  # type: ignore[operator]
        raise invalid(
            f"{zh}应为0到10000之间的整数基点（0%–100%）。",
            f"The {en} must be whole basis points from 0 to 10000 (0%–100%).",
            code="bp_range",
            field=field,
            article=article,
            value=repr(value),
        )
    return value  # type: ignore[return-value]


def check_keys(keys: Iterable[object], field: str, *, article: str = "") -> None:
    """Keys are non-empty text and each appears once: a duplicate member would be paid twice."""
    seen: set[object] = set()
    for key in keys:
        if not isinstance(key, str) or not key:
            raise invalid(
                "成员标识须为非空文本。",
                "A member key must be non-empty text.",
                code="member_key",
                field=field,
                member=repr(key),
            )
        if key in seen:
            raise invalid(
                f"成员“{key}”重复出现（{article or BYLAWS}）。",
                f"Member {key} appears more than once ({article or 'bylaws'}).",
                code="duplicate_member",
                field=field,
                member=key,
                article=article,
            )
        seen.add(key)
