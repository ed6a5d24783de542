"""Demo cooperatives at three levels, built from the register already in the database.

Every demo village gets its village cooperative (1.0) and its village collective economic organisation (a member
of the cooperative), bylaws (most of them with a guaranteed payment, 保底收益, per mu of land shares: see
`village_guarantees`), three share classes, members (every registered-poor household, the village cadres and
60–80% of the other households), their share subscriptions and a year (2025) of member transactions in the
village's industry; the collective its membership roll, every registered household of the village with its
income-right shares (收益权份额, one per person on a cut-off date: see `collective_roll`); every township a union
cooperative (2.0) whose members are its village cooperatives; every county a platform company (3.0) whose members
are the township unions.

The same invariants as the services hold (valid credit codes, active members with a join date, subscriptions with
amount = units × unit value, transactions with amount = quantity × price rounded half up and a unique source key
from `coops.domain.transactions.source_key`), but rows are written in bulk village by village: `COPY` on PostgreSQL,
`executemany` on SQLite. The wages and land rent paid to household members become their households' income lines
by the same set-based statement the import uses (`distribution.services.income.income_from_transactions`), in the
transaction that writes them. Deterministic for a seed on a fresh database.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import connection, transaction

from tongzhou.coops.domain.bylaws import BylawsTerms, check_bylaws
from tongzhou.coops.domain.membership import exit_effective_date, exit_notice_deadline
from tongzhou.coops.domain.shares import (
    SUBSIDY_KINDS,
    Holding,
    exit_settlement,
    plan_conversion,
    plan_inheritance,
    plan_transfer,
    poverty_shares_due_for_conversion,
    subscription_amount_fen,
)
from tongzhou.coops.domain.transactions import member_key, source_key
from tongzhou.coops.models import (
    Bylaws,
    Cooperative,
    Industry,
    LegalForm,
    Level,
    Member,
    MemberStatus,
    MemberTransaction,
    ShareClass,
    ShareClassKind,
    ShareEntry,
)
from tongzhou.core.ids import uscc_check_char
from tongzhou.distribution.models import HouseholdIncome
from tongzhou.distribution.services.income import income_from_transactions, last_transaction_id
from tongzhou.households.models import Household, Person
from tongzhou.rollups.coverage import coop_figures_rebuild
from tongzhou.rollups.models import RegionCoopFigures

from .collective_roll import collective_roll
from .generate import BAIMA_NAME, CountyPlan, plan

YEAR = 2025
MEMBER_TABLE = Member._meta.db_table
ENTRY_TABLE = ShareEntry._meta.db_table
TRANSACTION_TABLE = MemberTransaction._meta.db_table
MEMBER_COLUMNS = (
    "id", "cooperative_id", "kind", "household_id", "person_id", "member_cooperative_id", "organisation_name",
    "organisation_credit_code", "display_name", "is_farmer", "is_village_cadre", "is_woman", "village_code",
    "county_code", "status", "applied_on", "joined_on", "exit_capital_returned_fen", "exit_reserve_returned_fen",
    "notes", "created_at", "updated_at", "exit_notice_on", "exit_effective_on", "exit_settled_on",
)  # fmt: skip
MEMBER_COLUMN = {name: i for i, name in enumerate(MEMBER_COLUMNS)}
ENTRY_COLUMNS = (
    "cooperative_id", "member_id", "share_class_id", "entry_type", "on", "units_centi", "amount_fen", "reason",
    "village_code", "county_code", "created_at", "counterparty_id", "movement",
)  # fmt: skip
TRANSACTION_COLUMNS = (
    "cooperative_id", "member_id", "is_member", "counterparty_name", "kind", "on", "year", "product", "grade",
    "quantity", "unit", "unit_price_fen", "amount_fen", "source_key", "village_code", "county_code", "created_at",
)  # fmt: skip
VILLAGES_PER_TRANSACTION = 20

# Checked once by the same rules as bylaws_adopt (law floor of 60%, split summing to 100%).
BYLAWS = check_bylaws(
    BylawsTerms(
        reserve_rate_bp=1000,
        patronage_share_bp=6000,
        patronage_transaction_kinds=("sale_to_coop", "purchase_from_coop"),
        remainder_split={"members": 6000, "collective": 2500, "management": 1500},
        poverty_share_conversion_years=5,
    )
)
# (kind, name, unit, unit value in fen)
SHARE_CLASSES = (
    (ShareClassKind.CASH, "现金股", "股", 100_00),
    (ShareClassKind.LAND, "土地经营权股", "亩", 1_200_00),
    (ShareClassKind.FISCAL_POVERTY, "财政扶贫资金股", "股", 1_000_00),
)
# The guaranteed payment (保底收益) per mu of land shares a year, in fen: (lowest, highest) by the village's industry,
# drawn in steps of ¥50. Bijie's land-share cooperatives commonly pay ¥300–500 a mu on top of dividends; land under
# mulberry or mushroom sheds earns more than forage or potato land.
GUARANTEE_PER_MU_FEN = {
    Industry.SERICULTURE: (400_00, 500_00),
    Industry.TEA: (350_00, 450_00),
    Industry.EDIBLE_FUNGI: (400_00, 500_00),
    Industry.CHILI: (300_00, 400_00),
    Industry.CATTLE: (300_00, 350_00),
    Industry.POTATO: (300_00, 400_00),
}
GUARANTEE_SHARE = 0.8  # of the villages' cooperatives (白马村's always): the rest pay dividends only
OTHER_INDUSTRIES = (Industry.TEA, Industry.EDIBLE_FUNGI, Industry.CHILI, Industry.CATTLE, Industry.POTATO)
CADRE_POSITIONS = ("理事长", "副理事长", "理事", "理事", "监事长", "监事", "理事")


@dataclass(frozen=True)
class Line:
    """One kind of transaction of an industry: quantity in thousandths (lo–hi), price in fen (lo–hi)."""

    kind: str
    product: str
    unit: str
    quantity_milli: tuple[int, int]
    price_fen: tuple[int, int]
    months: tuple[int, ...]
    weight: int
    grades: tuple[str, ...] = ("",)


def _kg(lo: float, hi: float) -> tuple[int, int]:
    return int(lo * 1000), int(hi * 1000)


# DOMAIN.md §6 for sericulture (34–46 kg of cocoons per box, 35–52 yuan/kg); plausible local figures elsewhere.
INDUSTRY_LINES: dict[str, tuple[Line, ...]] = {
    Industry.SERICULTURE: (
        Line("sale_to_coop", "鲜茧", "kg", _kg(34, 138), (35_00, 52_00), (5, 6, 8, 9), 45, ("一级", "二级", "三级")),
        Line("purchase_from_coop", "蚕种", "张", _kg(1, 4), (80_00, 110_00), (4, 7), 12),
        Line("labour", "桑叶采摘", "工日", _kg(1, 8), (80_00, 120_00), (4, 5, 6, 7, 8, 9), 33),
        Line("land_rent", "桑园土地流转", "亩", _kg(0.5, 3), (400_00, 600_00), (12,), 10),
    ),
    Industry.TEA: (
        Line("sale_to_coop", "茶青（鲜叶）", "kg", _kg(5, 80), (20_00, 80_00), (3, 4, 5, 6), 45, ("一芽一叶", "一芽二叶")),
        Line("purchase_from_coop", "有机肥", "袋", _kg(2, 20), (90_00, 130_00), (2, 10), 12),
        Line("labour", "茶园采摘", "工日", _kg(1, 10), (80_00, 120_00), (3, 4, 5), 33),
        Line("land_rent", "茶园土地流转", "亩", _kg(0.5, 3), (300_00, 500_00), (12,), 10),
    ),
    Industry.EDIBLE_FUNGI: (
        Line("sale_to_coop", "鲜香菇", "kg", _kg(20, 300), (6_00, 12_00), (3, 4, 5, 9, 10, 11), 45, ("一级", "二级")),
        Line("purchase_from_coop", "香菇菌棒", "棒", _kg(200, 2000), (2_50, 3_50), (1, 2, 8), 12),
        Line("labour", "出菇采收", "工日", _kg(1, 10), (80_00, 120_00), (3, 4, 5, 9, 10, 11), 33),
        Line("land_rent", "大棚用地流转", "亩", _kg(0.5, 3), (400_00, 600_00), (12,), 10),
    ),
    Industry.CHILI: (
        Line("sale_to_coop", "鲜辣椒", "kg", _kg(100, 1500), (3_00, 6_00), (7, 8, 9), 45, ("一级", "统货")),
        Line("purchase_from_coop", "辣椒穴盘苗", "株", _kg(1000, 5000), (5, 10), (3, 4), 12),
        Line("labour", "辣椒采摘", "工日", _kg(1, 10), (80_00, 120_00), (7, 8, 9), 33),
        Line("land_rent", "辣椒基地土地流转", "亩", _kg(0.5, 3), (300_00, 500_00), (12,), 10),
    ),
    Industry.CATTLE: (
        Line("sale_to_coop", "育肥牛（活重）", "kg", _kg(400, 650), (28_00, 34_00), (6, 11, 12), 20),
        Line("sale_to_coop", "青贮玉米", "kg", _kg(1000, 8000), (40, 60), (8, 9), 25),
        Line("purchase_from_coop", "精饲料", "kg", _kg(100, 1000), (3_00, 3_80), (1, 4, 7, 10), 12),
        Line("labour", "牛场务工", "工日", _kg(1, 10), (80_00, 120_00), tuple(range(1, 13)), 33),
        Line("land_rent", "饲草地流转", "亩", _kg(0.5, 3), (300_00, 500_00), (12,), 10),
    ),
    Industry.POTATO: (
        Line("sale_to_coop", "商品薯", "kg", _kg(500, 4000), (1_20, 2_20), (8, 9, 10), 45, ("大薯", "中薯")),
        Line("purchase_from_coop", "脱毒种薯", "kg", _kg(100, 500), (2_50, 3_50), (2, 3), 12),
        Line("labour", "马铃薯收挖", "工日", _kg(1, 10), (80_00, 120_00), (8, 9, 10), 33),
        Line("land_rent", "马铃薯基地土地流转", "亩", _kg(0.5, 3), (300_00, 500_00), (12,), 10),
    ),
}  # fmt: skip
QUANTITY_STEP = {"kg": 10, "亩": 500, "工日": 500}
NON_MEMBER_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


@dataclass
class CoopDemoResult:
    cooperatives: int = 0
    members: int = 0
    share_entries: int = 0
    transactions: int = 0
    income_lines: int = 0
    roll_members: int = 0  # the collectives' household members (counted in `members` too)


def credit_code(prefix: str, county_code: str, body: str) -> str:
    """A GB 32100 code: registration department and type (2), county (6), organisation body (9), check char."""
    first17 = f"{prefix}{county_code}{body}"
    return first17 + uscc_check_char(first17)


def village_industry(village_code: str, village_name: str, seed: int) -> str:
    """白马村 raises silkworms; every other village gets one of tea, edible fungi, chili, cattle, potato."""
    if village_name == BAIMA_NAME:
        return Industry.SERICULTURE
    return random.Random(f"tongzhou-demo-industry:{seed}:{village_code}").choice(OTHER_INDUSTRIES)


def village_guarantees(village_code: str, village_name: str, industry: str, seed: int) -> tuple[dict, ...]:
    """The bylaws' guaranteed payments of a village cooperative: per mu of land shares at a rate of its industry, or
    none (about one village in five). Drawn from a generator of its own, so no other figure of the demo moves."""
    rng = random.Random(f"tongzhou-demo-guarantee:{seed}:{village_code}")
    guaranteed = rng.random() < GUARANTEE_SHARE
    lo, hi = GUARANTEE_PER_MU_FEN[industry]
    rate = rng.randrange(lo, hi + 1, 50_00)
    if not (guaranteed or village_name == BAIMA_NAME):
        return ()
    return ({"share_class": ShareClassKind.LAND.value, "basis": "per_mu", "amount_fen": rate},)


def demo_coops_reset() -> None:
    """Delete every cooperative row, in dependency order; raw DELETE (the share ledger refuses a row delete). The
    household income lines go first (those of the transactions; the distribution reset deletes the rest before)."""
    tables = (
        HouseholdIncome._meta.db_table,
        TRANSACTION_TABLE,
        ENTRY_TABLE,
        ShareClass._meta.db_table,
        MEMBER_TABLE,
        Bylaws._meta.db_table,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(f"DELETE FROM {Cooperative._meta.db_table}")
        RegionCoopFigures.objects.all().delete()


class _Writer:
    """Raw bulk inserts: COPY on PostgreSQL, executemany on SQLite. Nothing here validates."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.now = now.replace(tzinfo=None).isoformat(" ") if self.vendor == "sqlite" else now
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {MEMBER_TABLE}")
            self.next_member_id = cursor.fetchone()[0] + 1

    def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            connection.ensure_connection()
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
            connection.connection.executemany(sql, rows)

    def finish(self) -> None:
        """Move PostgreSQL's member id sequence past the ids given explicitly."""
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{MEMBER_TABLE}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {MEMBER_TABLE}))"
                )


def _day(rng: random.Random, year: int, months: tuple[int, ...]) -> dt.date:
    month = rng.choice(months)
    return dt.date(year, month, rng.randint(1, 28))


def _iso(day: dt.date) -> str:
    return day.isoformat()


@dataclass(frozen=True)
class _Holder:
    """A household member of a village cooperative, as the year's share events see it."""

    member_id: int
    name: str
    joined: dt.date
    birth: dt.date
    is_cadre: bool
    registered: int | None
    poverty_exit: int | None


class _Ledger:
    """One village cooperative's share entries as coops.services.shares writes them (entry types, signs,
    counterparty, reason, one movement UUID per transfer, inheritance or conversion), with the holdings they make."""

    def __init__(self, coop: Cooperative, writer: _Writer) -> None:
        self.coop = coop
        self.writer = writer
        self.rows: list[tuple] = []
        self.held: dict[int, dict[int, Holding]] = {}

    def enter(
        self,
        member_id: int,
        share_class: ShareClass,
        entry_type: str,
        on: dt.date,
        holding: Holding,
        reason: str,
        *,
        counterparty: int | None = None,
        movement: uuid.UUID | None = None,
    ) -> None:
        coop = self.coop
        # Django keeps a UUID as 32 hex digits on SQLite and as a native uuid on PostgreSQL.
        stored = (
            None if movement is None else movement if self.writer.vendor == "postgresql" else movement.hex
        )
        self.rows.append(
            (coop.pk, member_id, share_class.pk, entry_type, _iso(on), holding.units_centi, holding.amount_fen,
             reason, coop.region_code, coop.county_code, self.writer.now, counterparty, stored)
        )  # fmt: skip
        classes = self.held.setdefault(member_id, {})
        before = classes.get(share_class.pk, Holding())
        classes[share_class.pk] = Holding(
            before.units_centi + holding.units_centi, before.amount_fen + holding.amount_fen
        )

    def subscribe(
        self, member_id: int, share_class: ShareClass, units_centi: int, on: dt.date, reason: str
    ) -> None:
        amount = subscription_amount_fen(units_centi, share_class.unit_value_fen)
        self.enter(member_id, share_class, "subscription", on, Holding(units_centi, amount), reason)

    def holding(self, member_id: int, class_id: int) -> Holding:
        return self.held.get(member_id, {}).get(class_id, Holding())

    def holdings(self, member_id: int) -> dict[int, Holding]:
        return {c: h for c, h in self.held.get(member_id, {}).items() if not h.is_empty}


def _movement(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _the_year(
    rng: random.Random,
    ledger: _Ledger,
    classes: dict[int, ShareClass],
    cash: ShareClass,
    poverty: ShareClass,
    holders: list[_Holder],
) -> dict[int, dict[str, object]]:
    """The demo year's share events of one village cooperative, in date order, by the services' rules: the
    conversion of fiscal poverty-fund shares of households out of poverty for the bylaws' years (March), 1–3
    transfers of cash shares between members (April–June), an inheritance (July–August) and 1–2 exits given
    notice in time and settled after the year end (Art. 25, 28). Returns the member rows' changed fields."""
    changes: dict[int, dict[str, object]] = {}
    years = BYLAWS.poverty_share_conversion_years
    conversion_day = dt.date(YEAR, 3, rng.randint(1, 28))
    reason = f"脱贫满 {years} 年，财政扶贫资金股转为现金股"
    for holder in sorted(holders, key=lambda h: h.member_id):
        holding = ledger.holding(holder.member_id, poverty.pk)
        if holding.units_centi <= 0 or not poverty_shares_due_for_conversion(
            holder.poverty_exit, YEAR, years
        ):
            continue
        out, into = plan_conversion(holding, cash.unit_value_fen)
        movement = _movement(rng)
        ledger.enter(
            holder.member_id, poverty, "conversion_out", conversion_day, out.out, reason, movement=movement
        )
        ledger.enter(
            holder.member_id, cash, "conversion_in", conversion_day, into.into, reason, movement=movement
        )

    # Who leaves: ordinary households (neither registered poor nor cadres) that hold shares; the oldest head dies.
    pool = sorted(
        (h for h in holders if not h.registered and not h.is_cadre and ledger.holdings(h.member_id)),
        key=lambda h: (h.birth, h.member_id),
    )
    deceased = pool[0] if pool else None
    exits = rng.sample(pool[1:], min(len(pool) - 1, rng.randint(1, 2))) if pool else []
    leaving = {h.member_id for h in exits} | ({deceased.member_id} if deceased else set())
    staying = [h for h in holders if h.member_id not in leaving]

    days = sorted(
        _day_between(rng, dt.date(YEAR, 4, 1), dt.date(YEAR, 6, 30)) for _ in range(rng.randint(1, 3))
    )
    for day in days:
        sellers = [h for h in staying if ledger.holding(h.member_id, cash.pk).units_centi >= 100]
        if not sellers or len(staying) < 2:
            break
        seller = rng.choice(sellers)
        buyer = rng.choice([h for h in staying if h.member_id != seller.member_id])
        holding = ledger.holding(seller.member_id, cash.pk)
        moved = plan_transfer(
            holding,
            rng.randint(1, holding.units_centi // 100) * 100,
            from_member_id=seller.member_id,
            to_member_id=buyer.member_id,
            transferable=cash.transferable,
            to_is_member=True,
            transfer_to_non_members=BYLAWS.transfer_to_non_members,
        )
        movement = _movement(rng)
        reason = rng.choice(("成员间转让现金股", "外出务工，转让部分股份", "转让现金股给本村成员"))
        ledger.enter(seller.member_id, cash, "transfer_out", day, moved.out, reason,
                     counterparty=buyer.member_id, movement=movement)  # fmt: skip
        ledger.enter(buyer.member_id, cash, "transfer_in", day, moved.into, reason,
                     counterparty=seller.member_id, movement=movement)  # fmt: skip

    if deceased is not None and staying:
        kin = [h for h in staying if h.name[:1] == deceased.name[:1]] or staying
        heir = rng.choice(kin)
        day = _day_between(rng, dt.date(YEAR, 7, 1), dt.date(YEAR, 8, 31))
        moves = plan_inheritance(
            ledger.holdings(deceased.member_id),
            deceased_member_id=deceased.member_id,
            heir_member_id=heir.member_id,
            heir_is_member=True,
        )
        movement = _movement(rng)
        reason = "成员去世，股份由继承人继承"
        for class_id in sorted(moves):
            moved = moves[class_id]
            ledger.enter(deceased.member_id, classes[class_id], "inheritance_out", day, moved.out, reason,
                         counterparty=heir.member_id, movement=movement)  # fmt: skip
            ledger.enter(heir.member_id, classes[class_id], "inheritance_in", day, moved.into, reason,
                         counterparty=deceased.member_id, movement=movement)  # fmt: skip
        # Membership ends with the member: nothing is paid out, the shares went to the heir.
        changes[deceased.member_id] = {
            "status": MemberStatus.EXITED.value,
            "exit_effective_on": day,
            "exit_settled_on": day,
            "notes": f"{day.isoformat()} 去世，股份由成员 {heir.name}（编号 {heir.member_id}）继承。",
        }

    months = BYLAWS.exit_notice_months
    for holder in exits:
        notice = _day_between(
            rng, max(dt.date(YEAR, 1, 1), holder.joined), exit_notice_deadline(YEAR, months)
        )
        effective = exit_effective_date(notice, months)
        settled = _day_between(rng, effective + dt.timedelta(days=10), effective + dt.timedelta(days=75))
        held = ledger.holdings(holder.member_id)
        capital = sum(
            h.amount_fen
            for c, h in held.items()
            if classes[c].is_capital and classes[c].kind not in SUBSIDY_KINDS
        )
        settlement = exit_settlement(capital, 0)
        for class_id in sorted(held):
            share_class = classes[class_id]
            subsidy = share_class.kind in SUBSIDY_KINDS or not share_class.is_capital
            reason = "退社收回财政补助形成的股份（不予退还）" if subsidy else "退社退还出资"
            h = held[class_id]
            ledger.enter(holder.member_id, share_class, "redemption", settled,
                         Holding(-h.units_centi, -h.amount_fen), reason)  # fmt: skip
        changes[holder.member_id] = {
            "status": MemberStatus.EXITED.value,
            "exit_notice_on": notice,
            "exit_effective_on": effective,
            "exit_settled_on": settled,
            "exit_capital_returned_fen": settlement.capital_returned_fen,
        }
    return changes


class _VillageBuilder:
    def __init__(self, seed: int, writer: _Writer, result: CoopDemoResult) -> None:
        self.seed = seed
        self.writer = writer
        self.result = result

    def member_row(self, coop: Cooperative, joined: dt.date, **fields) -> tuple[int, tuple]:
        member_id = self.writer.next_member_id
        self.writer.next_member_id += 1
        now = self.writer.now
        values = {
            "kind": "household", "household_id": None, "person_id": None, "member_cooperative_id": None,
            "is_farmer": True, "is_village_cadre": False, "is_woman": False, "village_code": "",
        } | fields  # fmt: skip
        row = (
            member_id, coop.pk, values["kind"], values["household_id"], values["person_id"],
            values["member_cooperative_id"], "", "", values["display_name"], values["is_farmer"],
            values["is_village_cadre"], values["is_woman"], values["village_code"], coop.county_code, "active",
            _iso(joined), _iso(joined), 0, 0, "", now, now, None, None, None,
        )  # fmt: skip
        self.result.members += 1
        return member_id, row

    def village(
        self, county: CountyPlan, township_code: str, village_code: str, village_name: str
    ) -> Cooperative:
        rng = random.Random(f"tongzhou-demo-coops:{self.seed}:{village_code}")
        households = list(
            Household.objects.filter(village_code=village_code)
            .order_by("number")
            .values_list("id", "poverty_registered_year", "contracted_land_mu", "poverty_exit_year")
        )
        heads = {
            h: (pk, name, sex, birth)
            for h, pk, name, sex, birth in Person.objects.filter(village_code=village_code, relation="head")
            .order_by()
            .values_list("household_id", "id", "name", "sex", "birth_date")
        }
        households = [h for h in households if h[0] in heads]
        # Village cadres: 5–7 heads of working age, who join first (DOMAIN.md §1).
        working_age = [h for h in households if 28 <= YEAR - heads[h[0]][3].year <= 60]
        cadres = rng.sample(working_age, min(len(working_age), rng.randint(5, 7)))
        cadre_ids = [h[0] for h in cadres]
        founded = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randint(0, 180))
        industry = village_industry(village_code, village_name, self.seed)
        chair = heads[cadre_ids[0]] if cadre_ids else None
        board = [
            {"name": heads[h][1], "position": CADRE_POSITIONS[i], "person_id": heads[h][0]}
            for i, h in enumerate(cadre_ids)
        ]
        body = village_code[6:12] + "001"
        coop, collective = Cooperative.objects.bulk_create(
            [
                Cooperative(
                    name=f"{village_name}股份经济合作社",
                    credit_code=credit_code("93", county.code, body),
                    level=Level.VILLAGE,
                    legal_form=LegalForm.FARMERS_COOPERATIVE,
                    region_code=village_code,
                    county_code=county.code,
                    founded_on=founded,
                    industry=industry,
                    chairperson_id=chair[0] if chair else None,
                    chairperson_name=chair[1] if chair else "",
                    board=board,
                    party_organisation_name=f"中共{village_name}支部委员会",
                ),
                Cooperative(
                    name=f"{village_name}集体经济组织",
                    credit_code=credit_code("N2", county.code, village_code[6:12] + "000"),
                    level=Level.VILLAGE,
                    legal_form=LegalForm.COLLECTIVE_ORGANISATION,
                    region_code=village_code,
                    county_code=county.code,
                    founded_on=founded - dt.timedelta(days=30),
                    industry=industry,
                    party_organisation_name=f"中共{village_name}支部委员会",
                ),
            ]
        )
        guarantees = village_guarantees(village_code, village_name, industry, self.seed)
        terms = check_bylaws(replace(BYLAWS, guaranteed_payments=guarantees)) if guarantees else BYLAWS
        Bylaws.objects.create(
            cooperative=coop,
            effective_from=founded,
            adopted_on=founded,
            join_rules="本村农户自愿申请，经理事会审核、成员大会确认后入社。",
            **terms.as_row_values(),
        )
        classes = ShareClass.objects.bulk_create(
            [
                ShareClass(
                    cooperative=coop,
                    kind=kind,
                    name=name,
                    unit_name=unit,
                    unit_value_fen=value,
                    is_capital=kind != ShareClassKind.FISCAL_POVERTY,
                    transferable=kind != ShareClassKind.FISCAL_POVERTY,
                )
                for kind, name, unit, value in SHARE_CLASSES
            ]
        )
        cash, land, poverty = classes
        self.result.cooperatives += 2
        members: list[tuple] = []
        ledger = _Ledger(coop, self.writer)
        subscribe = ledger.subscribe
        holders: list[_Holder] = []

        collective_id, row = self.member_row(
            coop,
            founded,
            kind="collective",
            member_cooperative_id=collective.pk,
            display_name=collective.name,
            is_farmer=False,
            village_code=village_code,
        )
        members.append(row)
        subscribe(collective_id, cash, rng.randint(100, 500) * 100, founded, "集体资产入股")
        share_of_others = rng.uniform(0.6, 0.8)
        cadre_set = set(cadre_ids)
        household_members: list[tuple[int, Decimal]] = []  # (member id, contracted land)
        for household_id, registered, land_mu, poverty_exit in households:
            is_cadre = household_id in cadre_set
            # Draw for everyone, so one household's choice never shifts another's.
            joins = rng.random() < share_of_others
            if not (registered or is_cadre or joins):
                continue
            person_id, name, sex, birth = heads[household_id]
            if is_cadre:
                joined = founded + dt.timedelta(days=rng.randint(0, 20))
            elif registered:
                joined = founded + dt.timedelta(days=rng.randint(20, 400))
            else:
                joined = founded + dt.timedelta(days=rng.randint(20, 2000))
            member_id, row = self.member_row(
                coop,
                joined,
                household_id=household_id,
                person_id=person_id,
                display_name=name,
                is_village_cadre=is_cadre,
                is_woman=sex == "F",
                village_code=village_code,
            )
            members.append(row)
            household_members.append((member_id, land_mu or Decimal("0")))
            holders.append(_Holder(member_id, name, joined, birth, is_cadre, registered, poverty_exit))
            if is_cadre or rng.random() < 0.85:
                subscribe(
                    member_id, cash, rng.choice((1, 2, 3, 5, 5, 10, 10, 20)) * 100, joined, "入社认购现金股"
                )
            land_centi = int(land_mu * 100 * Decimal(rng.uniform(0.3, 1.0))) if land_mu else 0
            if land_centi > 0 and rng.random() < 0.55:
                subscribe(member_id, land, land_centi, joined, "土地经营权作价入股")
            if registered:
                subscribe(
                    member_id,
                    poverty,
                    rng.choice((3, 5, 5, 5, 8, 10)) * 100,
                    joined,
                    "财政扶贫资金量化到户入股",
                )
        year_rng = random.Random(f"tongzhou-demo-coop-year:{self.seed}:{village_code}")
        classes_by_id = {c.pk: c for c in classes}
        changes = _the_year(year_rng, ledger, classes_by_id, cash, poverty, holders)
        position = {row[0]: i for i, row in enumerate(members)}
        for member_id, fields in changes.items():
            row = list(members[position[member_id]])
            for name, value in fields.items():
                row[MEMBER_COLUMN[name]] = _iso(value) if isinstance(value, dt.date) else value
            members[position[member_id]] = tuple(row)
        self.writer.write(MEMBER_TABLE, MEMBER_COLUMNS, members)
        self.writer.write(ENTRY_TABLE, ENTRY_COLUMNS, ledger.rows)
        self.result.share_entries += len(ledger.rows)
        collective_roll(
            self, collective, village_code=village_code, households=households, heads=heads, cadres=cadre_set
        )
        self._transactions(rng, coop, industry, household_members)
        return coop

    def _transactions(
        self,
        rng: random.Random,
        coop: Cooperative,
        industry: str,
        household_members: list[tuple[int, Decimal]],
    ) -> None:
        lines = INDUSTRY_LINES[industry]
        weights = [line.weight for line in lines]
        rows: list[tuple] = []
        now = self.writer.now
        village_code, county_code = coop.region_code, coop.county_code
        seen: set[str] = set()

        def add(member_id: int | None, name: str, line: Line) -> None:
            on = _day(rng, YEAR, line.months)
            step = QUANTITY_STEP.get(line.unit, 1000)  # 0.01 kg, half a day or mu, else whole units
            quantity_milli = max(step, rng.randint(*line.quantity_milli) // step * step)
            lo, hi = line.price_fen
            price_step = 100 if hi >= 50_00 else 10 if hi >= 1_00 else 1  # whole yuan, 0.1 yuan, fen
            price = max(price_step, rng.randint(lo, hi) // price_step * price_step)
            grade = rng.choice(line.grades)
            quantity = Decimal(quantity_milli).scaleb(-3)
            amount = (quantity_milli * price + 500) // 1000  # quantity × price, half up to the fen
            key = source_key(
                cooperative_id=coop.pk,
                member_key=member_key(member_id=member_id, counterparty_name=name),
                kind=line.kind,
                on=on,
                product=line.product,
                grade=grade,
                quantity=quantity,
                unit_price_fen=price,
                amount_fen=amount,
            )
            if key in seen:
                return
            seen.add(key)
            rows.append(
                (coop.pk, member_id, member_id is not None, name, line.kind, _iso(on), YEAR, line.product, grade,
                 str(quantity), line.unit, price, amount, key, village_code, county_code, now)
            )  # fmt: skip

        for member_id, _land in household_members:
            for line in rng.choices(lines, weights, k=rng.randint(3, 17)):
                add(member_id, "", line)
        # Non-member sales, kept apart from member transactions (农民专业合作社法 Art. 41).
        sale = lines[0]
        for _ in range(max(1, len(household_members) // 50)):
            add(None, f"{rng.choice(NON_MEMBER_SURNAMES)}某某（非成员散户）", sale)
        self.writer.write(TRANSACTION_TABLE, TRANSACTION_COLUMNS, rows)
        self.result.transactions += len(rows)


def _union_and_platform(
    county: CountyPlan, village_coops: dict[str, list[Cooperative]], builder: _VillageBuilder
) -> None:
    """A union per township (members: its village cooperatives) and the county's platform company."""
    founded = dt.date(2019, 10, 15)
    unions = Cooperative.objects.bulk_create(
        [
            Cooperative(
                name=f"{township.name}农民专业合作社联合社",
                credit_code=credit_code("93", county.code, township.code[6:9] + "000002"),
                level=Level.TOWNSHIP,
                legal_form=LegalForm.FARMERS_COOPERATIVE,
                region_code=township.code,
                county_code=county.code,
                founded_on=founded,
                party_organisation_name=f"中共{township.name}委员会",
            )
            for township in county.townships
            if village_coops.get(township.code)
        ]
    )
    platform = Cooperative.objects.create(
        name=f"{county.name}农业发展投资有限公司",
        credit_code=credit_code("91", county.code, "MA0000003"),
        level=Level.COUNTY,
        legal_form=LegalForm.COMPANY,
        region_code=county.code,
        county_code=county.code,
        founded_on=dt.date(2020, 3, 1),
        party_organisation_name=f"中共{county.name}委员会",
    )
    builder.result.cooperatives += len(unions) + 1
    rows: list[tuple] = []
    for union in unions:
        for coop in village_coops[union.region_code]:
            rows.append(
                builder.member_row(
                    union,
                    founded,
                    kind="cooperative",
                    member_cooperative_id=coop.pk,
                    display_name=coop.name,
                    is_farmer=False,
                    village_code=coop.region_code,
                )[1]
            )
        rows.append(
            builder.member_row(
                platform,
                dt.date(2020, 3, 1),
                kind="cooperative",
                member_cooperative_id=union.pk,
                display_name=union.name,
                is_farmer=False,
            )[1]
        )
    builder.writer.write(MEMBER_TABLE, MEMBER_COLUMNS, rows)


def _villages(plans: list[CountyPlan]) -> Iterator[tuple[CountyPlan, str, str, str]]:
    for county in plans:
        for township in county.townships:
            for village in township.villages:
                yield county, township.code, village.code, village.name


def demo_coops_build(
    *,
    scale: str,
    seed: int = 2026,
    county: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> CoopDemoResult:
    """Build the cooperatives of every demo village, township and county of the scale from the register in the
    database, then rebuild the coverage rollups. Expects no cooperative rows yet (see `demo_coops_reset`)."""
    plans = plan(scale, seed, county)
    result = CoopDemoResult()
    writer = _Writer()
    builder = _VillageBuilder(seed, writer, result)
    for county_plan_ in plans:
        village_coops: dict[str, list[Cooperative]] = {}
        villages = [v for v in _villages([county_plan_])]
        for start in range(0, len(villages), VILLAGES_PER_TRANSACTION):
            with transaction.atomic():
                before = last_transaction_id()
                for county_, township_code, village_code, village_name in villages[
                    start : start + VILLAGES_PER_TRANSACTION
                ]:
                    coop = builder.village(county_, township_code, village_code, village_name)
                    village_coops.setdefault(township_code, []).append(coop)
                    if progress is not None:
                        progress(1)
                # The wages and land rent of these villages' household members: their income lines.
                result.income_lines += income_from_transactions(after_id=before)
        with transaction.atomic():
            _union_and_platform(county_plan_, village_coops, builder)
    writer.finish()
    coop_figures_rebuild()
    return result
