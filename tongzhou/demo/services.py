"""Build the demo: regions, the register (bulk), the rollups and one user per role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max

from tongzhou.accounts.roles import Role
from tongzhou.accounts.services import scope_grant, user_create
from tongzhou.core.errors import Conflict
from tongzhou.households.models import Household, Person
from tongzhou.ledger.models import Voucher
from tongzhou.ledger.services.balances import balances_keep, balances_rebuild
from tongzhou.regions.models import Region
from tongzhou.regions.services import regions_bulk_upsert, regions_load_shipped
from tongzhou.rollups.models import RegionRegisterFigures
from tongzhou.rollups.services import register_figures_rebuild

from .books import BooksDemoResult, demo_books_build, demo_books_reset
from .bulk import HOUSEHOLD_TABLE, PERSON_TABLE, RegisterBulkWriter, sqlite_tuned
from .coops import CoopDemoResult, demo_coops_build, demo_coops_reset
from .distribution import DistributionDemoResult, demo_distribution_build, demo_distribution_reset
from .generate import PREFECTURE, iter_village_rows, plan, region_rows
from .guarantees import GuaranteeDemoResult, demo_guarantees_build, demo_guarantees_reset
from .payments import PaymentDemoResult, demo_payments_build

DEMO_PASSWORD = "tongzhou2026"
PERSONS_PER_TRANSACTION = 50_000


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    region_code: str
    region_name: str


@dataclass
class DemoResult:
    villages: int = 0
    households: int = 0
    persons: int = 0
    coops: CoopDemoResult = field(default_factory=CoopDemoResult)
    books: BooksDemoResult = field(default_factory=BooksDemoResult)
    guarantees: GuaranteeDemoResult = field(default_factory=GuaranteeDemoResult)
    distribution: DistributionDemoResult = field(default_factory=DistributionDemoResult)
    payments: PaymentDemoResult = field(default_factory=PaymentDemoResult)
    users: list[DemoUser] = field(default_factory=list)


def _analyze() -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL's autovacuum comes too late for the next
    phase; SQLite has none without it, and samples at most 1,000 rows per index here)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")


def demo_users_for(scale: str, seed: int, county: str | None = None) -> list[DemoUser]:
    """One login per role: both village cadres of 白马村, its township, its county (officer and auditor), Bijie."""
    county_plan = plan(scale, seed, county)[0]
    township = county_plan.townships[0]
    baima = township.villages[0]
    return [
        DemoUser("cunkuaiji", "村会计", Role.VILLAGE_ACCOUNTANT, baima.code, baima.name),
        DemoUser("shuji", "村支书", Role.VILLAGE_SECRETARY, baima.code, baima.name),
        DemoUser("xiangzhen", "乡镇干部", Role.TOWNSHIP_OFFICER, township.code, township.name),
        DemoUser("xianji", "县级干部", Role.COUNTY_OFFICER, county_plan.code, county_plan.name),
        DemoUser("shenji", "审计人员", Role.AUDITOR, county_plan.code, county_plan.name),
        DemoUser("admin", "系统管理员", Role.ADMINISTRATOR, PREFECTURE, "毕节市"),
    ]


def demo_reset() -> None:
    """Delete the cooperatives, then the register: persons, households, their figures, townships/villages/groups and
    the demo users."""
    demo_distribution_reset()  # runs and cascades point at books, cooperatives, members, households
    demo_guarantees_reset()  # so do the guaranteed payments
    demo_books_reset()  # books point at cooperatives
    demo_coops_reset()  # cooperative rows point at households and persons
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PERSON_TABLE}")
        cursor.execute(f"DELETE FROM {HOUSEHOLD_TABLE}")
        RegionRegisterFigures.objects.all().delete()
        Region.objects.filter(level__in=["township", "village", "group"]).delete()
        get_user_model().objects.filter(
            username__in=[u.username for u in demo_users_for("village", 0)]
        ).delete()


def demo_build(
    *,
    scale: str,
    seed: int = 2026,
    county: str | None = None,
    reset: bool = False,
    progress: Callable[[int, int], None] | None = None,
    coops_progress: Callable[[int], None] | None = None,
    transaction_vouchers: str = "monthly",
    pay: bool = True,
) -> DemoResult:
    """Generate the synthetic Bijie at a scale into the database (the register, the cooperatives at three levels,
    their books). Refuses a database that has households. `transaction_vouchers`: the member transactions booked
    as a summary voucher a month ("monthly", as the import books them) or one voucher each ("each"). `pay`: the
    year's distribution paid in January of the next year (else its runs stay posted, e.g. for a bench that reverses
    and reposts them)."""
    plans = plan(scale, seed, county)
    if not reset and (Household.objects.exists() or Person.objects.exists()):
        raise Conflict(
            "数据库中已有农户数据；如需清空后重建演示数据，请加 --reset。",
            "The database already holds households; pass --reset to delete the register and rebuild the demo.",
            code="demo_database_not_empty",
        )
    if reset:
        demo_reset()
    with transaction.atomic():
        regions_load_shipped()  # idempotent: the shipped province, prefecture and counties
        regions_bulk_upsert(region_rows(plans))
    result = DemoResult()
    with sqlite_tuned():
        writer = RegisterBulkWriter()
        pending_h: list[tuple] = []
        pending_p: list[list[tuple]] = []
        pending_persons = 0

        def flush() -> None:
            with transaction.atomic():
                writer.write(pending_h, pending_p)
            pending_h.clear()
            pending_p.clear()

        for rows in iter_village_rows(seed, scale, county):
            pending_h.extend(rows.households)
            pending_p.extend(rows.persons)
            village_persons = sum(len(m) for m in rows.persons)
            pending_persons += village_persons
            result.villages += 1
            if pending_persons >= PERSONS_PER_TRANSACTION:
                flush()
                pending_persons = 0
            if progress is not None:
                progress(len(rows.households), village_persons)
        if pending_h:
            flush()
        writer.finish()
    result.households = writer.households
    result.persons = writer.persons
    register_figures_rebuild()
    with sqlite_tuned():
        result.coops = demo_coops_build(scale=scale, seed=seed, county=county, progress=coops_progress)
    result.users = demo_users_create(scale=scale, seed=seed, county=county)
    with (
        sqlite_tuned()
    ):  # the books of the demo year, made and posted by the village accountant and secretary
        result.books = demo_books_build(seed=seed, transactions=transaction_vouchers)
    _analyze()  # the phases below aggregate the freshly bulk-loaded books: the planner needs their statistics
    with sqlite_tuned():  # the guaranteed payments, booked and paid: a cost before the surplus
        result.guarantees = demo_guarantees_build()
    balances_rebuild()  # the books and the guaranteed payments were written raw: kept before the cascade reads them
    kept_to = Voucher.objects.aggregate(last=Max("pk"))["last"] or 0
    with sqlite_tuned():  # the year's three-level distribution, posted (its vouchers count among the books')
        result.distribution = demo_distribution_build(seed=seed)
    if pay:
        with sqlite_tuned():  # paid in January (payment vouchers, the households' income lines)
            result.payments = demo_payments_build(seed=seed)
    # and the distribution's and payments' vouchers, written raw after them
    balances_keep(voucher_ids=Voucher.objects.filter(pk__gt=kept_to).values_list("pk", flat=True))
    result.books.vouchers += (
        result.guarantees.vouchers + result.distribution.vouchers + result.payments.vouchers
    )
    result.books.lines += (
        result.guarantees.voucher_lines + result.distribution.voucher_lines + result.payments.voucher_lines
    )
    return result


@transaction.atomic
def demo_users_create(*, scale: str, seed: int, county: str | None = None) -> list[DemoUser]:
    """Create (or keep) the demo logins and grant each its scope."""
    User = get_user_model()
    users = demo_users_for(scale, seed, county)
    for demo in users:
        user = User.objects.filter(username=demo.username).first()
        if user is None:
            user = user_create(username=demo.username, password=DEMO_PASSWORD, full_name=demo.full_name)
        scope_grant(user=user, region_code=demo.region_code, role=demo.role)
    return users
