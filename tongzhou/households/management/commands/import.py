"""`tongzhou import households FILE --user USERNAME [--report PATH] [--dry-run]`: import a register file."""

from __future__ import annotations

import pathlib

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tongzhou.core.errors import ImportRejected, TongzhouError
from tongzhou.households.register_import import register_import, write_error_report

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "导入农户登记文件（XLSX 或 CSV）/ Import a household register file (XLSX or CSV)."

    def add_arguments(self, parser):
        parser.add_argument(
            "what",
            choices=["households", "transactions", "members", "shares"],
            help="what to import: households (the register), or transactions, members or shares (of one "
            "cooperative)",
        )
        parser.add_argument("file", type=pathlib.Path, help="the .xlsx or .csv file")
        parser.add_argument(
            "--user", required=True, help="the username the import is done as (its write scope applies)"
        )
        parser.add_argument(
            "--report", type=pathlib.Path, help="on rejection, write the errors to this .xlsx or .csv file"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--cooperative", type=int, help="transactions, members, shares: the cooperative's id"
        )

    def handle(self, *args, what, file, user, report, dry_run, cooperative=None, **options):
        try:
            account = get_user_model().objects.get(username=user, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"用户 {user} 不存在或已停用 / No active user {user}.", returncode=2) from None
        if not file.is_file():
            raise CommandError(f"文件不存在 / No such file: {file}", returncode=2)
        bar = tqdm(unit=" 行 rows", desc="导入 import", file=self.stderr._out, mininterval=0.5, leave=False)
        try:
            if what in ("transactions", "members", "shares"):
                from importlib import import_module

                import_for_command = import_module(f"tongzhou.coops.{what}_import.command").import_for_command

                summary = import_for_command(account, file, cooperative, dry_run=dry_run, progress=bar.update)
                bar.close()
                self.stdout.write(summary)
                return
            result = register_import(
                user=account, path=file, file_name=file.name, via="cli", progress=bar.update, dry_run=dry_run
            )
        except ImportRejected as exc:
            bar.close()
            self._rejected(exc, report)
            raise CommandError(f"{exc.message_zh} / {exc.message_en}", returncode=1) from None
        except TongzhouError as exc:
            bar.close()
            raise CommandError(f"{exc.message_zh} / {exc.message_en}", returncode=1) from None
        bar.close()
        prefix = "试运行（未写入）/ dry run (nothing written): " if dry_run else ""
        self.stdout.write(
            f"{prefix}{result.rows} 行 rows; 新增农户 {result.households_created} households created, "
            f"更新农户 {result.households_updated} updated; 新增人员 {result.persons_created} persons created, "
            f"更新 {result.persons_updated} updated, 未变 {result.persons_unchanged} unchanged."
        )

    def _rejected(self, exc: ImportRejected, report: pathlib.Path | None) -> None:
        errors = exc.details.get("errors", [])
        count = exc.details.get("error_count", len(errors))
        self.stderr.write(f"{exc.message_zh}\n{exc.message_en}")
        for e in errors[:SHOWN_ERRORS]:
            self.stderr.write(
                f"  第{e['row']}行 row {e['row']} · {e['column']} · {e['value']!r}: {e['reason_zh']} / {e['reason_en']}"
            )
        if count > SHOWN_ERRORS:
            self.stderr.write(f"  …… 共 {count} 处错误 / {count} errors in all.")
        if report is not None:
            fmt = "csv" if report.suffix.lower() == ".csv" else "xlsx"
            write_error_report(errors, report, fmt)
            self.stderr.write(f"错误报告 / error report: {report}")
