"""`tongzhou rebuild-rollups`: recompute every kept figure from the source facts; `--check`: compare the kept
account balances of the books with their posted lines, changing nothing."""

from __future__ import annotations

import time

from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import Conflict
from tongzhou.ledger.services.balances import balances_check, balances_rebuild
from tongzhou.rollups.coverage import coop_figures_rebuild
from tongzhou.rollups.services import register_figures_rebuild


class Command(TongzhouCommand):
    help = "从源数据重算全部汇总数 / recompute every rollup from the source facts"

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="只核对账套的科目余额与已记账分录是否一致，不重算 / only check the kept account balances "
            "against the posted lines, change nothing",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        if options["check"]:
            check = balances_check()
            if not check.agree:
                raise Conflict(
                    f"科目余额与已记账分录不一致：{check.kept_only + check.rebuilt_only} 行不同，请运行 "
                    "tongzhou rebuild-rollups 重算。",
                    f"The kept account balances disagree with the posted lines in "
                    f"{check.kept_only + check.rebuilt_only} row(s); run tongzhou rebuild-rollups.",
                    code="balances_disagree",
                    details={"kept": check.kept, "rebuilt": check.rebuilt, "kept_only": check.kept_only,
                             "rebuilt_only": check.rebuilt_only},
                )  # fmt: skip
            self.stdout.write(
                self.style.SUCCESS(f"{check.kept} balances agree, {time.perf_counter() - started:.1f}s")
            )
            return
        villages = register_figures_rebuild()
        coop_figures_rebuild()
        balances = balances_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"{villages} villages, {balances} balances, {time.perf_counter() - started:.1f}s"
            )
        )
