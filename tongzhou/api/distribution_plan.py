"""`POST /distribution/plan`: 分配方案试算 — a plan file (XLSX or JSON, docs/DATA-FORMATS.md) computed by the rules of
a real run, nothing read from or written to the database. The same as the web page and `tongzhou distribute --from`."""

from __future__ import annotations

import pathlib
import tempfile
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Router, UploadedFile

from tongzhou.core.errors import ImportRejected, InvalidInput
from tongzhou.distribution.plan import compute_plan, result_json

from .common import READ_ERRORS
from .errors import RequestInvalid, UploadTooLarge, shown_rejection
from .schemas import Error

router = Router(tags=["盈余分配 / Distribution"])
PLAN_FILE = File(None, description="分配方案（.xlsx 或 .json）/ The plan file (.xlsx or .json)")


@router.post(
    "/distribution/plan",
    response={200: dict[str, Any], **READ_ERRORS, 413: Error},
    summary="分配方案试算 / Dry run of a distribution plan",
    description="上传分配方案文件（multipart 字段 `file`，.xlsx：参数、成员两页；或 .json，格式见 docs/DATA-FORMATS.md），"
    "按正式分配的规则计算并返回结果（各步骤、每位成员的分配，金额为分及元），不读写数据库。方案有误返回 422，"
    "details.errors 列出前50处错误（位置 sheet/row/column 或 JSON path、原因 reason_zh / reason_en、依据 article），"
    "details.error_count 为错误总数。\n\n"
    "Upload a plan file (multipart field `file`: .xlsx with sheets 参数 and 成员, or .json; docs/DATA-FORMATS.md); it is "
    "computed by the rules of a real run and the result returned (the steps, every member's share, in fen and "
    "yuan). Nothing is read from or written to the database. A bad plan is a 422 whose details.errors lists the "
    "first 50 errors (sheet/row/column or JSON path, reason_zh / reason_en, article) and details.error_count counts "
    "them all.",
)
def distribution_plan(request: HttpRequest, file: UploadedFile | None = PLAN_FILE) -> dict[str, Any]:
    if getattr(request, "tongzhou_upload_too_large", False):
        raise UploadTooLarge(settings.TONGZHOU_IMPORT_MAX_BYTES)
    if file is None:
        raise RequestInvalid([{"loc": ["form", "file"], "msg": "Field required"}])
    suffix = pathlib.Path(file.name or "").suffix.lower()
    if suffix not in (".xlsx", ".json"):
        raise InvalidInput(
            "分配方案须为 .xlsx 或 .json 文件。",
            "A distribution plan is an .xlsx or a .json file.",
            code="plan_format",
            details={"fields": {"file": {"code": "plan_format"}}},
        )
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = pathlib.Path(folder) / f"plan{suffix}"
            with path.open("wb") as out:
                for chunk in file.chunks():
                    out.write(chunk)
            result = compute_plan(path, file.name)
    except ImportRejected as exc:
        raise shown_rejection(exc) from None
    return result_json(result)
