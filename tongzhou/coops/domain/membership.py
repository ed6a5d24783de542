"""Membership rules as pure functions: exit notice (Art. 25), member composition (Art. 20) and coverage reports.

Articles cited are of the Farmers' Specialised Cooperatives Law (农民专业合作社法, revised 2017).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from tongzhou.core.errors import InvalidInput

ART_20 = "农民专业合作社法 Art. 20"
ART_25 = "农民专业合作社法 Art. 25"
FARMERS_MIN_PERCENT = 80  # Art. 20: farmers are at least 80% of all members
SMALL_COOPERATIVE_MEMBERS = 20  # Art. 20: up to 20 members, at most one organisation member
ORGANISATIONS_MAX_PERCENT = 5  # Art. 20: above 20 members, organisations at most 5% of all members


def _first_of_month(year: int, month_index: int) -> dt.date:
    """The first day of month `month_index` counted from January of `year` (0 = January; may be negative)."""
    y, m = divmod((year * 12) + month_index, 12)
    return dt.date(y, m + 1, 1)


def exit_notice_deadline(year: int, months: int) -> dt.date:
    """The last day a member may give notice to leave at the end of financial year `year` (Art. 25).

    The notice must come at least `months` whole months before the year ends (31 December): the day before the
    first of the month `months` months before 1 January of the next year. 3 months → 30 September; 6 → 30 June;
    0 → 31 December; 12 → 31 December of the year before.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    return _first_of_month(year + 1, -months) - dt.timedelta(days=1)


def exit_effective_date(notice_on: dt.date, months: int, *, leave_in_year: int | None = None) -> dt.date:
    """The day membership ends for a notice given on `notice_on`: 31 December of the year left (Art. 25).

    The member leaves at the end of `leave_in_year` (default: the year of the notice). A notice after that
    year's deadline is refused, naming the deadline; to leave a year later the caller asks for it explicitly.
    """
    year = notice_on.year if leave_in_year is None else leave_in_year
    if year < notice_on.year:
        raise InvalidInput(
            "退社年度不能早于申请日期所在年度。",
            "The year of leaving cannot be before the year of the notice.",
            code="exit_year_past",
            details={"field": "leave_in_year", "value": year, "notice_on": notice_on.isoformat()},
        )
    deadline = exit_notice_deadline(year, months)
    if notice_on > deadline:
        raise InvalidInput(
            f"退社申请应在会计年度终了的{months}个月前提出（{ART_25}）：要在{year}年底退社，"
            f"最迟应于{deadline.isoformat()}提出，本申请日期为{notice_on.isoformat()}。"
            f"可申请于{year + 1}年底退社。",
            f"Notice to leave must be given {months} months before the end of the financial year ({ART_25}): "
            f"to leave at the end of {year} it was due by {deadline.isoformat()}, and it is dated "
            f"{notice_on.isoformat()}. Leaving at the end of {year + 1} may be asked for instead.",
            code="exit_notice_too_late",
            details={
                "field": "notice_on",
                "article": ART_25,
                "deadline": deadline.isoformat(),
                "notice_on": notice_on.isoformat(),
                "months": months,
                "next_possible_year": year + 1,
            },
        )
    return dt.date(year, 12, 31)


@dataclass(frozen=True)
class Composition:
    """Counts of live members: all of them, the farmers among them, and enterprise/institution/social
    organisation members (企业、事业单位或者社会组织成员, Art. 20)."""

    total: int
    farmers: int
    organisations: int


def organisation_limit(total: int) -> int:
    """How many organisation members Art. 20 allows among `total` members: 1 up to 20, else ⌊5% of total⌋."""
    if total <= SMALL_COOPERATIVE_MEMBERS:
        return 1
    return total * ORGANISATIONS_MAX_PERCENT // 100


def farmers_needed(total: int) -> int:
    """The fewest farmers among `total` members that make at least 80% (Art. 20)."""
    return -(-total * FARMERS_MIN_PERCENT // 100)


def check_admission(current: Composition, *, is_farmer: bool, is_organisation: bool) -> Composition:
    """The composition after admitting one more member, or InvalidInput when Art. 20 forbids it.

    Admitting a farmer never lowers the farmers' share, so only a non-farmer can break the 80% floor: the
    village collective of a new cooperative waits until enough farmers have joined. The collective and member
    cooperatives count as non-farmers but not as organisation members.
    """
    after = Composition(
        total=current.total + 1,
        farmers=current.farmers + (1 if is_farmer else 0),
        organisations=current.organisations + (1 if is_organisation else 0),
    )
    if is_organisation and after.organisations > organisation_limit(after.total):
        limit = organisation_limit(after.total)
        raise InvalidInput(
            f"成员总数二十人以下的，可以有一个企业、事业单位或者社会组织成员；超过二十人的，此类成员不得超过"
            f"成员总数的百分之五（{ART_20}）。入社后共{after.total}名成员，至多{limit}个单位成员。",
            f"Up to 20 members a cooperative may have one enterprise, institution or social organisation member; "
            f"above 20, such members may be at most 5% of all ({ART_20}). With {after.total} members, "
            f"at most {limit} may be organisations.",
            code="organisation_limit",
            details={
                "article": ART_20,
                "total_after": after.total,
                "organisations_after": after.organisations,
                "organisation_limit": limit,
            },
        )
    if not is_farmer and after.farmers < farmers_needed(after.total):
        needed = farmers_needed(after.total)
        raise InvalidInput(
            f"农民成员至少应当占成员总数的百分之八十（{ART_20}）。入社后共{after.total}名成员，"
            f"农民成员{after.farmers}名，至少需要{needed}名。",
            f"Farmers must be at least 80% of all members ({ART_20}). After this admission there would be "
            f"{after.total} members of whom {after.farmers} farmers; at least {needed} are needed.",
            code="farmers_share",
            details={
                "article": ART_20,
                "total_after": after.total,
                "farmers_after": after.farmers,
                "farmers_needed": needed,
            },
        )
    return after


@dataclass(frozen=True)
class CoverageReport:
    """Who of those expected to join (Bijie's rule: every registered-poor household joins, cadres first) has not.

    Reported, never assumed: the ids of households missing from the membership, sorted.
    """

    registered_poor: int
    registered_poor_members: int
    registered_poor_not_members: tuple[int, ...]
    cadres: int
    cadre_members: int
    cadres_not_members: tuple[int, ...]

    @property
    def all_registered_poor_are_members(self) -> bool:
        return not self.registered_poor_not_members

    @property
    def all_cadres_are_members(self) -> bool:
        return not self.cadres_not_members


def coverage_report(
    *,
    registered_poor_households: Iterable[int],
    cadre_households: Iterable[int],
    member_households: Iterable[int],
) -> CoverageReport:
    """Compare a village's registered-poor and cadre households with the households that are members."""
    poor = set(registered_poor_households)
    cadres = set(cadre_households)
    members = set(member_households)
    return CoverageReport(
        registered_poor=len(poor),
        registered_poor_members=len(poor & members),
        registered_poor_not_members=tuple(sorted(poor - members)),
        cadres=len(cadres),
        cadre_members=len(cadres & members),
        cadres_not_members=tuple(sorted(cadres - members)),
    )
