"""`tongzhou rebuild-rollups`: recompute every kept figure from the source facts."""

from __future__ import annotations

import time

from tongzhou.core.commands import TongzhouCommand
from tongzhou.rollups.coverage import coop_figures_rebuild
from tongzhou.rollups.services import register_figures_rebuild


class Command(TongzhouCommand):
    help = "从源数据重算全部汇总数 / recompute every rollup from the source facts"

    def handle(self, *args, **options):
        started = time.perf_counter()
        villages = register_figures_rebuild()
        coop_figures_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{villages} villages, {time.perf_counter() - started:.1f}s"))
