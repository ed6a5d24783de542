"""`tongzhou template households|members|shares|transactions [--format xlsx|csv] [--output PATH]`: write the empty
import template of the household register, or of a cooperative's members, share subscriptions or transactions.
`tongzhou template distribution-plan [--format xlsx|json]` writes the example distribution plan to edit."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError


def _writers() -> dict[str, tuple[Callable[[pathlib.Path, str], None], str]]:
    """Each template: its writer and its default file name (without the format's suffix)."""
    from tongzhou.coops.members_import import write_template as members
    from tongzhou.coops.shares_import import write_template as shares
    from tongzhou.coops.transactions_import.columns import write_template as transactions
    from tongzhou.distribution.plan import write_template as distribution_plan
    from tongzhou.households.register_import import write_template as households

    return {
        "households": (households, "农户登记导入模板"),
        "members": (members, "成员导入模板"),
        "shares": (shares, "股份认购导入模板"),
        "transactions": (transactions, "成员交易导入模板"),
        "distribution-plan": (distribution_plan, "分配方案模板"),
    }


class Command(BaseCommand):
    help = (
        "生成导入模板 / Write an import template: households (the register), members, shares, transactions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "what",
            choices=["households", "members", "shares", "transactions", "distribution-plan"],
            help="which template: households (the register), members, shares or transactions of a cooperative",
        )
        parser.add_argument(
            "--format", choices=["xlsx", "csv", "json"], default="xlsx", help="json: distribution-plan only"
        )
        parser.add_argument(
            "--output", type=pathlib.Path, help="where to write it (default: <模板名>.<format> here)"
        )

    def handle(self, *args, what, format, output, **options):
        if (format == "json") != (what == "distribution-plan") and format != "xlsx":
            raise CommandError(f"{what} 模板没有 {format} 格式 / no {format} template of {what}")
        write, name = _writers()[what]
        path = output or pathlib.Path(f"{name}.{format}")
        write(path, format)
        self.stdout.write(f"模板已写入 / template written: {path}")
