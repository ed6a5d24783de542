"""Writes to the region tree: loading the shipped data and adding townships, villages and groups."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.db import transaction

from tongzhou.core.errors import InvalidInput

from .models import CODE_LENGTHS, LEVEL_BY_LENGTH, Region, parent_code_of
from .scope import require_write

DATA_DIR = Path(__file__).resolve().parent / "data"


def check_region_code(code: str) -> str:
    code = str(code).strip()
    if not re.fullmatch(r"\d+", code) or len(code) not in LEVEL_BY_LENGTH:
        raise InvalidInput(
            "区划代码应为2、4、6、9、12或15位数字。",
            "A region code has 2, 4, 6, 9, 12 or 15 digits.",
            code="region_code_format",
            details={"value": code},
        )
    return code


def regions_load_shipped() -> int:
    """Load Guizhou, Bijie and Bijie's county-level divisions (GB/T 2260). Idempotent."""
    data = json.loads((DATA_DIR / "bijie.json").read_text(encoding="utf-8"))
    count = 0
    for row in data["regions"]:
        code = row["code"]
        Region.objects.update_or_create(
            code=code,
            defaults={
                "name": row["name"],
                "level": row["level"],
                "parent_code": parent_code_of(code),
                "county_code": code[:6] if len(code) >= 6 else "",
                "note": row.get("note", ""),
            },
        )
        count += 1
    return count


@transaction.atomic
def region_create(*, user, code: str, name: str) -> Region:
    """Add a township, village or villager group under an existing parent the user may write."""
    code = check_region_code(code)
    name = str(name).strip()
    if not name:
        raise InvalidInput("地区名称不能为空。", "The region name is required.", details={"code": code})
    level = LEVEL_BY_LENGTH[len(code)]
    if len(code) < CODE_LENGTHS["township"]:
        raise InvalidInput(
            "省、市、县级区划随系统提供，不能新增。",
            "Province, prefecture and county divisions ship with the system and cannot be added.",
            details={"code": code},
        )
    parent = parent_code_of(code)
    require_write(user, code)
    if not Region.objects.filter(code=parent).exists():
        raise InvalidInput(
            f"上级地区 {parent} 不存在。",
            f"The parent region {parent} does not exist.",
            details={"code": code},
        )
    region, _ = Region.objects.update_or_create(
        code=code,
        defaults={"name": name, "level": level, "parent_code": parent, "county_code": code[:6]},
    )
    if level == "village":
        from tongzhou.rollups.services import register_figures_refresh

        register_figures_refresh(village_codes=[code])
    return region


def regions_bulk_upsert(rows: list[tuple[str, str]], *, refresh_figures: bool = True) -> int:
    """Insert townships, villages and groups given as (code, name), parents first; used by imports and the demo.

    The caller has checked scope and codes. Existing codes keep their row and take the new name.
    """
    rows = sorted(rows, key=lambda r: (len(r[0]), r[0]))
    existing = set(Region.objects.filter(code__in=[c for c, _ in rows]).values_list("code", flat=True))
    new = [
        Region(
            code=c,
            name=n,
            level=LEVEL_BY_LENGTH[len(c)],
            parent_code=parent_code_of(c),
            county_code=c[:6],
        )
        for c, n in rows
        if c not in existing
    ]
    Region.objects.bulk_create(new, batch_size=2000)
    new_villages = [r.code for r in new if r.level == "village"]
    if new_villages and refresh_figures:
        from tongzhou.rollups.services import register_figures_refresh

        register_figures_refresh(village_codes=new_villages)
    return len(new)
