"""Bylaws (章程) as pure data: the terms a version holds, their check against the law, and the version in force.

Rates are integer basis points (1 bp = 0.01%). The law's floor holds whatever the bylaws say: at least 60% of the
distributable surplus is returned by transactions (农民专业合作社法 Art. 44).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, TypeVar

from tongzhou.core.errors import InvalidInput

FULL_BP = 10_000
PATRONAGE_FLOOR_BP = 6_000  # 农民专业合作社法 Art. 44: ≥ 60% by transactions
LAW_EXIT_NOTICE_MONTHS = 3  # Art. 25: three months before the end of the financial year
LAW_ORGANISATION_EXIT_NOTICE_MONTHS = 6  # Art. 25: six for enterprises, institutions, social organisations
MAX_NOTICE_MONTHS = 12
MAX_CONVERSION_YEARS = 30

# The values of models.ShareClassKind and models.TransactionKind (a test keeps them equal): the domain stays
# free of Django's database.
SHARE_CLASS_KINDS = ("cash", "land", "labour", "collective_assets", "fiscal_poverty", "donation")
TRANSACTION_KINDS = ("sale_to_coop", "purchase_from_coop", "labour", "land_rent")
TRANSACTION_BASES = ("amount", "quantity")
GUARANTEE_BASES = ("per_mu", "per_unit")
REMAINDER_KEYS = ("members", "collective", "management", "welfare")
SECONDARY_TARGETS = ("registered_poor", "monitored", "public_welfare_jobs")

ART_44 = "农民专业合作社法 Art. 44"
ART_42 = "农民专业合作社法 Art. 42"
ART_25 = "农民专业合作社法 Art. 25"

FIELD_LABELS = {
    "reserve_rate_bp": ("公积金提取比例", "reserve rate"),
    "patronage_share_bp": ("按交易量返还比例", "patronage-return share"),
    "transaction_basis": ("交易量计算口径", "transaction basis"),
    "patronage_transaction_kinds": ("计入返还的交易类型", "transaction kinds counted for the return"),
    "guaranteed_payments": ("保底收益", "guaranteed payments"),
    "remainder_split": ("剩余盈余分配", "remainder split"),
    "secondary_distribution_bp": ("二次分配比例", "secondary distribution rate"),
    "secondary_distribution_target": ("二次分配对象", "secondary distribution target"),
    "exit_notice_months": ("退社提前通知月数", "exit notice months"),
    "organisation_exit_notice_months": ("单位成员退社提前通知月数", "organisation exit notice months"),
    "transfer_to_non_members": ("允许向非成员转让股份", "transfer to non-members"),
    "poverty_share_conversion_years": ("财政扶贫股转普通股年限", "poverty-share conversion years"),
}


def _default_kinds() -> tuple[str, ...]:
    return ("sale_to_coop",)


def _default_split() -> dict[str, int]:
    return {"members": FULL_BP}


@dataclass(frozen=True)
class BylawsTerms:
    """The terms of one bylaws version that the rules use. Defaults are the law's defaults."""

    reserve_rate_bp: int = 1000
    patronage_share_bp: int = PATRONAGE_FLOOR_BP
    transaction_basis: str = "amount"
    patronage_transaction_kinds: tuple[str, ...] = field(default_factory=_default_kinds)
    # ({"share_class": "land", "basis": "per_mu", "amount_fen": 30000}, …): costs booked before surplus.
    guaranteed_payments: tuple[dict[str, Any], ...] = ()
    remainder_split: dict[str, int] = field(default_factory=_default_split)
    secondary_distribution_bp: int = 0
    secondary_distribution_target: str = "registered_poor"
    exit_notice_months: int = LAW_EXIT_NOTICE_MONTHS
    organisation_exit_notice_months: int = LAW_ORGANISATION_EXIT_NOTICE_MONTHS
    transfer_to_non_members: bool = False
    poverty_share_conversion_years: int = 5

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> BylawsTerms:
        """Terms from a mapping (form data, a Bylaws row's values); unknown keys are refused, lists become tuples."""
        unknown = sorted(set(data) - set(cls.field_names()))
        if unknown:
            raise InvalidInput(
                f"章程中有未知条款：{'、'.join(unknown)}。",
                f"Unknown bylaws terms: {', '.join(unknown)}.",
                code="invalid_bylaws",
                details={
                    "fields": {
                        name: {
                            "message_zh": "未知条款。",
                            "message_en": "Unknown term.",
                            "code": "unknown_field",
                        }
                        for name in unknown
                    }
                },
            )
        values = dict(data)
        for name in ("patronage_transaction_kinds", "guaranteed_payments"):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        return cls(**values)

    def as_row_values(self) -> dict[str, Any]:
        """The values to store on a Bylaws row (JSON lists for the tuples)."""
        values = {name: getattr(self, name) for name in self.field_names()}
        values["patronage_transaction_kinds"] = list(self.patronage_transaction_kinds)
        values["guaranteed_payments"] = [dict(g) for g in self.guaranteed_payments]
        values["remainder_split"] = dict(self.remainder_split)
        return values


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Problems:
    def __init__(self) -> None:
        self.fields: dict[str, dict[str, str]] = {}

    def add(self, name: str, zh: str, en: str, code: str, article: str = "") -> None:
        if name in self.fields:  # the first problem of a field is the one to fix first
            return
        entry = {"message_zh": zh, "message_en": en, "code": code}
        if article:
            entry["article"] = article
        self.fields[name] = entry

    def raise_if_any(self) -> None:
        if not self.fields:
            return
        zh = "；".join(f"{FIELD_LABELS.get(n, (n, n))[0]}：{e['message_zh']}" for n, e in self.fields.items())
        en = "; ".join(f"{FIELD_LABELS.get(n, (n, n))[1]}: {e['message_en']}" for n, e in self.fields.items())
        raise InvalidInput(
            f"章程条款有误。{zh}",
            f"The bylaws are not valid. {en}",
            code="invalid_bylaws",
            details={"fields": self.fields},
        )


def _check_bp(p: _Problems, name: str, value: object, article: str = "") -> bool:
    if not _is_int(value):
        p.add(name, "应为整数基点（1基点=0.01%）。", "Must be whole basis points (1 bp = 0.01%).", "bp_type")
        return False
    if value < 0 or value > FULL_BP:  # type: ignore[operator]
        p.add(name, "应在0%到100%之间。", "Must lie between 0% and 100%.", "bp_range", article)
        return False
    return True


def _check_months(p: _Problems, name: str, value: object) -> None:
    if not _is_int(value) or not 0 <= value <= MAX_NOTICE_MONTHS:  # type: ignore[operator]
        p.add(
            name,
            f"应为0到{MAX_NOTICE_MONTHS}之间的整数月数。",
            f"Must be a whole number of months from 0 to {MAX_NOTICE_MONTHS}.",
            "notice_months_range",
            ART_25,
        )


def _check_guarantees(p: _Problems, payments: object) -> None:
    name = "guaranteed_payments"
    if not isinstance(payments, (list, tuple)):
        p.add(name, "应为列表。", "Must be a list.", "guarantee_format")
        return
    seen: set[str] = set()
    for i, g in enumerate(payments, start=1):
        if not isinstance(g, dict) or set(g) != {"share_class", "basis", "amount_fen"}:
            p.add(
                name,
                f"第{i}项应包含 share_class、basis、amount_fen 三项。",
                f"Item {i} must hold exactly share_class, basis and amount_fen.",
                "guarantee_format",
            )
            return
        if g["share_class"] not in SHARE_CLASS_KINDS:
            p.add(
                name,
                f"第{i}项的股份类别“{g['share_class']}”不存在。",
                f"Item {i}: unknown share class kind {g['share_class']!r}.",
                "guarantee_share_class",
            )
            return
        if g["share_class"] in seen:
            p.add(
                name,
                f"第{i}项的股份类别重复。",
                f"Item {i} repeats share class {g['share_class']}.",
                "guarantee_duplicate",
            )
            return
        seen.add(g["share_class"])
        if g["basis"] not in GUARANTEE_BASES:
            p.add(
                name,
                f"第{i}项的计算方式应为按亩（per_mu）或按股（per_unit）。",
                f"Item {i}: the basis must be per_mu or per_unit.",
                "guarantee_basis",
            )
            return
        if not _is_int(g["amount_fen"]) or g["amount_fen"] < 0:
            p.add(
                name,
                f"第{i}项的金额应为非负整数（分）。",
                f"Item {i}: the amount must be a non-negative whole number of fen.",
                "guarantee_amount",
            )
            return


def _check_split(p: _Problems, split: object) -> None:
    name = "remainder_split"
    if not isinstance(split, dict) or not split:
        p.add(name, "应为非空的分配比例表。", "Must be a non-empty table of shares.", "split_format")
        return
    unknown = sorted(str(k) for k in set(split) - set(REMAINDER_KEYS))
    if unknown:
        p.add(
            name,
            f"未知的分配对象：{'、'.join(unknown)}（可用：members、collective、management、welfare）。",
            f"Unknown recipients: {', '.join(unknown)} (allowed: members, collective, management, welfare).",
            "split_unknown_key",
        )
        return
    if not all(_is_int(v) and v >= 0 for v in split.values()):
        p.add(
            name,
            "各项比例应为非负整数基点。",
            "Each share must be non-negative whole basis points.",
            "split_value",
        )
        return
    total = sum(split.values())
    if total != FULL_BP:
        p.add(
            name,
            f"各项比例之和应为10000基点（100%），现为{total}。",
            f"The shares must add up to 10000 bp (100%); they add up to {total}.",
            "split_sum",
        )


def check_bylaws(terms: BylawsTerms) -> BylawsTerms:
    """Check every term against the law and itself; all problems are reported at once, naming field and article."""
    p = _Problems()
    patronage_ok = _check_bp(p, "patronage_share_bp", terms.patronage_share_bp, ART_44)
    if patronage_ok and terms.patronage_share_bp < PATRONAGE_FLOOR_BP:
        p.add(
            "patronage_share_bp",
            f"按交易量返还的比例不得低于可分配盈余的60%（{ART_44}），现为{terms.patronage_share_bp / 100:.2f}%。",
            f"The patronage return must be at least 60% of the distributable surplus ({ART_44}); "
            f"it is {terms.patronage_share_bp / 100:.2f}%.",
            "patronage_below_floor",
            ART_44,
        )
    reserve_ok = _check_bp(p, "reserve_rate_bp", terms.reserve_rate_bp, ART_42)
    secondary_ok = _check_bp(p, "secondary_distribution_bp", terms.secondary_distribution_bp)
    if reserve_ok and secondary_ok and terms.reserve_rate_bp + terms.secondary_distribution_bp > FULL_BP:
        p.add(
            "secondary_distribution_bp",
            "公积金提取比例与二次分配比例之和超过100%。",
            "The reserve rate and the secondary distribution rate together exceed 100%.",
            "rates_exceed_whole",
        )
    if terms.transaction_basis not in TRANSACTION_BASES:
        p.add(
            "transaction_basis",
            "应为按交易额（amount）或按交易量（quantity）。",
            "Must be amount or quantity.",
            "transaction_basis",
        )
    kinds = terms.patronage_transaction_kinds
    if not isinstance(kinds, (list, tuple)) or not kinds:
        p.add(
            "patronage_transaction_kinds",
            f"至少应有一种交易计入盈余返还（{ART_44}）。",
            f"At least one kind of transaction must count for the patronage return ({ART_44}).",
            "kinds_empty",
            ART_44,
        )
    elif any(k not in TRANSACTION_KINDS for k in kinds) or len(set(kinds)) != len(kinds):
        p.add(
            "patronage_transaction_kinds",
            "交易类型未知或重复。",
            f"Unknown or repeated transaction kinds (allowed: {', '.join(TRANSACTION_KINDS)}).",
            "kinds_unknown",
        )
    _check_guarantees(p, terms.guaranteed_payments)
    _check_split(p, terms.remainder_split)
    if terms.secondary_distribution_target not in SECONDARY_TARGETS:
        p.add(
            "secondary_distribution_target",
            "二次分配对象未知。",
            f"Unknown secondary distribution target (allowed: {', '.join(SECONDARY_TARGETS)}).",
            "secondary_target",
        )
    _check_months(p, "exit_notice_months", terms.exit_notice_months)
    _check_months(p, "organisation_exit_notice_months", terms.organisation_exit_notice_months)
    if not isinstance(terms.transfer_to_non_members, bool):
        p.add("transfer_to_non_members", "应为是或否。", "Must be yes or no.", "bool")
    years = terms.poverty_share_conversion_years
    if not _is_int(years) or not 0 <= years <= MAX_CONVERSION_YEARS:
        p.add(
            "poverty_share_conversion_years",
            f"应为0到{MAX_CONVERSION_YEARS}之间的整数年数。",
            f"Must be a whole number of years from 0 to {MAX_CONVERSION_YEARS}.",
            "conversion_years_range",
        )
    p.raise_if_any()
    return terms


class _Versioned(Protocol):
    @property
    def effective_from(self) -> dt.date: ...


V = TypeVar("V", bound=_Versioned)


def bylaws_in_force(versions: Iterable[V], on_date: dt.date) -> V | None:
    """The version whose `effective_from` is the latest on or before `on_date`; None before the first version.

    Past years keep the bylaws they ran under: a later version changes nothing before its own date.
    """
    best: V | None = None
    for version in versions:
        if version.effective_from <= on_date and (
            best is None or version.effective_from > best.effective_from
        ):
            best = version
    return best
