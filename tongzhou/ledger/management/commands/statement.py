"""`tongzhou statement KIND --book ID | --region CODE [--standard S] [--period P | --from D --to D]
--format xlsx|pdf|csv --output PATH --user U`: a statement of one book or rolled up for a region, as a file."""

from __future__ import annotations

from pathlib import Path

from tongzhou.core.commands import TongzhouCommand
from tongzhou.ledger.statements import exports
from tongzhou.ledger.statements.builders import KINDS
from tongzhou.ledger.statements.read import (
    KIND_ALIASES,
    STANDARDS,
    book_get,
    resolve_period,
    statement_for_book,
    statement_for_region,
)


class Command(TongzhouCommand):
    help = "导出账簿报表 / Export a statement: " + ", ".join(KINDS)
    requires_user = True

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[*KINDS, *KIND_ALIASES], help="报表 / statement")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--book", type=int, help="账套 ID / book id")
        which.add_argument("--region", help="地区代码（汇总）/ region code (rolled up)")
        parser.add_argument("--standard", choices=STANDARDS, default=STANDARDS[0], help="汇总的会计制度")
        parser.add_argument("--period", help="2025 | 2025-03 | 2025-Q2")
        parser.add_argument("--from", dest="date_from", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="YYYY-MM-DD")
        parser.add_argument("--account", help="明细账的科目 / account of a subsidiary ledger")
        parser.add_argument("--member", type=int, help="明细账的成员 ID / member of a subsidiary ledger")
        parser.add_argument("--format", choices=["xlsx", "pdf", "csv", "json"], default="xlsx")
        parser.add_argument(
            "--output", required=True, help="输出文件 / output file ('-' for stdout, csv/json)"
        )

    def handle(self, *args, **options):
        user = self.acting_user(options["user"])
        date_from, date_to = resolve_period(
            period=options["period"], date_from=options["date_from"], date_to=options["date_to"]
        )
        if options["book"] is not None:
            statement = statement_for_book(
                user=user,
                book=book_get(user=user, book_id=options["book"]),
                kind=options["kind"],
                date_from=date_from,
                date_to=date_to,
                account=options["account"],
                member=options["member"],
            )
        else:
            statement = statement_for_region(
                user=user,
                region_code=options["region"],
                standard=options["standard"],
                kind=options["kind"],
                date_from=date_from,
                date_to=date_to,
            )
        body = exports.render(statement, options["format"])
        if options["output"] == "-":
            self.stdout.write(body.decode("utf-8-sig"))
            return
        Path(options["output"]).write_bytes(body)
        balanced = statement.checks.get("balanced")
        note = "" if balanced is None else (" 平衡 / balanced" if balanced else " 不平衡 / NOT balanced")
        self.stdout.write(
            self.style.SUCCESS(f"{statement.title} {statement.period} → {options['output']}{note}")
        )
