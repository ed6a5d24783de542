"""Charts of accounts are data: one JSON file per standard and version in `ledger/charts/`. A later revision of a
standard is a new file, loaded next to the old one; a book keeps the chart it was opened with."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tongzhou.core.errors import InvalidInput

from ..models import Chart, ChartAccount

CHARTS_DIR = Path(__file__).resolve().parent.parent / "charts"


def chart_files() -> list[Path]:
    return sorted(CHARTS_DIR.glob("*.json"))


def load_chart_file(path: Path, *, chart_model=Chart, account_model=ChartAccount) -> object:
    """Load one chart file (idempotent: rows are matched on the chart's key and the account code). The model
    classes may be a migration's historical models."""
    data = json.loads(path.read_text(encoding="utf-8"))
    chart, _ = chart_model.objects.update_or_create(
        key=data["key"],
        defaults={
            "standard": data["standard"],
            "name": data["name"],
            "document": data["document"],
            "version": data["version"],
            "effective_from": dt.date.fromisoformat(data["effective_from"]),
            "sources": data.get("sources", []),
        },
    )
    for order, row in enumerate(data["accounts"], start=1):
        account_model.objects.update_or_create(
            chart=chart,
            code=row["code"],
            defaults={
                "order": order,
                "name": row["name"],
                "account_class": row["class"],
                "normal_balance": row["normal_balance"],
                "level": row.get("level", 1),
                "parent_code": row.get("parent") or "",
                "party": row.get("party", "none"),
                "optional": row.get("optional", False),
                "confirmed": row.get("confirmed", True),
                "note": row.get("note", ""),
            },
        )
    return chart


def charts_load_shipped() -> int:
    """Load every shipped chart. Idempotent; returns the number of charts."""
    files = chart_files()
    for path in files:
        load_chart_file(path)
    return len(files)


def chart_in_force(standard: str, on: dt.date) -> Chart:
    """The newest chart of `standard` in force on `on`."""
    if not Chart.objects.exists():  # a transactional test flushed the data migration's rows
        charts_load_shipped()
    chart = (
        Chart.objects.filter(standard=standard, effective_from__lte=on).order_by("-effective_from").first()
    )
    if chart is None:
        raise InvalidInput(
            f"{on} 没有适用于该组织形式的会计制度。",
            f"No chart of accounts for this kind of organisation is in force on {on}.",
            code="no_chart_in_force",
            details={"standard": standard, "on": on.isoformat()},
        )
    return chart
