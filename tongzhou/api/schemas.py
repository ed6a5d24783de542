"""Request and response schemas of the API, described in Chinese and English for the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field

from .paging import PageParams

# ---------------------------------------------------------------- errors


class ErrorBody(Schema):
    code: str = Field(
        description="稳定的错误代码，如 forbidden、invalid_fields / Stable error code, e.g. forbidden"
    )
    message: str = Field(
        description="按 Accept-Language 给出的中文或英文说明 / Message in the request's language"
    )
    details: dict | list = Field(
        description="细节：字段错误在 details.fields.<字段> 下；422 时为 [{loc, msg}] / Details: field errors "
        "under details.fields.<field>; for 422 a list of {loc, msg}"
    )


class Error(Schema):
    error: ErrorBody


# ---------------------------------------------------------------- regions

LevelCode = Literal["province", "prefecture", "county", "township", "village", "group"]


class RegionOut(Schema):
    code: str = Field(
        description="统计用区划代码（2/4/6/9/12/15 位）/ Statistical division code (2–15 digits)"
    )
    name: str = Field(description="名称 / Name")
    level: LevelCode = Field(description="级别 / Level")
    level_label: str = Field(description="级别名称（当前语言）/ Level name in the request's language")
    parent_code: str | None = Field(description="上级代码 / Parent's code")
    county_code: str = Field(description="所属县级代码 / County code")


class RegionFigures(Schema):
    households: int = Field(description="户数 / Households")
    persons: int = Field(description="人数 / Persons")
    registered_poor_households: int = Field(description="建档立卡户 / Households registered poor")
    exited_poverty_households: int = Field(description="已脱贫户 / Households out of poverty")
    registered_poor_persons: int = Field(description="建档立卡人口 / Persons registered poor")
    migrant_workers: int = Field(description="外出务工人数 / Migrant workers")
    elderly_persons: int = Field(description="60岁及以上人数 / Persons aged 60 or more")
    women: int = Field(description="女性人数 / Women")
    villages: int = Field(description="村数 / Villages")
    updated_at: dt.datetime | None = Field(description="数据更新时间 / When the figures were last kept")


class RegionDetail(RegionOut):
    ancestors: list[RegionOut] = Field(description="上级地区，自上而下 / Ancestors, top down")
    figures: RegionFigures | None = Field(
        description="户籍统计；仅当可查看整个地区时给出 / Register figures; only when the whole region is readable"
    )
    can_write: bool = Field(
        description="当前用户能否修改本地区数据 / Whether the caller may change data here"
    )


class RegionPage(Schema):
    count: int = Field(description="总条数 / Total rows")
    page: int = Field(description="页码 / Page number")
    page_size: int = Field(description="每页条数 / Rows per page")
    results: list[RegionOut]


class RegionFilters(PageParams):
    level: LevelCode | None = Field(None, description="按级别筛选 / Only this level")
    parent: str | None = Field(
        None, pattern=r"^\d{2,12}$", description="按上级代码筛选 / Only children of this code"
    )
    q: str | None = Field(None, max_length=100, description="名称包含 / Name contains")


# ---------------------------------------------------------------- persons

SexCode = Literal["M", "F"]

PERSON_CHOICES_HELP = (
    "relation: head 户主, spouse 配偶, child 子女, child_in_law 儿媳/女婿, grandchild 孙子女, parent 父母, "
    "grandparent 祖父母, sibling 兄弟姐妹, other 其他；labour_capacity: skilled, ordinary, weak, lost, none；"
    "disability: none, visual, hearing, speech, physical, intellectual, mental, multiple；"
    "health: healthy, chronic, serious, disabled. 也接受中文名称 / Chinese labels are accepted too."
)


class PersonOut(Schema):
    id: int = Field(description="人员编号 / Person id")
    household_id: int = Field(description="所属农户 / Household id")
    village_code: str = Field(description="村代码 / Village code")
    county_code: str = Field(description="县代码 / County code")
    name: str = Field(description="姓名 / Name")
    id_number: str = Field(
        description="身份证号码；无权查看全号的角色只见前4位和后4位 / Resident ID number; masked (first and last "
        "4 characters) for roles that may not see it in full"
    )
    birth_date: dt.date | None = Field(
        description="出生日期；号码被遮蔽时不提供（否则可还原号码）/ Birth date; null when the ID is masked, "
        "since it would give the number away"
    )
    age: int = Field(description="周岁 / Age in full years")
    sex: SexCode = Field(description="性别 M 男 / F 女 / Sex")
    relation: str = Field(description="与户主关系代码 / Relation to the head (code)")
    ethnicity: str = Field(description="民族 / Ethnic group")
    labour_capacity: str = Field(description="劳动能力代码 / Labour capacity (code)")
    migrant_worker: bool = Field(description="外出务工 / Works away from home")
    migrant_destination: str = Field(description="务工地点 / Where they work")
    disability: str = Field(description="残疾情况代码 / Disability (code)")
    health: str = Field(description="健康状况代码 / Health (code)")
    identifiers_masked: bool = Field(description="身份证号码是否已遮蔽 / Whether the ID number is masked")
    created_at: dt.datetime
    updated_at: dt.datetime


class PersonPage(Schema):
    count: int = Field(description="总条数 / Total rows")
    page: int = Field(description="页码 / Page number")
    page_size: int = Field(description="每页条数 / Rows per page")
    results: list[PersonOut]


class PersonFilters(PageParams):
    region: str | None = Field(
        None, pattern=r"^\d{2,15}$", description="地区代码（含下级）/ Region code, with descendants"
    )
    household: int | None = Field(None, ge=1, description="农户编号 / Household id")
    q: str | None = Field(
        None,
        max_length=50,
        description="姓名开头、身份证后4位或完整号码 / Name prefix, last 4 ID digits or full ID",
    )


class _PersonFields(Schema):
    model_config = ConfigDict(extra="forbid")

    birth_date: dt.date | None = Field(
        None,
        description="出生日期，须与身份证号码一致，可省略 / Birth date; must agree with the ID; optional",
    )
    sex: str | None = Field(
        None, description="性别 M/F 或 男/女，须与号码一致，可省略 / Sex; must agree with the ID"
    )
    ethnicity: str | None = Field(
        None, max_length=20, description="民族，默认汉族 / Ethnic group, default 汉族"
    )
    labour_capacity: str | None = Field(
        None, description="劳动能力 / Labour capacity. " + PERSON_CHOICES_HELP
    )
    migrant_worker: bool | None = Field(None, description="外出务工 / Works away from home")
    migrant_destination: str | None = Field(None, max_length=100, description="务工地点 / Where they work")
    disability: str | None = Field(None, description="残疾情况 / Disability")
    health: str | None = Field(None, description="健康状况 / Health")


class PersonIn(_PersonFields):
    household_id: int = Field(ge=1, description="所属农户编号 / Household id")
    name: str = Field(max_length=50, description="姓名 / Name")
    id_number: str = Field(
        max_length=30, description="18位身份证号码（GB 11643，校验位须正确）/ 18-character resident ID"
    )
    relation: str = Field(description="与户主关系 / Relation to the head. " + PERSON_CHOICES_HELP)


class PersonPatch(_PersonFields):
    name: str | None = Field(None, max_length=50, description="姓名 / Name")
    id_number: str | None = Field(
        None, max_length=30, description="18位身份证号码 / 18-character resident ID"
    )
    relation: str | None = Field(None, description="与户主关系 / Relation to the head")


# ---------------------------------------------------------------- households

PovertyStatus = Literal["registered", "exited", "never"]


class HouseholdOut(Schema):
    id: int = Field(description="农户编号（系统内部）/ Household id")
    village_code: str = Field(description="村代码（12位）/ Village code (12 digits)")
    county_code: str = Field(description="县代码 / County code")
    group_code: str = Field(
        description="村民组代码（15位，可空）/ Villager group code (15 digits, may be empty)"
    )
    number: str = Field(description="户编号（村内唯一）/ Household number, unique in the village")
    head_name: str = Field(description="户主姓名 / Name of the head")
    address: str = Field(description="住址 / Address")
    phone: str = Field(
        description="联系电话；按角色遮蔽 / Phone; masked for roles that may not see it in full"
    )
    poverty_registered_year: int | None = Field(description="建档立卡年度 / Year registered poor")
    poverty_exit_year: int | None = Field(description="脱贫年度 / Year out of poverty")
    poverty_status: PovertyStatus = Field(
        description="registered 建档立卡未脱贫 / exited 已脱贫 / never 非建档立卡户 / Poverty register status"
    )
    contracted_land_mu: str = Field(
        description='承包地面积（亩），两位小数的字符串 / Contracted land in mu, e.g. "3.50"'
    )
    notes: str = Field(description="备注 / Notes")
    identifiers_masked: bool = Field(description="电话是否已遮蔽 / Whether the phone is masked")
    created_at: dt.datetime
    updated_at: dt.datetime


class HouseholdDetail(HouseholdOut):
    persons: list[PersonOut] = Field(description="家庭成员 / Members of the household")


class HouseholdPage(Schema):
    count: int = Field(description="总条数 / Total rows")
    page: int = Field(description="页码 / Page number")
    page_size: int = Field(description="每页条数 / Rows per page")
    results: list[HouseholdOut]


class HouseholdFilters(PageParams):
    region: str | None = Field(
        None, pattern=r"^\d{2,15}$", description="地区代码（含下级）/ Region code, with descendants"
    )
    q: str | None = Field(
        None,
        max_length=50,
        description="户编号、户主或成员姓名开头、身份证后4位 / Household number, name prefix or last 4 ID digits",
    )
    poverty: Literal["registered", "exited", "ever", "never"] | None = Field(
        None, description="建档立卡状态 / Poverty register status (ever = registered or exited)"
    )


class _HouseholdFields(Schema):
    model_config = ConfigDict(extra="forbid")

    group_code: str | None = Field(
        None, max_length=15, description="村民组代码或其后3位 / Group code or its last 3 digits"
    )
    address: str | None = Field(None, max_length=200, description="住址 / Address")
    phone: str | None = Field(None, max_length=20, description="联系电话 / Phone")
    poverty_registered_year: int | None = Field(
        None, description="建档立卡年度（2014起）/ Year registered poor (2014 on)"
    )
    poverty_exit_year: int | None = Field(None, description="脱贫年度 / Year out of poverty")
    contracted_land_mu: Decimal | None = Field(
        None,
        description='承包地面积（亩），最多两位小数，建议用字符串 "3.50" / Contracted land in mu, 2 decimals',
    )
    notes: str | None = Field(None, max_length=2000, description="备注 / Notes")


class HouseholdIn(_HouseholdFields):
    village_code: str = Field(max_length=12, description="村代码（12位）/ Village code (12 digits)")
    number: str = Field(max_length=30, description="户编号 / Household number")


class HouseholdPatch(_HouseholdFields):
    number: str | None = Field(None, max_length=30, description="户编号 / Household number")


# ---------------------------------------------------------------- me


class UserOut(Schema):
    id: int
    username: str = Field(description="用户名 / Username")
    full_name: str = Field(description="姓名 / Full name")
    is_superuser: bool = Field(description="超级用户 / Superuser")


class ScopeOut(Schema):
    region_code: str = Field(description="区划代码 / Region code")
    region_name: str = Field(description="地区名称 / Region name")
    role: str = Field(description="角色代码 / Role code")
    role_label: str = Field(description="角色名称（当前语言）/ Role name in the request's language")


class MeOut(Schema):
    user: UserOut
    scopes: list[ScopeOut] = Field(
        description="权限范围：地区及其下级 + 角色 / Scopes: a region and below + a role"
    )
    roles: list[str] = Field(description="所持角色代码 / Role codes held")
    read_roots: list[str] = Field(description="可查看的最上级地区代码 / Topmost readable region codes")
    write_roots: list[str] = Field(description="可修改的最上级地区代码 / Topmost writable region codes")
