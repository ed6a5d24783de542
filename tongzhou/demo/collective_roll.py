"""The membership roll of a demo village's collective economic organisation (集体经济组织成员名册) and its members'
income-right shares (收益权份额), written with the village's cooperative in the cooperatives' phase.

农村集体经济组织法: the members' assembly confirms who is a member (Art. 11–12) and the year's income, after the
公积公益金, is distributed by the members' income-right shares (Art. 40, 42). The collective property reform
(农村集体产权制度改革) that came before the law commonly confirmed members household by household in Guizhou and
quantified the collective's operating assets into shares by head count (按人口折股): one share per person registered
in the household on the reform's cut-off date (基准日), managed statically afterwards (增人不增股、减人不减股), so
the roll and the shares do not move in the demo year. The demo does the same (a choice, not a rule of the law):

- every registered household of the village (one with a head) is a member, through its head, as `member_apply`
  and `member_approve` register a household (kind household, the head's name, woman or not, the village, the
  cadres of the village cooperative marked as cadres, farmer members), applied on the cut-off date and admitted
  on the day of the assembly that confirmed the roll (30–90 days later);
- the cut-off date is seeded per village: a month's end from June 2019 to December 2020;
- the collective has one share class, 集体资产股 (kind collective_assets, 股, the defaults of `share_class_create`:
  capital, transferable), of a nominal ¥100 a share (每股面值; the cascade and the run count shares, not yuan);
- each member household subscribes, on the assembly's day, one share per person of the household born on or
  before the cut-off date (the register keeps no date of entry into the household: a person born later came
  after the cut-off, and a person who left is no longer in the register).

No voucher: the services would post none. `share_subscribe` books a subscription through `share_entry_voucher`,
which books only inside a book's time (`ledger.services.auto._in_book`) and opens a book only from a January with
the standard's chart in force; the roll is dated 2019–2021, before 农村集体经济组织会计制度 (财会〔2023〕14号,
in force 2024-01-01), so the collective stays without a book until the demo's books phase opens it in January
2025, and the quantified assets are already in its opening 资本 (`books._ordinary_collective`). The coverage
figures leave collectives out (`rollups.coverage`); the phase rebuilds them anyway.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db.models import Count

from tongzhou.coops.domain.shares import subscription_amount_fen
from tongzhou.coops.models import Cooperative, ShareClass, ShareClassKind
from tongzhou.households.models import Person

ROLL_SHARE_CLASS = (ShareClassKind.COLLECTIVE_ASSETS, "集体资产股（收益权份额）", "股", 100_00)
CUTOFF_MONTHS = [(y, m) for y in (2019, 2020) for m in range(1, 13) if (y, m) >= (2019, 6)]
ROLL_REASON = "集体资产折股量化到户（按人口折股，基准日 {cutoff}）"


@dataclass(frozen=True)
class Roll:
    """What the roll of one collective came to: its dates and each member household's shares."""

    cutoff: dt.date
    joined: dt.date
    members: int
    shares: int


def roll_cutoff(village_code: str, seed: int) -> tuple[dt.date, dt.date]:
    """The village's cut-off date (基准日, a month's end from June 2019 to December 2020) and the day its members'
    assembly confirmed the roll (30–90 days later). Its own generator: no other figure of the demo moves."""
    rng = random.Random(f"tongzhou-demo-collective-roll:{seed}:{village_code}")
    year, month = rng.choice(CUTOFF_MONTHS)
    cutoff = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return cutoff, cutoff + dt.timedelta(days=rng.randint(30, 90))


def persons_by_cutoff(village_code: str, cutoff: dt.date) -> dict[int, int]:
    """{household id: persons of the household born on or before the cut-off date}, one GROUP BY."""
    return dict(
        Person.objects.filter(village_code=village_code, birth_date__lte=cutoff)
        .order_by()
        .values_list("household_id")
        .annotate(n=Count("id"))
    )


def collective_roll(
    builder,
    collective: Cooperative,
    *,
    village_code: str,
    households: list[tuple],
    heads: dict[int, tuple],
    cadres: set[int],
) -> Roll:
    """Write the roll of `collective` (see the module docstring): its share class, a member row per household of
    `households` (ids first) through its head in `heads` ({household id: (person id, name, sex, birth)}), and one
    subscription each. `builder` is the cooperatives' `_VillageBuilder` (its writer, ids and result)."""
    from .coops import ENTRY_COLUMNS, ENTRY_TABLE, MEMBER_COLUMNS, MEMBER_TABLE, _iso

    writer = builder.writer
    cutoff, joined = roll_cutoff(village_code, builder.seed)
    kind, name, unit, value = ROLL_SHARE_CLASS
    share_class = ShareClass.objects.create(
        cooperative=collective, kind=kind, name=name, unit_name=unit, unit_value_fen=value
    )
    persons = persons_by_cutoff(village_code, cutoff)
    reason = ROLL_REASON.format(cutoff=cutoff.isoformat())
    members, entries = [], []
    on, now = _iso(joined), writer.now
    total = 0
    for household_id, *_rest in households:
        head = heads.get(household_id)
        if head is None:
            continue
        person_id, head_name, sex, _birth = head
        member_id, row = builder.member_row(
            collective,
            joined,
            household_id=household_id,
            person_id=person_id,
            display_name=head_name,
            is_village_cadre=household_id in cadres,
            is_woman=sex == "F",
            village_code=village_code,
        )
        row = list(row)
        row[MEMBER_COLUMNS.index("applied_on")] = _iso(cutoff)
        members.append(tuple(row))
        units = persons.get(household_id, 0)
        if units <= 0:
            continue  # a household formed after the cut-off: a member, without shares (增人不增股)
        units_centi = units * 100
        entries.append(
            (collective.pk, member_id, share_class.pk, "subscription", on, units_centi,
             subscription_amount_fen(units_centi, value), reason, collective.region_code, collective.county_code,
             now, None, None)
        )  # fmt: skip
        total += units
    writer.write(MEMBER_TABLE, MEMBER_COLUMNS, members)
    writer.write(ENTRY_TABLE, ENTRY_COLUMNS, entries)
    builder.result.share_entries += len(entries)
    builder.result.roll_members += len(members)
    return Roll(cutoff, joined, len(members), total)
