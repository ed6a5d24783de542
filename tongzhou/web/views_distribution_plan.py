"""分配方案试算 on the web: upload a plan file (XLSX or JSON, docs/DATA-FORMATS.md) and see the distribution it gives,
computed by the same rules as a real run, without writing anything; download the result as XLSX or JSON, or an
example plan to start from. The same as `tongzhou distribute --from` and `POST /api/v1/distribution/plan`.

Nothing here reads or writes the database: any signed-in user may check a plan (an accountant before entering it,
an auditor checking one handed to them)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tongzhou.core.errors import TongzhouError
from tongzhou.distribution.plan import PlanRejected, compute_plan, result_json, write_template, write_xlsx
from tongzhou.distribution.plan.output import cell_text, columns, member_rows, steps, totals

SHOWN_ERRORS = 50
PLAN_SUFFIXES = (".xlsx", ".json")
_ENVELOPE_BYTES = 64 * 1024


def _context(**extra) -> dict:
    return {"max_mb": settings.TONGZHOU_IMPORT_MAX_BYTES // (1024 * 1024), **extra}


def _page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    return render(request, "web/distribution_plan.html", _context(**extra), status=status)


def _compute_upload(upload):
    suffix = Path(upload.name or "").suffix.lower()
    if hasattr(upload, "temporary_file_path"):
        return compute_plan(Path(upload.temporary_file_path()), upload.name)
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        for chunk in upload.chunks():
            f.write(chunk)
        f.flush()
        return compute_plan(Path(f.name), upload.name)


@login_required
def plan_page(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: compute the uploaded plan and show it (`output=xlsx|json`: download instead)."""
    if request.method == "GET":
        return _page(request)
    if request.method != "POST":
        return HttpResponse(status=405)
    limit = settings.TONGZHOU_IMPORT_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + _ENVELOPE_BYTES or getattr(request, "tongzhou_upload_too_large", False):
        problem = _("文件过大（上限 %(mb)s MB），未读取。") % {"mb": limit // (1024 * 1024)}
        return _page(request, 413, problem=problem)
    upload = request.FILES.get("file")
    if upload is None:
        return _page(request, 400, problem=_("请选择分配方案文件（XLSX 或 JSON）。"))
    if Path(upload.name or "").suffix.lower() not in PLAN_SUFFIXES:
        return _page(request, 400, problem=_("分配方案须为 .xlsx 或 .json 文件。"))
    try:
        result = _compute_upload(upload)
    except PlanRejected as exc:
        errors = exc.details.get("errors", [])
        count = exc.details.get("error_count", len(errors))
        return _page(
            request, 422, rejected=exc, errors=errors[:SHOWN_ERRORS], error_count=count,
            more=max(0, count - SHOWN_ERRORS), file_name=upload.name,
        )  # fmt: skip
    except TongzhouError as exc:
        return _page(request, exc.http_status, problem=exc.message)
    output = request.POST.get("output", "")
    stem = Path(upload.name).stem[:80] or "plan"
    if output == "json":
        response = HttpResponse(
            json.dumps(result_json(result), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}-result.json"'
        return response
    if output == "xlsx":
        out = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes (and so deletes) it
        write_xlsx(result, Path(out.name))
        return FileResponse(open(out.name, "rb"), as_attachment=True, filename=f"{stem}-result.xlsx")  # noqa: SIM115
    english = (get_language() or "").startswith("en")
    shown = columns(result)
    rows = member_rows(result)
    summed = totals(result, rows)
    return _page(
        request,
        result=result,
        plan=result.plan,
        file_name=upload.name,
        steps=[
            {"label": en if english else zh, "article": article, "amount": cell_text("money", fen)}
            for _key, zh, en, article, fen in steps(result)
        ],
        headers=[(c.en if english else c.zh, c.kind) for c in shown],
        rows=[[(cell_text(c.kind, r[c.key]), c.kind) for c in shown] for r in rows],
        total_row=[(cell_text(c.kind, summed[c.key]) if c.key in summed else "", c.kind) for c in shown],
    )


@login_required
@require_GET
def plan_example(request: HttpRequest, body: str, fmt: str) -> HttpResponse:
    """An example plan (the template) to fill in: a cooperative's or a collective's, XLSX or JSON."""
    if body not in ("cooperative", "collective") or fmt not in ("xlsx", "json"):
        raise Http404
    out = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write_template(Path(out.name), fmt, body=body)  # the plan's body kinds are these two words
    return FileResponse(open(out.name, "rb"), as_attachment=True, filename=f"distribution-plan-{body}.{fmt}")  # noqa: SIM115
