"""`tongzhou distribute --from plan.xlsx|plan.json [--out result.xlsx|result.json|-]`: compute a distribution from a
plan file (分配方案试算) without the database, so an accountant or auditor can check a plan before it is entered.

The plan is read, checked and computed by the same rules as a real run; the result is shown as a table and, with
--out, written as XLSX or JSON (`-`: JSON on stdout, no table). This mode never opens the database: it works on an
empty one and needs no --user. The database modes (a body's run for a year) are separate flags dispatched after
--from, each asking for its acting user itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.utils import translation

from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.plan import PlanRejected, compute_plan, result_json, screen, write_xlsx

SHOWN_ERRORS = 50
OUTPUT_SUFFIXES = (".json", ".xlsx")


class Command(TongzhouCommand):
    help = (
        "盈余分配 / surplus distribution: --from 分配方案文件试算（不读写数据库）/ a dry run of a plan file"
    )
    requires_user = False  # --from needs none; a database mode checks its own --user

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="plan_file",
            type=Path,
            help="分配方案 plan file (.xlsx: sheets 参数 + 成员; .json) — computed without the database",
        )
        parser.add_argument(
            "--out",
            help="结果文件 result file: .xlsx or .json; '-' writes the JSON to stdout instead of the table",
        )

    def handle(self, *args, plan_file=None, out=None, **options):
        # The file mode is dispatched first: nothing before it may touch the database.
        if plan_file is not None:
            return self._from_file(plan_file, out)
        raise InvalidInput(
            "请用 --from 指定分配方案文件（.xlsx 或 .json）。",
            "Give a plan file with --from (.xlsx or .json).",
            code="mode_required",
        )

    def _from_file(self, path: Path, out: str | None) -> None:
        if not path.is_file():
            raise InvalidInput(
                f"文件不存在：{path}",
                f"No such file: {path}",
                code="no_such_file",
                details={"path": str(path)},
            )
        target = None if out in (None, "-") else Path(out)
        if target is not None and target.suffix.lower() not in OUTPUT_SUFFIXES:
            raise InvalidInput(
                "结果文件须为 .xlsx 或 .json（或用 - 输出 JSON 到标准输出）。",
                "The result file must end in .xlsx or .json (or be - for JSON on stdout).",
                code="output_type",
                details={"path": out},
            )
        try:
            result = compute_plan(path)
        except PlanRejected as exc:
            self._rejected(exc)
            raise
        if out == "-":
            self.stdout.write(json.dumps(result_json(result), ensure_ascii=False, indent=2))
            return
        self.stdout.write(screen(result, translation.get_language() or "zh-hans"), ending="")
        if target is None:
            return
        try:
            if target.suffix.lower() == ".json":
                text = json.dumps(result_json(result), ensure_ascii=False, indent=2) + "\n"
                target.write_text(text, encoding="utf-8")
            else:
                write_xlsx(result, target)
        except OSError as exc:
            raise InvalidInput(
                f"无法写入结果文件 {target}：{exc.strerror}",
                f"Cannot write the result file {target}: {exc.strerror}",
                code="output_unwritable",
                details={"path": str(target)},
            ) from None
        self.stdout.write(self.style.SUCCESS(f"结果已写入 / result written: {target}"))

    def _rejected(self, exc: PlanRejected) -> None:
        """Every error on its own line, where first: the file's author fixes them in one pass."""
        english = (translation.get_language() or "").startswith("en")
        errors = exc.details.get("errors", [])
        for e in errors[:SHOWN_ERRORS]:
            where = e["where_en"] if english else e["where_zh"]
            reason = e["reason_en"] if english else e["reason_zh"]
            article = e.get("article", "")
            if article and article not in reason:
                reason += f" ({article})" if english else f"（{article}）"
            self.stderr.write(f"  {where}: {reason}" if english else f"  {where}：{reason}")
        if len(errors) > SHOWN_ERRORS:
            self.stderr.write(
                f"  … {len(errors)} errors in all." if english else f"  …… 共 {len(errors)} 处错误。"
            )
