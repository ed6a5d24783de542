"""Every write to the register: households and persons. Scoped, validated, audited, and rollups kept current."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from tongzhou.accounts.services import audit_record
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.regions.models import Region
from tongzhou.regions.scope import require_write
from tongzhou.rollups.services import register_figures_refresh

from . import domain
from .models import Disability, Health, Household, LabourCapacity, Person, Relation

HOUSEHOLD_FIELDS = (
    "village_code",
    "group_code",
    "number",
    "address",
    "phone",
    "poverty_registered_year",
    "poverty_exit_year",
    "contracted_land_mu",
    "notes",
)
PERSON_FIELDS = (
    "name",
    "id_number",
    "birth_date",
    "sex",
    "relation",
    "ethnicity",
    "labour_capacity",
    "migrant_worker",
    "migrant_destination",
    "disability",
    "health",
)

FIELD_LABELS = {
    "village_code": ("村代码", "village code"),
    "group_code": ("村民组", "villager group"),
    "number": ("户编号", "household number"),
    "address": ("住址", "address"),
    "phone": ("联系电话", "phone"),
    "poverty_registered_year": ("建档立卡年度", "year registered poor"),
    "poverty_exit_year": ("脱贫年度", "year out of poverty"),
    "contracted_land_mu": ("承包地面积（亩）", "contracted land (mu)"),
    "notes": ("备注", "notes"),
    "name": ("姓名", "name"),
    "id_number": ("身份证号码", "ID number"),
    "birth_date": ("出生日期", "birth date"),
    "sex": ("性别", "sex"),
    "relation": ("与户主关系", "relation to head"),
    "ethnicity": ("民族", "ethnicity"),
    "labour_capacity": ("劳动能力", "labour capacity"),
    "migrant_worker": ("外出务工", "migrant worker"),
    "migrant_destination": ("务工地点", "migrant work destination"),
    "disability": ("残疾情况", "disability"),
    "health": ("健康状况", "health"),
}


class _Collector:
    """Gathers field errors so a form shows every problem at once, then raises one InvalidInput."""

    def __init__(self) -> None:
        self.errors: dict[str, dict[str, str]] = {}
        self.values: dict[str, Any] = {}

    def take(self, name: str, parse: Callable[[], Any]) -> Any:
        try:
            value = parse()
        except InvalidInput as exc:
            self.errors[name] = {"message_zh": exc.message_zh, "message_en": exc.message_en, "code": exc.code}
            return None
        self.values[name] = value
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            fields_zh = "、".join(FIELD_LABELS.get(n, (n, n))[0] for n in self.errors)
            fields_en = ", ".join(FIELD_LABELS.get(n, (n, n))[1] for n in self.errors)
            raise InvalidInput(
                f"以下字段有误：{fields_zh}。",
                f"These fields are not valid: {fields_en}.",
                code="invalid_fields",
                details={"fields": self.errors},
            )


def _parse_household(data: dict[str, Any], *, village_code: str) -> _Collector:
    c = _Collector()
    if "group_code" in data:
        c.take("group_code", lambda: domain.parse_group_code(data["group_code"], village_code))
    if "number" in data:
        c.take("number", lambda: domain.parse_household_number(data["number"]))
    for name in ("address", "notes"):
        if name in data:
            c.take(name, lambda n=name: domain.clean_text(data[n]))
    if "phone" in data:
        c.take("phone", lambda: domain.parse_phone(data["phone"]))
    for name in ("poverty_registered_year", "poverty_exit_year"):
        if name in data:
            c.take(name, lambda n=name: domain.parse_year(data[n]))
    if "contracted_land_mu" in data:
        c.take("contracted_land_mu", lambda: domain.parse_land_mu(data["contracted_land_mu"]))
    unknown = set(data) - set(HOUSEHOLD_FIELDS)
    for name in unknown:
        c.errors[name] = {"message_zh": "未知字段。", "message_en": "Unknown field.", "code": "unknown_field"}
    return c


def _check_group(group_code: str) -> None:
    if group_code and not Region.objects.filter(code=group_code).exists():
        raise InvalidInput(
            f"村民组 {group_code} 不存在。",
            f"The villager group {group_code} does not exist.",
            code="unknown_group",
            details={
                "fields": {
                    "group_code": {
                        "message_zh": "村民组不存在。",
                        "message_en": "No such villager group.",
                        "code": "unknown_group",
                    }
                }
            },
        )


@transaction.atomic
def household_create(*, user, via: str = "web", **data: Any) -> Household:
    """Register a new household in a village the user may write."""
    try:
        village_code = domain.parse_village_code(data.get("village_code"))
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message_zh,
            exc.message_en,
            code="invalid_fields",
            details={
                "fields": {
                    "village_code": {
                        "message_zh": exc.message_zh,
                        "message_en": exc.message_en,
                        "code": exc.code,
                    }
                }
            },
        ) from None
    require_write(user, village_code)
    if not Region.objects.filter(code=village_code, level="village").exists():
        raise InvalidInput(
            f"村代码 {village_code} 不存在。",
            f"The village code {village_code} is unknown.",
            code="unknown_village",
            details={"value": village_code},
        )
    fields = {k: v for k, v in data.items() if k != "village_code"}
    fields.setdefault("number", None)
    c = _parse_household(fields, village_code=village_code)
    c.raise_if_any()
    values = c.values
    try:
        domain.check_poverty_years(values.get("poverty_registered_year"), values.get("poverty_exit_year"))
    except InvalidInput as exc:
        c.errors["poverty_exit_year"] = {
            "message_zh": exc.message_zh,
            "message_en": exc.message_en,
            "code": exc.code,
        }
        c.raise_if_any()
    _check_group(values.get("group_code", ""))
    if Household.objects.filter(village_code=village_code, number=values["number"]).exists():
        raise Conflict(
            f"本村已有户编号 {values['number']}。",
            f"Household number {values['number']} already exists in this village.",
            code="duplicate_household",
            details={"number": values["number"]},
        )
    household = Household.objects.create(village_code=village_code, county_code=village_code[:6], **values)
    audit_record(user=user, action="household.create", obj=household, region_code=village_code, via=via)
    register_figures_refresh(village_codes=[village_code])
    return household


@transaction.atomic
def household_update(*, user, household: Household, via: str = "web", **data: Any) -> Household:
    """Change a household's fields. Moving it to another village is not an update: it is refused."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_write(user, household.village_code)
    if "village_code" in data and str(data.pop("village_code")).strip() != household.village_code:
        raise InvalidInput(
            "不能通过修改把农户迁到别的村。",
            "A household cannot be moved to another village by an update.",
            code="village_change",
        )
    c = _parse_household(data, village_code=household.village_code)
    c.raise_if_any()
    values = c.values
    registered = values.get("poverty_registered_year", household.poverty_registered_year)
    exited = values.get("poverty_exit_year", household.poverty_exit_year)
    try:
        domain.check_poverty_years(registered, exited)
    except InvalidInput as exc:
        c.errors["poverty_exit_year"] = {
            "message_zh": exc.message_zh,
            "message_en": exc.message_en,
            "code": exc.code,
        }
        c.raise_if_any()
    if "group_code" in values:
        _check_group(values["group_code"])
    if (
        "number" in values
        and values["number"] != household.number
        and Household.objects.filter(village_code=household.village_code, number=values["number"]).exists()
    ):
        raise Conflict(
            f"本村已有户编号 {values['number']}。",
            f"Household number {values['number']} already exists in this village.",
            code="duplicate_household",
        )
    changed = {k: v for k, v in values.items() if getattr(household, k) != v}
    for k, v in changed.items():
        setattr(household, k, v)
    if changed:
        household.save()
        audit_record(
            user=user,
            action="household.update",
            obj=household,
            region_code=household.village_code,
            via=via,
            details={"fields": sorted(changed)},
        )
        register_figures_refresh(village_codes=[household.village_code])
    return household


def _parse_person(data: dict[str, Any], *, existing: Person | None = None) -> _Collector:
    c = _Collector()
    if "name" in data:
        c.take("name", lambda: domain.parse_name(data["name"]))
    if "id_number" in data or "birth_date" in data or "sex" in data:
        id_value = data.get("id_number", existing.id_number if existing else None)
        checked = c.take(
            "id_number",
            lambda: domain.check_resident_id(
                id_value, birth_value=data.get("birth_date"), sex_value=data.get("sex")
            ),
        )
        if checked is not None:
            c.values.update(id_number=checked.resident.number, birth_date=checked.birth_date, sex=checked.sex)
    if "relation" in data:
        c.take("relation", lambda: domain.parse_choice(data["relation"], Relation))
    if "ethnicity" in data:
        c.take("ethnicity", lambda: domain.parse_ethnicity(data["ethnicity"]))
    for name, choices, default in (
        ("labour_capacity", LabourCapacity, LabourCapacity.ORDINARY),
        ("disability", Disability, Disability.NONE),
        ("health", Health, Health.HEALTHY),
    ):
        if name in data:
            c.take(name, lambda n=name, ch=choices, d=default: domain.parse_choice(data[n], ch, default=d))
    if "migrant_worker" in data:
        c.take(
            "migrant_worker",
            lambda: (
                data["migrant_worker"]
                if isinstance(data["migrant_worker"], bool)
                else domain.parse_bool(data["migrant_worker"])
            ),
        )
    if "migrant_destination" in data:
        c.take("migrant_destination", lambda: domain.clean_text(data["migrant_destination"])[:100])
    unknown = set(data) - set(PERSON_FIELDS)
    for name in unknown:
        c.errors[name] = {"message_zh": "未知字段。", "message_en": "Unknown field.", "code": "unknown_field"}
    return c


def _check_id_free(id_number: str, *, except_pk: int | None = None) -> None:
    other = (
        Person.objects.filter(id_number=id_number).exclude(pk=except_pk).select_related("household").first()
    )
    if other is not None:
        raise Conflict(
            "该身份证号码已登记在另一户。",
            "This ID number is already registered in another household.",
            code="duplicate_id_number",
            details={
                "fields": {
                    "id_number": {
                        "message_zh": "身份证号码已存在。",
                        "message_en": "ID number already registered.",
                        "code": "duplicate_id_number",
                    }
                }
            },
        )


def _check_single_head(household: Household, relation: str | None, *, except_pk: int | None = None) -> None:
    if (
        relation == Relation.HEAD
        and household.persons.filter(relation=Relation.HEAD).exclude(pk=except_pk).exists()
    ):
        raise Conflict("该户已有户主。", "This household already has a head.", code="second_head")


def _sync_head_name(household: Household) -> None:
    head = household.persons.filter(relation=Relation.HEAD).values_list("name", flat=True).first() or ""
    if household.head_name != head:
        Household.objects.filter(pk=household.pk).update(head_name=head)
        household.head_name = head


@transaction.atomic
def person_create(*, user, household: Household, via: str = "web", **data: Any) -> Person:
    """Add a person to a household the user may write; the ID number is checked per GB 11643 and must be new."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_write(user, household.village_code)
    for required in ("name", "id_number", "relation"):
        data.setdefault(required, None)
    c = _parse_person(data)
    c.raise_if_any()
    values = c.values
    _check_id_free(values["id_number"])
    _check_single_head(household, values.get("relation"))
    person = Person(
        household=household, village_code=household.village_code, county_code=household.county_code, **values
    )
    person.id_last4 = person.id_number[-4:]
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise Conflict(
            "该身份证号码已登记。", "This ID number is already registered.", code="duplicate_id_number"
        ) from None
    _sync_head_name(household)
    audit_record(user=user, action="person.create", obj=person, region_code=household.village_code, via=via)
    register_figures_refresh(village_codes=[household.village_code])
    return person


@transaction.atomic
def person_update(*, user, person: Person, via: str = "web", **data: Any) -> Person:
    person = Person.objects.select_for_update().select_related("household").get(pk=person.pk)
    require_write(user, person.village_code)
    c = _parse_person(data, existing=person)
    c.raise_if_any()
    values = c.values
    if "id_number" in values and values["id_number"] != person.id_number:
        _check_id_free(values["id_number"], except_pk=person.pk)
    if "relation" in values:
        _check_single_head(person.household, values["relation"], except_pk=person.pk)
    changed = {k: v for k, v in values.items() if getattr(person, k) != v}
    for k, v in changed.items():
        setattr(person, k, v)
    if changed:
        person.id_last4 = person.id_number[-4:]
        person.save()
        _sync_head_name(person.household)
        audit_record(
            user=user,
            action="person.update",
            obj=person,
            region_code=person.village_code,
            via=via,
            details={"fields": sorted(changed)},
        )
        register_figures_refresh(village_codes=[person.village_code])
    return person
