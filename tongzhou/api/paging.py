"""Paged lists: ?page=1&page_size=50 (at most 500) → {"count", "page", "page_size", "results"}."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


class PageParams(Schema):
    page: int = Field(1, ge=1, description="页码，从 1 开始 / Page number, from 1")
    page_size: int = Field(
        DEFAULT_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description="每页条数，最多 500 / Rows per page, 500 at most",
    )


def paged(qs: QuerySet, params: PageParams, to_out: Callable[[Any], Any]) -> dict[str, Any]:
    """One page of a scoped queryset; a page past the end is empty, never an error."""
    count = qs.count()
    start = (params.page - 1) * params.page_size
    rows = list(qs[start : start + params.page_size]) if start < count else []
    return {
        "count": count,
        "page": params.page,
        "page_size": params.page_size,
        "results": [to_out(r) for r in rows],
    }
