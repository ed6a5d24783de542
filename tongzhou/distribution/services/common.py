"""What the run services share: the law's notice and voting rules, the accounts a run books to, errors and locks."""

from __future__ import annotations

import datetime as dt

from tongzhou.coops.models import Cooperative
from tongzhou.core.errors import Conflict, InvalidInput
from tongzhou.ledger.statements.data import ROLE_CODES

from ..models import DistributionRun

COOPERATIVE = "farmers_cooperative"
COLLECTIVE = "collective_organisation"
COMPANY = "company"

# 农民专业合作社法 Art. 40: the distribution plan lies open to members fifteen days before the assembly.
COOP_NOTICE = (15, "农民专业合作社法 Art. 40")
# 农村集体经济组织法 Art. 45/46: the collective's plan is made public ten days before the members' assembly.
COLLECTIVE_NOTICE = (10, "农村集体经济组织法 Art. 45/46")
# 农民专业合作社法 Art. 30: a decision of the assembly needs more than half of all members' votes (表决权总数过半数).
COOP_VOTES = "农民专业合作社法 Art. 30"
# 农村集体经济组织法 Art. 27: two thirds of all members agree (全体成员三分之二以上同意).
COLLECTIVE_VOTES = "农村集体经济组织法 Art. 27"
ONE_BOOKED_RUN = "每个年度只分配一次 / one distribution per year"

# The accounts a run books to, per standard (first-level codes; the book resolves the member's sub-account).
ACCOUNTS = {
    COOPERATIVE: {
        "distribution": ROLE_CODES[COOPERATIVE]["distribution"],  # 332 盈余分配
        "reserve": "322",  # 盈余公积
        "return": "221",  # 应付盈余返还
        "share": "222",  # 应付剩余盈余
        "capital": "301",  # 股金
        "bank": "102",  # 银行存款
    },
    COLLECTIVE: {
        "distribution": ROLE_CODES[COLLECTIVE]["distribution"],  # 322 收益分配
        "reserve": "311",  # 公积公益金
        "return": "113",  # never used: a collective has no patronage return
        "share": "113",  # 内部往来 (per member): 向成员分配
        "capital": "301",
        "bank": "102",
    },
}


def actor(user):
    return user if getattr(user, "is_authenticated", False) else None


def field_error(field: str, zh: str, en: str, code: str, **details: object) -> InvalidInput:
    """An InvalidInput naming the field (and the article in details), in the shape forms and the API read."""
    entry: dict[str, object] = {"message_zh": zh, "message_en": en, "code": code}
    if "article" in details:
        entry["article"] = details["article"]
    return InvalidInput(zh, en, code=code, details={"field": field, "fields": {field: entry}, **details})


def check_date(value: object, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise field_error(field, "日期无效。", "The date is not valid.", "date_invalid", value=str(value))
    return value


def check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise field_error("year", "年度不正确。", "The year is not valid.", "year_invalid", value=repr(year))
    return year


def reverse_system_vouchers(
    *, user, vouchers, on: dt.date, via: str, source_suffix: str | None = None
) -> list:
    """Red-ink reversals of a run's or a booking's vouchers, posted on `on`. They are system vouchers, like the
    originals: the reversal of what an assembly approved needs no second checker. `source_suffix`: the reversal's
    source is the original's with it (a receiver's reversal stays under `RECEIVED_SOURCE`, which the cascade leaves
    out of the receiver's own surplus, as it leaves out the original)."""
    from django.utils import timezone

    from tongzhou.ledger.services import voucher_post, voucher_reverse

    now = timezone.now()
    reversals = []
    for voucher in vouchers:
        reversal = voucher_reverse(user=user, voucher=voucher, date=on, via=via)
        reversal.checker = actor(user)
        reversal.checked_at = now
        fields = ["checker", "checked_at", "updated_at"]
        if source_suffix is not None:
            reversal.source = f"{voucher.source}{source_suffix}"[:60]
            fields.append("source")
        reversal.save(update_fields=fields)
        reversals.append(voucher_post(user=user, voucher=reversal, via=via))
    return reversals


def given_surplus(surplus_fen) -> dict[int, int]:
    """{body id: own surplus in fen} as a caller gives it for several bodies (e.g. the platform company's, which
    keeps no books here), each a whole number of fen."""
    given = dict(surplus_fen or {})
    for body_id, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise field_error(
                "surplus_fen",
                "本年盈余须为整数（分）。",
                "The year's surplus must be a whole number of fen.",
                "amount_type",
                body=body_id,
                value=repr(value),
            )
    return given


def check_count(value: object, field: str, zh: str, en: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise field_error(
            field,
            f"{zh}须为非负整数。",
            f"The {en} must be a whole number ≥ 0.",
            "count_invalid",
            value=repr(value),
        )
    return value


def standard_of(body: Cooperative) -> str:
    """The rules a body distributes under: a collective's, or a cooperative's (a platform company distributes to
    its member bodies by the same steps; it keeps no book in Tongzhou)."""
    return COLLECTIVE if body.legal_form == COLLECTIVE else COOPERATIVE


def lock_body(body: Cooperative) -> Cooperative:
    """The body's row, locked: every post or reversal of one body serialises on it, so two posts of the same year
    cannot both pass the check for a run already in the books."""
    return Cooperative.objects.select_for_update().get(pk=body.pk)


def lock_run(run: DistributionRun) -> DistributionRun:
    return DistributionRun.objects.select_for_update(of=("self",)).select_related("body").get(pk=run.pk)


def wrong_status(run: DistributionRun, expected: str, zh_step: str, en_step: str) -> Conflict:
    return Conflict(
        f"分配方案当前状态为“{run.get_status_display()}”，不能{zh_step}。",
        f"The distribution run is {run.status}; it must be {expected} to {en_step}.",
        code="run_status",
        details={"status": run.status, "expected": expected},
    )
