"""Writes of cooperatives and their bylaws: scoped to the cooperative's region, validated, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from tongzhou.accounts.services import audit_record
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.core.ids import validate_uscc
from tongzhou.households.domain import parse_date
from tongzhou.households.models import Person
from tongzhou.regions.models import Region
from tongzhou.regions.scope import require_write
from tongzhou.rollups.coverage import coop_figures_refresh

from ..domain.bylaws import BylawsTerms, check_bylaws
from ..models import Bylaws, Cooperative, Industry, LegalForm, Level

UPDATABLE_FIELDS = (
    "name",
    "credit_code",
    "founded_on",
    "industry",
    "chairperson",
    "chairperson_name",
    "board",
    "party_organisation_name",
)
FIXED_FIELDS = ("level", "legal_form", "region_code", "county_code", "closed_through_year")
LEVEL_CODE_LENGTH = {Level.VILLAGE: 12, Level.TOWNSHIP: 9, Level.COUNTY: 6}
BOARD_KEYS = {"name", "position", "person_id"}


def _field_error(field: str, zh: str, en: str, code: str, **details: Any) -> InvalidInput:
    return InvalidInput(
        zh,
        en,
        code=code,
        details={"fields": {field: {"message_zh": zh, "message_en": en, "code": code}}, **details},
    )


def _parse_name(value: object) -> str:
    name = str(value or "").strip()
    if not name or len(name) > 120:
        raise _field_error(
            "name", "名称不能为空，最多120个字。", "The name is required, 120 characters at most.", "name"
        )
    return name


def _parse_credit_code(value: object, *, except_pk: int | None = None) -> str:
    try:
        code = validate_uscc(str(value or ""))
    except InvalidInput as exc:
        raise _field_error(
            "credit_code", exc.message_zh, exc.message_en, exc.code, value=str(value)
        ) from None
    if Cooperative.objects.filter(credit_code=code).exclude(pk=except_pk).exists():
        raise Conflict(
            f"统一社会信用代码 {code} 已登记。",
            f"The unified social credit code {code} is already registered.",
            code="duplicate_credit_code",
            details={"field": "credit_code", "value": code},
        )
    return code


def _parse_choice(field: str, value: object, choices: Any) -> str:
    if value not in choices.values:
        raise _field_error(
            field,
            f"取值“{value}”无效。",
            f"{value!r} is not one of {', '.join(choices.values)}.",
            "choice",
        )
    return str(value)


def _parse_founded_on(value: object) -> dt.date:
    try:
        day = parse_date(value)
    except InvalidInput as exc:
        raise _field_error("founded_on", exc.message_zh, exc.message_en, exc.code) from None
    if day is None:
        raise _field_error("founded_on", "成立日期必填。", "The founding date is required.", "required")
    return day


def _parse_board(value: object) -> list[dict[str, Any]]:
    ok = isinstance(value, list) and all(
        isinstance(m, dict)
        and {"name", "position"} <= set(m) <= BOARD_KEYS
        and str(m["name"]).strip()
        and str(m["position"]).strip()
        for m in value
    )
    if not ok:
        raise _field_error(
            "board",
            "理事会与监事会应为列表，每人有姓名（name）和职务（position）。",
            "The board must be a list of people, each with a name and a position.",
            "board_format",
        )
    return [dict(m) for m in value]  # type: ignore[union-attr]


def _check_chairperson(person: Person | None, region_code: str) -> None:
    if person is not None and not person.village_code.startswith(region_code):
        raise _field_error(
            "chairperson",
            "理事长应为本地区登记在册的人员。",
            "The chairperson must be a person registered within the cooperative's region.",
            "chairperson_region",
        )


@transaction.atomic
def cooperative_create(
    *,
    user,
    name: str,
    credit_code: str,
    level: str,
    legal_form: str,
    region_code: str,
    founded_on: dt.date | str,
    industry: str = Industry.MIXED,
    chairperson: Person | None = None,
    chairperson_name: str = "",
    board: list[dict[str, Any]] | None = None,
    party_organisation_name: str = "",
    via: str = "web",
) -> Cooperative:
    """Register a cooperative at its level; the region must exist at that level and the user may write it."""
    level = _parse_choice("level", level, Level)
    region_code = str(region_code or "").strip()
    if len(region_code) != LEVEL_CODE_LENGTH[Level(level)] or not region_code.isdigit():
        raise _field_error(
            "region_code",
            f"{Level(level).label}的地区代码应为{LEVEL_CODE_LENGTH[Level(level)]}位数字。",
            f"A {level} cooperative's region code has {LEVEL_CODE_LENGTH[Level(level)]} digits.",
            "region_code_level",
        )
    require_write(user, region_code)
    if not Region.objects.filter(code=region_code, level=level).exists():
        raise _field_error(
            "region_code",
            f"地区代码 {region_code} 不存在。",
            f"The region code {region_code} is unknown.",
            "unknown_region",
        )
    values = {
        "name": _parse_name(name),
        "legal_form": _parse_choice("legal_form", legal_form, LegalForm),
        "founded_on": _parse_founded_on(founded_on),
        "industry": _parse_choice("industry", industry, Industry),
        "board": _parse_board(board or []),
        "party_organisation_name": str(party_organisation_name or "").strip()[:120],
    }
    _check_chairperson(chairperson, region_code)
    values["credit_code"] = _parse_credit_code(credit_code)
    try:
        with transaction.atomic():
            cooperative = Cooperative.objects.create(
                level=level,
                region_code=region_code,
                county_code=region_code[:6],
                chairperson=chairperson,
                chairperson_name=(
                    str(chairperson_name or "").strip() or (chairperson.name if chairperson else "")
                )[:50],
                **values,
            )
    except IntegrityError:
        raise Conflict(
            "统一社会信用代码已登记。",
            "The unified social credit code is already registered.",
            code="duplicate_credit_code",
        ) from None
    audit_record(user=user, action="cooperative.create", obj=cooperative, region_code=region_code, via=via)
    coop_figures_refresh(village_codes=[cooperative.region_code])
    return cooperative


@transaction.atomic
def cooperative_update(*, user, cooperative: Cooperative, via: str = "web", **data: Any) -> Cooperative:
    """Change a cooperative's name, credit code, founding date, industry, chairperson, board or leading Party
    organisation. Its level, legal form and region are fixed: a different one is a different cooperative."""
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    require_write(user, cooperative.region_code)
    fixed = sorted(set(data) & set(FIXED_FIELDS))
    unknown = sorted(set(data) - set(UPDATABLE_FIELDS) - set(FIXED_FIELDS))
    if fixed or unknown:
        raise InvalidInput(
            f"不能修改这些字段：{'、'.join(fixed + unknown)}。",
            f"These fields cannot be changed: {', '.join(fixed + unknown)}.",
            code="invalid_fields",
            details={
                "fields": {
                    n: {
                        "message_zh": "不可修改。" if n in fixed else "未知字段。",
                        "message_en": "Cannot be changed." if n in fixed else "Unknown field.",
                        "code": "fixed_field" if n in fixed else "unknown_field",
                    }
                    for n in fixed + unknown
                }
            },
        )
    values: dict[str, Any] = {}
    if "name" in data:
        values["name"] = _parse_name(data["name"])
    if "founded_on" in data:
        values["founded_on"] = _parse_founded_on(data["founded_on"])
    if "industry" in data:
        values["industry"] = _parse_choice("industry", data["industry"], Industry)
    if "board" in data:
        values["board"] = _parse_board(data["board"])
    if "party_organisation_name" in data:
        values["party_organisation_name"] = str(data["party_organisation_name"] or "").strip()[:120]
    if "chairperson" in data:
        _check_chairperson(data["chairperson"], cooperative.region_code)
        values["chairperson"] = data["chairperson"]
        if data["chairperson"] is not None and "chairperson_name" not in data:
            values["chairperson_name"] = data["chairperson"].name
    if "chairperson_name" in data:
        values["chairperson_name"] = str(data["chairperson_name"] or "").strip()[:50]
    if "credit_code" in data:
        values["credit_code"] = _parse_credit_code(data["credit_code"], except_pk=cooperative.pk)
    changed = {k: v for k, v in values.items() if getattr(cooperative, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(cooperative, k, v)
        cooperative.save()
        audit_record(
            user=user,
            action="cooperative.update",
            obj=cooperative,
            region_code=cooperative.region_code,
            via=via,
            details={"fields": sorted(changed)},
        )
    return cooperative


def _parse_bylaws_date(field: str, value: object) -> dt.date:
    try:
        day = parse_date(value)
    except InvalidInput as exc:
        raise _field_error(field, exc.message_zh, exc.message_en, exc.code) from None
    if day is None:
        raise _field_error(field, "日期必填。", "The date is required.", "required")
    return day


def _check_year_open(cooperative: Cooperative, effective_from: dt.date) -> None:
    closed = cooperative.closed_through_year
    if closed is not None and effective_from.year <= closed:
        raise InvalidInput(
            f"{closed}年及以前的账已结，不能设定在{effective_from.isoformat()}生效的章程；过去的年度保留当时的章程。",
            f"The books are closed through {closed}: bylaws cannot take effect on {effective_from.isoformat()}; "
            "past years keep the bylaws they ran under.",
            code="year_closed",
            details={"field": "effective_from", "closed_through_year": closed},
        )


@transaction.atomic
def bylaws_adopt(
    *,
    user,
    cooperative: Cooperative,
    effective_from: dt.date | str,
    adopted_on: dt.date | str,
    join_rules: str = "",
    notes: str = "",
    via: str = "web",
    **terms: Any,
) -> Bylaws:
    """Record a new bylaws version adopted by the members' assembly, in force from `effective_from`.

    A version is never edited once it has run or a later one exists: changes are a new, later version. It may not
    start in a closed year, nor on or before the latest existing version (that would rewrite a past period).
    """
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    require_write(user, cooperative.region_code)
    effective = _parse_bylaws_date("effective_from", effective_from)
    adopted = _parse_bylaws_date("adopted_on", adopted_on)
    checked = check_bylaws(BylawsTerms.from_mapping(terms))
    if adopted > effective:
        raise _field_error(
            "adopted_on",
            "章程应先经成员大会通过，再生效。",
            "Bylaws must be adopted on or before the day they take effect.",
            "adopted_after_effective",
        )
    if effective < cooperative.founded_on:
        raise _field_error(
            "effective_from",
            "章程生效日期不能早于合作社成立日期。",
            "Bylaws cannot take effect before the cooperative was founded.",
            "before_founding",
        )
    _check_year_open(cooperative, effective)
    latest = cooperative.bylaws_versions.order_by("-effective_from").first()
    if latest is not None and effective <= latest.effective_from:
        raise Conflict(
            f"已有{latest.effective_from.isoformat()}生效的章程；新版本只能在其后生效，过去的期间保留原章程。",
            f"A version in force from {latest.effective_from.isoformat()} exists; a new version must take effect "
            "after it, and past periods keep their bylaws.",
            code="bylaws_not_latest",
            details={"field": "effective_from", "latest_effective_from": latest.effective_from.isoformat()},
        )
    bylaws = Bylaws.objects.create(
        cooperative=cooperative,
        effective_from=effective,
        adopted_on=adopted,
        join_rules=str(join_rules or "").strip(),
        notes=str(notes or "").strip(),
        **checked.as_row_values(),
    )
    audit_record(
        user=user,
        action="bylaws.adopt",
        obj=bylaws,
        region_code=cooperative.region_code,
        via=via,
        details={"effective_from": effective.isoformat()},
    )
    return bylaws
