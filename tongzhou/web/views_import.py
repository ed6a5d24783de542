"""The register import page: template downloads, the upload form, and the result or the rejected file's errors.

No rules here: the file goes to households.register_import as it is. A rejected import's errors are kept under
VAR_DIR/reports/<random token>.json so their owner, and only they, can download them as XLSX or CSV.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tongzhou.core.errors import ImportRejected, TongzhouError
from tongzhou.households.register_import import COLUMNS, register_import, write_error_report, write_template

SHOWN_ERRORS = 50
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Room for the multipart envelope around the file itself.
_ENVELOPE_BYTES = 64 * 1024


def _reports_dir() -> Path:
    path = Path(settings.VAR_DIR) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _keep_report(user, exc: ImportRejected, file_name: str) -> str:
    token = secrets.token_urlsafe(24)
    record = {
        "user_id": user.pk,
        "file_name": file_name,
        "errors": exc.details.get("errors", []),
        "error_count": exc.details.get("error_count", 0),
    }
    (_reports_dir() / f"{token}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return token


def _context(**extra) -> dict:
    return {"columns": COLUMNS, "max_mb": settings.TONGZHOU_IMPORT_MAX_BYTES // (1024 * 1024), **extra}


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: import the uploaded file and show what it did, or why it was rejected."""
    if request.method == "GET":
        return render(request, "web/import.html", _context())
    limit = settings.TONGZHOU_IMPORT_MAX_BYTES
    # Refuse an oversized upload from its Content-Length, before Django reads a byte of the body.
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + _ENVELOPE_BYTES:
        problem = _("文件过大（上限 %(mb)s MB），未读取。") % {"mb": limit // (1024 * 1024)}
        return render(request, "web/import.html", _context(problem=problem), status=413)
    upload = request.FILES.get("file")
    if getattr(request, "tongzhou_upload_too_large", False):
        problem = _("文件过大（上限 %(mb)s MB），未读取。") % {"mb": limit // (1024 * 1024)}
        return render(request, "web/import.html", _context(problem=problem), status=413)
    if upload is None:
        return render(request, "web/import.html", _context(problem=_("请选择要导入的文件。")), status=400)
    dry_run = request.POST.get("dry_run") == "on"
    try:
        if hasattr(upload, "temporary_file_path"):  # Django spilled it to disk: use that file as it is
            result = register_import(
                user=request.user,
                path=Path(upload.temporary_file_path()),
                file_name=upload.name,
                via="web",
                dry_run=dry_run,
            )
        else:
            with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix) as f:
                for chunk in upload.chunks():
                    f.write(chunk)
                f.flush()
                result = register_import(
                    user=request.user, path=Path(f.name), file_name=upload.name, via="web", dry_run=dry_run
                )
    except ImportRejected as exc:
        token = _keep_report(request.user, exc, upload.name)
        errors = exc.details.get("errors", [])
        return render(
            request,
            "web/import.html",
            _context(
                rejected=exc,
                errors=errors[:SHOWN_ERRORS],
                error_count=exc.details.get("error_count", len(errors)),
                more=max(0, exc.details.get("error_count", len(errors)) - SHOWN_ERRORS),
                token=token,
                file_name=upload.name,
            ),
        )
    except TongzhouError as exc:
        return render(request, "web/import.html", _context(problem=exc.message), status=exc.http_status)
    return render(request, "web/import.html", _context(result=result, file_name=upload.name))


@login_required
@require_GET
def import_report(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The errors of a rejected import as XLSX or CSV, for the user who uploaded the file only."""
    if fmt not in FORMATS or not _TOKEN_RE.match(token):
        raise Http404
    path = _reports_dir() / f"{token}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise Http404 from None
    if record.get("user_id") != request.user.pk:
        raise Http404
    out = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write_error_report(record["errors"], Path(out.name), fmt)
    out.seek(0)
    stem = Path(record.get("file_name") or "import").stem
    return FileResponse(out, as_attachment=True, filename=f"{stem}-错误报告.{fmt}", content_type=FORMATS[fmt])


@login_required
@require_GET
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    out = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115 - FileResponse closes (and so deletes) it
    write_template(Path(out.name), fmt)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"农户登记导入模板.{fmt}", content_type=FORMATS[fmt]
    )
