"""The deterministic synthetic Bijie: regions, households and persons, generated without a database.

Everything derives from a seed: the same seed and scale give the same townships, villages, households, names and
resident ID numbers, byte for byte. Households are generated village by village (`iter_village_rows`), so a
prefecture of 9 million persons streams in bounded memory. `write_register_csv` writes the same rows as a register
import file (one row per person, household columns on the head's row).
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tongzhou.core.errors import InvalidInput
from tongzhou.core.ids import resident_id_check_char

# Bijie's county-level divisions (GB/T 2260), in code order.
COUNTIES: dict[str, str] = {
    "520502": "七星关区",
    "520521": "大方县",
    "520523": "金沙县",
    "520524": "织金县",
    "520525": "纳雍县",
    "520526": "威宁彝族回族苗族自治县",
    "520527": "赫章县",
    "520581": "黔西市",
}
PREFECTURE = "5205"
DEFAULT_COUNTY = "520502"
SCALES = ("village", "township", "county", "prefecture")

# Bijie: ≈ 3,700 villages, ≈ 2.5 m households, ≈ 9 m persons; per county one eighth of that.
VILLAGES_PER_COUNTY = 462
TOWNSHIPS_PER_COUNTY = 25
VILLAGES_IN_FIRST_TOWNSHIP = 12
BAIMA_HOUSEHOLDS = 300
HOUSEHOLDS_PER_VILLAGE = (400, 952)  # uniform: mean ≈ 676 households, ≈ 312,000 per county
BAIMA_NAME = "白马村"

# Ages are taken on this day, so the output never depends on the day the demo runs.
REFERENCE_DATE = dt.date(2025, 6, 30)

MIGRANT_DESTINATIONS = ("浙江", "广东", "福建", "上海", "江苏", "贵阳")
MIGRANT_DESTINATION_WEIGHTS = (28, 24, 14, 10, 10, 14)
ETHNICITY_WEIGHTS_DEFAULT = {"汉族": 80, "彝族": 6, "苗族": 7, "回族": 1, "布依族": 3, "白族": 3}
# 威宁彝族回族苗族自治县 has the largest Yi, Hui and Miao shares of Bijie.
ETHNICITY_WEIGHTS_BY_COUNTY = {
    "520526": {"汉族": 70, "彝族": 11, "回族": 9, "苗族": 8, "布依族": 1, "白族": 1}
}
DISABILITY_KINDS = ("physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple")
DISABILITY_WEIGHTS = (50, 12, 12, 3, 8, 8, 7)

# Household column order of the tuples `iter_village_rows` yields (the Household model's field names).
HOUSEHOLD_FIELDS = (
    "village_code",
    "county_code",
    "group_code",
    "number",
    "head_name",
    "address",
    "phone",
    "poverty_registered_year",
    "poverty_exit_year",
    "contracted_land_mu",
    "notes",
)
# Person column order (the Person model's field names); birth_date is an ISO date string.
PERSON_FIELDS = (
    "name",
    "id_number",
    "id_last4",
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
(
    P_NAME,
    P_ID,
    P_LAST4,
    P_BIRTH,
    P_SEX,
    P_RELATION,
    P_ETHNICITY,
    P_LABOUR,
    P_MIGRANT,
    P_DEST,
    P_DISABILITY,
    P_HEALTH,
) = range(12)

REGISTER_CSV_COLUMNS = (
    "村代码",
    "村民组",
    "户编号",
    "住址",
    "联系电话",
    "建档立卡年度",
    "脱贫年度",
    "承包地面积（亩）",
    "户备注",
    "姓名",
    "身份证号码",
    "出生日期",
    "性别",
    "与户主关系",
    "民族",
    "劳动能力",
    "是否外出务工",
    "务工地点",
    "残疾情况",
    "健康状况",
)

# Syllables that make township and village names (two of them + 镇/乡/村); order matters for determinism.
_PLACE_SYLLABLES = list(
    "白马龙青山石河水坝田沟岩林花松竹凤鸡鹰云阳新平安和兴丰宝金银黄红大小高长双三五六七八中东西南北上下官"
    "营桥坪寨堡关场岭湾溪塘井柏杉桃李梨茶麻乐普朱杨海雨珠瓦猫羊牛鱼箐坡槽庄铺街屯洞头口冲寺庙元德顺福星月"
    "江湖泉"
)
_NUMERALS = "零一二三四五六七八九"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, for villager group names (一组, 二组 …)."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")


@dataclass(frozen=True)
class VillagePlan:
    code: str
    name: str
    households: int
    groups: tuple[tuple[str, str], ...]  # (group code, name)


@dataclass(frozen=True)
class TownshipPlan:
    code: str
    name: str
    villages: tuple[VillagePlan, ...]


@dataclass(frozen=True)
class CountyPlan:
    code: str
    name: str
    townships: tuple[TownshipPlan, ...]


def _place_name(rng: random.Random, taken: set[str], suffix: str) -> str:
    while True:
        name = rng.choice(_PLACE_SYLLABLES) + rng.choice(_PLACE_SYLLABLES) + suffix
        if name not in taken and name[0] != name[1]:
            taken.add(name)
            return name


def _village_plan(rng: random.Random, code: str, name: str, households: int) -> VillagePlan:
    group_count = max(3, min(15, households // 70 + rng.randint(-1, 2)))
    groups = tuple((f"{code}{g:03d}", f"{chinese_ordinal(g)}组") for g in range(1, group_count + 1))
    return VillagePlan(code=code, name=name, households=households, groups=groups)


@lru_cache(maxsize=16)
def county_plan(seed: int, county_code: str) -> CountyPlan:
    """The full region tree of one county: ≈ 25 townships (镇 from code 100, 乡 from 200, 街道 from 001)."""
    if county_code not in COUNTIES:
        raise InvalidInput(
            f"{county_code} 不是毕节市的县级区划代码。",
            f"{county_code} is not a Bijie county code.",
            code="demo_county",
        )
    rng = random.Random(f"tongzhou-demo:{seed}:{county_code}")
    streets = 2
    rural_townships = TOWNSHIPS_PER_COUNTY - streets
    towns = rural_townships - rng.randint(4, 8)
    kinds = [("镇", f"{county_code}{100 + i:03d}") for i in range(towns)]
    kinds += [("乡", f"{county_code}{200 + i:03d}") for i in range(rural_townships - towns)]
    kinds += [("街道", f"{county_code}{1 + i:03d}") for i in range(streets)]
    # The first township holds 12 villages; the others share the rest, 12 to 26 each.
    rest = VILLAGES_PER_COUNTY - VILLAGES_IN_FIRST_TOWNSHIP
    counts = [rng.randint(12, 26) for _ in kinds[1:]]
    scale = rest / sum(counts)
    counts = [max(6, round(c * scale)) for c in counts]
    counts[-1] += rest - sum(counts)
    counts.insert(0, VILLAGES_IN_FIRST_TOWNSHIP)
    taken_township_names: set[str] = set()
    townships = []
    for (suffix, code), village_count in zip(kinds, counts, strict=True):
        township_name = _place_name(rng, taken_township_names, suffix)
        village_suffix = "社区" if suffix == "街道" else "村"
        first = 1 if suffix == "街道" else 201
        taken_village_names = {BAIMA_NAME}
        villages = []
        for i in range(village_count):
            village_code = f"{code}{first + i:03d}"
            if not townships and i == 0:
                villages.append(_village_plan(rng, village_code, BAIMA_NAME, BAIMA_HOUSEHOLDS))
                continue
            name = _place_name(rng, taken_village_names, village_suffix)
            villages.append(_village_plan(rng, village_code, name, rng.randint(*HOUSEHOLDS_PER_VILLAGE)))
        townships.append(TownshipPlan(code=code, name=township_name, villages=tuple(villages)))
    townships.sort(key=lambda t: t.code)
    # Keep the township with 白马村 first in generation order whatever its code.
    townships.sort(key=lambda t: t.villages[0].name != BAIMA_NAME)
    return CountyPlan(code=county_code, name=COUNTIES[county_code], townships=tuple(townships))


def plan(scale: str, seed: int, county: str | None = None) -> list[CountyPlan]:
    """The counties (with their townships and villages) a scale covers."""
    if scale not in SCALES:
        raise InvalidInput(
            f"规模应为 {'、'.join(SCALES)} 之一。",
            f"The scale must be one of {', '.join(SCALES)}.",
            code="demo_scale",
        )
    if scale == "prefecture":
        if county:
            raise InvalidInput(
                "全市规模包括全部8个县，不能指定 --county。",
                "The prefecture scale covers all 8 counties; --county does not apply.",
                code="demo_county",
            )
        return [county_plan(seed, c) for c in COUNTIES]
    full = county_plan(seed, county or DEFAULT_COUNTY)
    if scale == "county":
        return [full]
    first = full.townships[0]
    if scale == "township":
        return [CountyPlan(full.code, full.name, (first,))]
    village_only = TownshipPlan(first.code, first.name, first.villages[:1])
    return [CountyPlan(full.code, full.name, (village_only,))]


def region_rows(plans: list[CountyPlan]) -> list[tuple[str, str]]:
    """(code, name) of every township, village and villager group, for regions_bulk_upsert."""
    rows: list[tuple[str, str]] = []
    for county in plans:
        for township in county.townships:
            rows.append((township.code, township.name))
            for village in township.villages:
                rows.append((village.code, village.name))
                rows.extend(village.groups)
    return rows


def expected_counts(scale: str, seed: int, county: str | None = None) -> tuple[int, int]:
    """(villages, households) a scale will generate; persons are ≈ 3.6 per household."""
    plans = plan(scale, seed, county)
    villages = [v for c in plans for t in c.townships for v in t.villages]
    return len(villages), sum(v.households for v in villages)


class NamePool:
    """Surnames and given names drawn once from Faker zh_CN (seeded), combined with random.Random for speed."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        # Drawing from Faker's weighted lists keeps 王, 李, 张, 刘, 陈 … as common as they are.
        self.surnames = [fake.last_name() for _ in range(3000)]
        self.male = [fake.first_name_male() for _ in range(800)]
        self.female = [fake.first_name_female() for _ in range(800)]
        # Two-character given names are the rural norm; build some from the single characters Faker offers.
        singles_m = sorted({n for n in self.male if len(n) == 1})
        singles_f = sorted({n for n in self.female if len(n) == 1})
        rng = random.Random(f"tongzhou-names:{seed}")
        self.male += [rng.choice(singles_m) + rng.choice(singles_m) for _ in range(800)]
        self.female += [rng.choice(singles_f) + rng.choice(singles_f) for _ in range(800)]

    def given(self, rng: random.Random, sex: str) -> str:
        return rng.choice(self.male if sex == "M" else self.female)

    def surname(self, rng: random.Random) -> str:
        return rng.choice(self.surnames)


@dataclass
class VillageRows:
    """One village's households (tuples in HOUSEHOLD_FIELDS order) and each household's persons, head first."""

    county: CountyPlan
    township: TownshipPlan
    village: VillagePlan
    households: list[tuple]
    persons: list[list[tuple]]


class _IdSequences:
    """Resident ID order codes already used per (address code, birth date, sex), so every number is unique."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, int, str], int] = {}

    def make(self, address: str, birth: dt.date, sex: str) -> tuple[str, dt.date]:
        while True:
            key = (address, birth.toordinal(), sex)
            sequence = self.used.get(key, 0)
            if sequence < 500:
                self.used[key] = sequence + 1
                break
            birth = birth + dt.timedelta(days=1)  # 500 numbers of one day and sex are spent: the next day
        # Spread the order codes over 0–499 (197 is coprime with 500, so n ↦ n·197 + offset is a bijection):
        # real order codes are not all 001, and a search by the last four digits must not match half a village.
        spread = (sequence * 197 + birth.toordinal() * 31 + int(address)) % 500
        order = spread * 2 + (1 if sex == "M" else 0)
        first17 = f"{address}{birth.year:04d}{birth.month:02d}{birth.day:02d}{order:03d}"
        return first17 + resident_id_check_char(first17), birth


class _VillageGenerator:
    def __init__(self, seed: int, names: NamePool, ids: _IdSequences) -> None:
        self.seed = seed
        self.names = names
        self.ids = ids
        self.ref_ordinal = REFERENCE_DATE.toordinal()

    def village(self, county: CountyPlan, township: TownshipPlan, village: VillagePlan) -> VillageRows:
        rng = random.Random(f"tongzhou-demo:{self.seed}:{village.code}")
        weights = ETHNICITY_WEIGHTS_BY_COUNTY.get(county.code, ETHNICITY_WEIGHTS_DEFAULT)
        self.ethnicities = list(weights)
        self.ethnicity_weights = list(weights.values())
        self.rng = rng
        self.county_code = county.code
        households: list[tuple] = []
        persons: list[list[tuple]] = []
        groups = village.groups
        for n in range(1, village.households + 1):
            group_code, group_name = groups[(n - 1) * len(groups) // village.households]
            members = self._family()
            head = members[0]
            registered = exited = None
            if rng.random() < 0.275:
                registered = rng.choices((2014, 2015, 2016, 2017, 2018, 2019), (45, 15, 12, 12, 10, 6))[0]
                if rng.random() < 0.97:
                    exited = max(
                        registered + 1, rng.choices((2016, 2017, 2018, 2019, 2020), (15, 20, 25, 25, 15))[0]
                    )
                    exited = min(exited, 2020)
            land = f"{rng.uniform(1, 8):.2f}"
            phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
            households.append(
                (
                    village.code,
                    county.code,
                    group_code,
                    f"{n:04d}",
                    head[P_NAME],
                    f"{county.name}{township.name}{village.name}{group_name}{n}号",
                    phone,
                    registered,
                    exited,
                    land,
                    "",
                )
            )
            persons.append(members)
        return VillageRows(county, township, village, households, persons)

    # A household: (relation, age, sex, surname or None for "the head's") per member, head first.
    def _family(self) -> list[tuple]:
        rng = self.rng
        kind = rng.choices(("elderly", "nuclear", "three", "parents", "single"), (22, 37, 23, 10, 8))[0]
        head_sex = "M" if rng.random() < 0.86 else "F"
        spec: list[tuple[str, int, str, bool]] = []  # relation, age, sex, shares the head's surname

        def child_ages(parent_age: int, count: int) -> list[int]:
            first = parent_age - rng.randint(21, 32)
            return [a for a in (first - i * rng.randint(2, 4) for i in range(count)) if a >= 0]

        if kind == "elderly":
            age = rng.randint(60, 88)
            spec.append(("head", age, head_sex, True))
            if rng.random() < 0.7:
                spec.append(("spouse", max(58, age + rng.randint(-5, 3)), _other(head_sex), False))
            if rng.random() < 0.35:  # left-behind grandchildren living with grandparents
                for a in child_ages(age - rng.randint(22, 30), rng.randint(1, 2)):
                    spec.append(("grandchild", a, _sex(rng), True))
        elif kind == "nuclear":
            age = rng.randint(26, 58)
            spec.append(("head", age, head_sex, True))
            if rng.random() < 0.9:
                spec.append(("spouse", max(20, age + rng.randint(-4, 3)), _other(head_sex), False))
            for a in child_ages(age, rng.choices((1, 2, 3), (35, 45, 20))[0]):
                spec.append(("child", a, _sex(rng), True))
        elif kind == "three":
            age = rng.randint(48, 74)
            spec.append(("head", age, head_sex, True))
            if rng.random() < 0.8:
                spec.append(("spouse", max(45, age + rng.randint(-4, 3)), _other(head_sex), False))
            son_age = age - rng.randint(22, 30)
            spec.append(("child", son_age, "M", True))
            spec.append(("child_in_law", max(18, son_age + rng.randint(-4, 2)), "F", False))
            for a in child_ages(son_age, rng.choices((1, 2, 3), (40, 45, 15))[0]):
                spec.append(("grandchild", a, _sex(rng), True))
        elif kind == "parents":
            age = rng.randint(30, 52)
            spec.append(("head", age, head_sex, True))
            if rng.random() < 0.9:
                spec.append(("spouse", max(20, age + rng.randint(-4, 3)), _other(head_sex), False))
            for a in child_ages(age, rng.choices((1, 2), (50, 50))[0]):
                spec.append(("child", a, _sex(rng), True))
            parent_age = age + rng.randint(22, 32)
            spec.append(("parent", parent_age, "F", False))
            if rng.random() < 0.5:
                spec.append(("parent", parent_age + rng.randint(0, 4), "M", True))
        else:
            age = rng.randint(20, 85)
            spec.append(("head", age, head_sex, True))
            if rng.random() < 0.2:
                spec.append(("sibling", max(16, age + rng.randint(-6, 6)), _sex(rng), True))

        surname = self.names.surname(rng)
        ethnicity = rng.choices(self.ethnicities, self.ethnicity_weights)[0]
        members = []
        for relation, age, sex, same_surname in spec:
            own_ethnicity = ethnicity if same_surname or rng.random() < 0.85 else self._ethnicity()
            name = (surname if same_surname else self.names.surname(rng)) + self.names.given(rng, sex)
            members.append(self._person(name, relation, age, sex, own_ethnicity, kind))
        return members

    def _ethnicity(self) -> str:
        return self.rng.choices(self.ethnicities, self.ethnicity_weights)[0]

    def _person(self, name: str, relation: str, age: int, sex: str, ethnicity: str, kind: str) -> tuple:
        rng = self.rng
        birth_ordinal = self.ref_ordinal - age * 365 - age // 4 - rng.randrange(365)
        id_number, birth = self.ids.make(self.county_code, dt.date.fromordinal(birth_ordinal), sex)
        disability = "none"
        if rng.random() < (0.11 if age >= 60 else 0.025):
            disability = rng.choices(DISABILITY_KINDS, DISABILITY_WEIGHTS)[0]
        roll = rng.random()
        if disability != "none":
            health = "disabled"
        elif roll < (0.05 if age >= 60 else 0.01):
            health = "serious"
        elif roll < (0.32 if age >= 60 else 0.07):
            health = "chronic"
        else:
            health = "healthy"
        if age < 16 or age >= 75:
            labour = "none"
        elif disability != "none" or health == "serious":
            labour = "lost"
        elif age >= 60 or health == "chronic":
            labour = "weak"
        else:
            labour = "skilled" if rng.random() < 0.18 else "ordinary"
        migrant = False
        destination = ""
        if labour in ("skilled", "ordinary") and 16 <= age < 60:
            # The middle generation leaves; heads of three-generation households stay with the land.
            chance = 0.38 if age < 46 else 0.17
            if relation == "head" and kind == "three":
                chance = 0.08
            if rng.random() < chance:
                migrant = True
                destination = rng.choices(MIGRANT_DESTINATIONS, MIGRANT_DESTINATION_WEIGHTS)[0]
        return (
            name,
            id_number,
            id_number[-4:],
            birth.isoformat(),
            sex,
            relation,
            ethnicity,
            labour,
            migrant,
            destination,
            disability,
            health,
        )


def _other(sex: str) -> str:
    return "F" if sex == "M" else "M"


def _sex(rng: random.Random) -> str:
    return "M" if rng.random() < 0.52 else "F"


def iter_village_rows(seed: int, scale: str, county: str | None = None) -> Iterator[VillageRows]:
    """Yield every village of the scale with its households and persons, in code order, without a database."""
    names = NamePool(seed)
    ids = _IdSequences()
    generator = _VillageGenerator(seed, names, ids)
    for county_plan_ in plan(scale, seed, county):
        ids.used.clear()  # sequences are per address code, and each county has its own
        for township in county_plan_.townships:
            for village in township.villages:
                yield generator.village(county_plan_, township, village)


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    from django.utils import translation

    from tongzhou.households.models import Disability, Health, LabourCapacity, Relation

    # The file format uses the Chinese labels, whatever language is active.
    with translation.override("zh-hans"):
        return {
            "relation": {m.value: str(m.label) for m in Relation},
            "labour": {m.value: str(m.label) for m in LabourCapacity},
            "disability": {m.value: str(m.label) for m in Disability},
            "health": {m.value: str(m.label) for m in Health},
        }


def write_register_csv(
    path: str | Path,
    scale: str,
    seed: int,
    limit: int | None = None,
    county: str | None = None,
    progress=None,
) -> int:
    """Write a register import file (UTF-8 CSV, one row per person); returns the number of person rows.

    `limit` stops after that many persons (at a household boundary). Needs Django's settings for the labels.
    """
    labels = _labels()
    relation, labour, disability, health = (
        labels["relation"],
        labels["labour"],
        labels["disability"],
        labels["health"],
    )
    sex_label = {"M": "男", "F": "女"}
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(REGISTER_CSV_COLUMNS)
        for rows in iter_village_rows(seed, scale, county):
            for household, members in zip(rows.households, rows.persons, strict=True):
                if limit is not None and written + len(members) > limit and written:
                    return written
                for i, p in enumerate(members):
                    if i == 0:
                        head_part = (
                            household[0],
                            household[2][-3:],
                            household[3],
                            household[5],
                            household[6],
                            household[7] or "",
                            household[8] or "",
                            household[9],
                            household[10],
                        )
                    else:
                        head_part = (household[0], "", household[3], "", "", "", "", "", "")
                    out.writerow(
                        head_part
                        + (
                            p[P_NAME],
                            p[P_ID],
                            p[P_BIRTH],
                            sex_label[p[P_SEX]],
                            relation[p[P_RELATION]],
                            p[P_ETHNICITY],
                            labour[p[P_LABOUR]],
                            "是" if p[P_MIGRANT] else "否",
                            p[P_DEST],
                            disability[p[P_DISABILITY]],
                            health[p[P_HEALTH]],
                        )
                    )
                written += len(members)
            if progress is not None:
                progress(len(rows.households), sum(len(m) for m in rows.persons))
    return written
