"""A distribution plan from a file (分配方案试算): read, check and compute without the database.

An accountant or auditor checks a plan before it is entered: the bylaws figures, the year's surplus and the member
accounts, in an XLSX (sheets 参数 and 成员) or a JSON file (docs/DATA-FORMATS.md, docs/examples/). The plan is
parsed into the domain's inputs and computed by the same rules as a real run (distribution.domain); the result is
written as JSON, XLSX or a table on screen. A bad plan raises PlanRejected naming each sheet, row and column (or
JSON path) with the reason in both languages and, for a rule of law, the article; nothing is computed from it.
"""

from __future__ import annotations

from pathlib import Path

from .build import Plan, PlanResult, build_plan, distribute_plan
from .output import result_json, screen, write_xlsx
from .reading import MAX_PLAN_MEMBERS, PlanRejected, read_plan_file
from .template import COLLECTIVE_EXAMPLE, COOPERATIVE_EXAMPLE, example_json, write_template


def read_plan(path: Path, file_name: str | None = None) -> Plan:
    """The checked plan in a file; `file_name` (the upload's name) decides the format, else the path's."""
    path = Path(path)
    return build_plan(read_plan_file(path, file_name or path.name))


def compute_plan(path: Path, file_name: str | None = None) -> PlanResult:
    """Read, check and compute the plan in a file."""
    return distribute_plan(read_plan(path, file_name))


__all__ = [
    "COLLECTIVE_EXAMPLE",
    "COOPERATIVE_EXAMPLE",
    "MAX_PLAN_MEMBERS",
    "Plan",
    "PlanRejected",
    "PlanResult",
    "build_plan",
    "compute_plan",
    "distribute_plan",
    "example_json",
    "read_plan",
    "result_json",
    "screen",
    "write_template",
    "write_xlsx",
]
