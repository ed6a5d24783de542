"""`tongzhou template households [--format xlsx|csv] [--output PATH]`: write the empty import template."""

from __future__ import annotations

import pathlib

from django.core.management.base import BaseCommand

from tongzhou.households.register_import import write_template


class Command(BaseCommand):
    help = "生成农户登记导入模板 / Write the household register import template."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["households"], help="which template: households (the register)")
        parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
        parser.add_argument(
            "--output", type=pathlib.Path, help="where to write it (default: 农户登记导入模板.<format>)"
        )

    def handle(self, *args, what, format, output, **options):
        path = output or pathlib.Path(f"农户登记导入模板.{format}")
        write_template(path, format)
        self.stdout.write(f"模板已写入 / template written: {path}")
