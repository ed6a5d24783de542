"""The register import format: one row per person, household cells read from the head's row (户主)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header, as in the template
    key: str  # the English key, accepted as a header too
    required: bool  # the column must be present (and its cell filled, see the description)
    household: bool  # a household cell: read from the head's row
    description_zh: str
    description_en: str
    example: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "村代码",
        "village_code",
        True,
        False,
        "12位统计用区划代码，必须是登记在系统中的村，且在您的可编辑范围内。",
        "12-digit statistical code of a village known to the system and within your write scope.",
        "520502100201",
    ),
    Column(
        "村民组",
        "group",
        False,
        True,
        "村民组代码：3位组号（如 001）或15位完整代码；可空。",
        "Villager group: its 3-digit number (e.g. 001) or full 15-digit code; may be empty.",
        "001",
    ),
    Column(
        "户编号",
        "household_number",
        True,
        False,
        "本村内唯一的户编号：数字、字母或连字符，最多30位。",
        "Household number, unique in the village: up to 30 digits, letters or hyphens.",
        "0001",
    ),
    Column(
        "住址",
        "address",
        False,
        True,
        "住址，最多200字。",
        "Address, at most 200 characters.",
        "白马村一组12号",
    ),
    Column(
        "联系电话",
        "phone",
        False,
        True,
        "手机（11位）或固定电话（区号-号码）；可空。",
        "Mobile (11 digits) or landline (area code-number); may be empty.",
        "13800001234",
    ),
    Column(
        "建档立卡年度",
        "poverty_registered_year",
        False,
        True,
        "建档立卡的年份（2014年起）；非建档立卡户留空。",
        "Year registered poor (2014 or later); empty if never registered.",
        "2015",
    ),
    Column(
        "脱贫年度",
        "poverty_exit_year",
        False,
        True,
        "脱贫年份，不早于建档立卡年度；未脱贫留空。",
        "Year out of poverty, not before the registration year; empty if not yet.",
        "2019",
    ),
    Column(
        "承包地面积（亩）",
        "contracted_land_mu",
        False,
        True,
        "承包地面积，单位亩，最多两位小数；可空（为0）。",
        "Contracted land in mu, at most two decimals; empty means 0.",
        "3.5",
    ),
    Column(
        "户备注",
        "household_notes",
        False,
        True,
        "关于本户的备注；可空。",
        "Notes on the household; may be empty.",
        "",
    ),
    Column("姓名", "name", True, False, "姓名，最多50字。", "Full name, at most 50 characters.", "王大山"),
    Column(
        "身份证号码",
        "id_number",
        True,
        False,
        "18位居民身份证号码（GB 11643），校验码须正确；请将该列设为文本格式。",
        "18-character resident ID number (GB 11643) with a correct check character; format the column as text.",
        "520502197003080012",
    ),
    Column(
        "出生日期",
        "birth_date",
        False,
        False,
        "可空；填写时须与身份证号码一致（YYYY-MM-DD）。",
        "Optional; when given it must agree with the ID number (YYYY-MM-DD).",
        "1970-03-08",
    ),
    Column(
        "性别",
        "sex",
        False,
        False,
        "男/女；可空；填写时须与身份证号码一致。",
        "男 (male) or 女 (female); optional; when given it must agree with the ID number.",
        "男",
    ),
    Column(
        "与户主关系",
        "relation",
        True,
        False,
        "户主、配偶、子女、儿媳/女婿、孙子女/外孙子女、父母、祖父母/外祖父母、兄弟姐妹、其他；每户一名户主。",
        "Relation to the head: 户主 (head), 配偶, 子女, … or the English codes (head, spouse, child, …); "
        "one head per household.",
        "户主",
    ),
    Column(
        "民族",
        "ethnicity",
        False,
        False,
        "56个民族之一（可省略“族”字）；空为汉族。",
        "One of the 56 ethnic groups; empty means 汉族.",
        "汉族",
    ),
    Column(
        "劳动能力",
        "labour_capacity",
        False,
        False,
        "技能劳动力、普通劳动力、弱劳动力或半劳动力、丧失劳动力、无劳动力；空为普通劳动力。",
        "Labour capacity (技能劳动力, 普通劳动力, …); empty means ordinary.",
        "普通劳动力",
    ),
    Column(
        "是否外出务工",
        "migrant_worker",
        False,
        False,
        "是/否；空为否。",
        "是 (yes) or 否 (no); empty means no.",
        "否",
    ),
    Column(
        "务工地点",
        "migrant_destination",
        False,
        False,
        "外出务工的地点，最多100字；可空。",
        "Where the person works away from home, at most 100 characters; may be empty.",
        "",
    ),
    Column(
        "残疾情况",
        "disability",
        False,
        False,
        "无、视力残疾、听力残疾、言语残疾、肢体残疾、智力残疾、精神残疾、多重残疾；空为无。",
        "Disability (无, 视力残疾, …); empty means none.",
        "无",
    ),
    Column(
        "健康状况",
        "health",
        False,
        False,
        "健康、长期慢性病、患有大病、残疾；空为健康。",
        "Health (健康, 长期慢性病, 患有大病, 残疾); empty means healthy.",
        "健康",
    ),
)

BY_KEY = {c.key: c for c in COLUMNS}
HOUSEHOLD_KEYS = tuple(c.key for c in COLUMNS if c.household)


def fold_header(text: str) -> str:
    """Headers match ignoring case, spaces and full-width/half-width brackets."""
    return "".join(str(text).split()).lower().replace("(", "（").replace(")", "）")


def header_lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    """Folded Chinese header or English key → the column's key, for every column of a file format."""
    return {fold_header(c.header): c.key for c in columns} | {fold_header(c.key): c.key for c in columns}
