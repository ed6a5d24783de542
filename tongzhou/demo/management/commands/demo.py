"""`tongzhou demo --scale village|township|county|prefecture [--seed N] [--county CODE] [--reset]
[--transaction-vouchers monthly|each]`.

Builds the deterministic synthetic Bijie (register, cooperatives, books), rebuilds the rollups and prints one login
per role.
"""

from __future__ import annotations

import sys
import time

from django.core.management import call_command
from tqdm import tqdm

from tongzhou.core.commands import TongzhouCommand
from tongzhou.demo.generate import COUNTIES, SCALES, expected_counts
from tongzhou.demo.services import DEMO_PASSWORD, demo_build, demo_users_for
from tongzhou.households.models import Household


class Command(TongzhouCommand):
    help = "生成毕节演示数据 / build the deterministic synthetic Bijie demo"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", choices=SCALES, default="village", help="village | township | county | prefecture"
        )
        parser.add_argument("--seed", type=int, default=2026, help="same seed, same data")
        parser.add_argument(
            "--county", choices=sorted(COUNTIES), help="county code for the smaller scales (default 520502)"
        )
        parser.add_argument(
            "--reset", action="store_true", help="delete the existing register first / 先清空户籍数据"
        )
        parser.add_argument(
            "--transaction-vouchers",
            choices=["monthly", "each"],
            default="monthly",
            help="成员交易记账：每月一张汇总凭证（默认，同导入）或每笔一张凭证 / member transactions booked as one "
            "summary voucher a month (default, as the import books them) or one voucher each",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the register already holds households (for `make demo`) / 已有数据时跳过",
        )

    def handle(
        self, *args, scale, seed, county, reset, no_progress, if_empty, transaction_vouchers, **options
    ):
        started = time.perf_counter()
        call_command("migrate", interactive=False, verbosity=0)
        if if_empty and not reset and Household.objects.exists():
            self.stdout.write(
                "已有户籍数据，跳过演示数据生成（要重建请用 `tongzhou demo --reset`）。 / The register already holds "
                "data; demo generation skipped (use `tongzhou demo --reset` to rebuild)."
            )
            self._print_logins(demo_users_for(scale, seed, county))
            return
        villages, households = expected_counts(scale, seed, county)
        bar = tqdm(
            total=households,
            unit="户",
            desc=f"demo {scale}",
            file=sys.stderr,
            disable=no_progress,
            smoothing=0.05,
        )

        def progress(household_count: int, person_count: int) -> None:
            bar.update(household_count)

        coop_bar = None

        def coops_progress(village_count: int) -> None:
            nonlocal coop_bar
            if coop_bar is None:
                bar.close()
                coop_bar = tqdm(
                    total=villages, unit="村", desc="合作社 coops", file=sys.stderr, disable=no_progress
                )
            coop_bar.update(village_count)

        try:
            result = demo_build(
                scale=scale,
                seed=seed,
                county=county,
                reset=reset,
                progress=progress,
                coops_progress=coops_progress,
                transaction_vouchers=transaction_vouchers,
            )
        finally:
            bar.close()
            if coop_bar is not None:
                coop_bar.close()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.villages:,} villages, {result.households:,} households, {result.persons:,} persons "
                f"in {elapsed:.1f}s (seed {seed})"
            )
        )
        coops = result.coops
        self.stdout.write(
            f"合作社 cooperatives {coops.cooperatives:,}, 成员 members {coops.members:,}, "
            f"股份变动 share entries {coops.share_entries:,}, 成员交易 transactions {coops.transactions:,}"
        )
        books = result.books
        self.stdout.write(
            f"账套 books {books.books:,}, 记账凭证 vouchers {books.vouchers:,}, 分录 lines {books.lines:,}"
        )
        guarantees = result.guarantees
        self.stdout.write(
            f"保底收益 guaranteed payments: {guarantees.bookings:,} 个组织 bodies, {guarantees.lines:,} 笔 lines, "
            f"¥{guarantees.total_fen / 100:,.2f}"
        )
        chain, paid = result.distribution, result.payments
        self.stdout.write(
            f"2025 年度盈余分配 distribution: {chain.runs:,} 个方案 runs posted, 惠及 {chain.households:,} 户 "
            f"households, ¥{chain.to_households_fen / 100:,.2f}; 2026 年 1 月发放 paid: {paid.runs:,} 个方案 runs, "
            f"{paid.payments:,} 笔 payments, ¥{paid.total_fen / 100:,.2f}, 农户收入 income lines {paid.income_lines:,}"
        )
        self._print_logins(result.users)

    def _print_logins(self, users) -> None:
        self.stdout.write("")
        self.stdout.write(f"{'用户名 username':<16} {'密码 password':<15} {'角色 role':<20} 范围 scope")
        for user in users:
            self.stdout.write(
                f"{user.username:<16} {DEMO_PASSWORD:<15} {user.role:<20} {user.region_name} ({user.region_code})"
            )
