"""Member, share and transaction imports on the cooperative page (成员、股份、交易导入): the upload, its result or
the rejected file's errors, the error report and the empty templates.

No rules here: the file goes to the coops import it names as it is, all or nothing. A rejected file's first errors
are shown on its tab; all of them can be downloaded as XLSX or CSV through the register import's report page
(a random token, for the uploader only).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tongzhou.coops.members_import import members_import
from tongzhou.coops.members_import.columns import COLUMNS as MEMBER_COLUMNS
from tongzhou.coops.selectors import cooperatives as coop_reads
from tongzhou.coops.shares_import import shares_import
from tongzhou.coops.shares_import.columns import COLUMNS as SHARE_COLUMNS
from tongzhou.coops.transactions_import import transactions_import
from tongzhou.coops.transactions_import.columns import COLUMNS as TRANSACTION_COLUMNS
from tongzhou.core.errors import ImportRejected, TongzhouError
from tongzhou.core.money import format_yuan

from .views_coops import _coop_page, _coop_url, _get_writable
from .views_import import FORMATS, _keep_report

SHOWN_ERRORS = 50
# Room for the multipart envelope around the file itself.
_ENVELOPE_BYTES = 64 * 1024


def _write_members_template(path: Path, fmt: str) -> None:
    from tongzhou.coops.members_import import write_template

    write_template(path, fmt)


def _write_shares_template(path: Path, fmt: str) -> None:
    from tongzhou.coops.shares_import import write_template

    write_template(path, fmt)


def _write_transactions_template(path: Path, fmt: str) -> None:
    from tongzhou.coops.transactions_import.columns import write_template

    write_template(path, fmt)


def _members_done(result) -> str:
    return _("导入成功：批准入社 %(admitted)s 户，登记入社申请 %(applied)s 份。") % {
        "admitted": result.admitted,
        "applied": result.applied,
    }


def _shares_done(result) -> str:
    return _("导入成功：认购 %(count)s 笔，出资合计 %(amount)s。") % {
        "count": result.subscriptions,
        "amount": format_yuan(result.amount_fen),
    }


def _transactions_done(result) -> str:
    return _("导入成功：成员交易 %(member)s 笔，非成员交易 %(other)s 笔，金额合计 %(amount)s。") % {
        "member": result.member_transactions,
        "other": result.non_member_transactions,
        "amount": format_yuan(result.amount_fen),
    }


@dataclass(frozen=True)
class ImportKind:
    """One kind of cooperative import: its tab, its columns, the function that imports it, its template."""

    name: str
    title: Promise
    file_label: Promise
    template_stem: Promise
    url_name: str
    columns: tuple
    run: Callable[..., Any]
    write_template: Callable[[Path, str], None]
    done: Callable[[Any], str]


KINDS: dict[str, ImportKind] = {
    "members": ImportKind(
        name="members",
        title=gettext_lazy("批量导入成员（XLSX 或 CSV）"),
        file_label=gettext_lazy("成员文件（XLSX 或 CSV）"),
        template_stem=gettext_lazy("成员导入模板"),
        url_name="web:coop_members_import",
        columns=MEMBER_COLUMNS,
        run=members_import,
        write_template=_write_members_template,
        done=_members_done,
    ),
    "shares": ImportKind(
        name="shares",
        title=gettext_lazy("批量导入股份认购（XLSX 或 CSV）"),
        file_label=gettext_lazy("股份认购文件（XLSX 或 CSV）"),
        template_stem=gettext_lazy("股份认购导入模板"),
        url_name="web:coop_shares_import",
        columns=SHARE_COLUMNS,
        run=shares_import,
        write_template=_write_shares_template,
        done=_shares_done,
    ),
    "transactions": ImportKind(
        name="transactions",
        title=gettext_lazy("批量导入交易（XLSX 或 CSV）"),
        file_label=gettext_lazy("交易文件（XLSX 或 CSV）"),
        template_stem=gettext_lazy("成员交易导入模板"),
        url_name="web:coop_transactions_import",
        columns=TRANSACTION_COLUMNS,
        run=transactions_import,
        write_template=_write_transactions_template,
        done=_transactions_done,
    ),
}


def import_panel(kind: str) -> dict[str, Any]:
    """What the import panel of a tab shows before any upload: its title, columns and size limit."""
    spec = KINDS[kind]
    return {
        "kind": spec.name,
        "title": spec.title,
        "file_label": spec.file_label,
        "url_name": spec.url_name,
        "columns": spec.columns,
        "max_mb": settings.TONGZHOU_IMPORT_MAX_BYTES // (1024 * 1024),
    }


def _declared_too_large(request: HttpRequest) -> bool:
    """Whether the request says it is larger than the limit allows (checked before a byte of the body is read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > settings.TONGZHOU_IMPORT_MAX_BYTES + _ENVELOPE_BYTES


def _answer(request: HttpRequest, cooperative, kind: str, status: int, **found: Any) -> HttpResponse:
    return _coop_page(request, cooperative, kind, status=status, **{"import": {"kind": kind, **found}})


@login_required
@require_POST
def coop_import(request: HttpRequest, cooperative_id: int, kind: str) -> HttpResponse:
    """Import an XLSX/CSV of members, subscriptions or transactions, all or nothing; a rejected file's errors
    are shown on the tab with a link to the whole error report."""
    spec = KINDS[kind]
    cooperative = _get_writable(request, cooperative_id)
    too_large = _("文件过大（上限 %(mb)s MB），未读取。") % {
        "mb": settings.TONGZHOU_IMPORT_MAX_BYTES // (1024 * 1024)
    }
    if _declared_too_large(request):
        return _answer(request, cooperative, kind, 413, problem=too_large)
    upload = request.FILES.get("file")
    # The upload handler stopped reading the file at the limit (a body without a length, or a lying one).
    if getattr(request, "tongzhou_upload_too_large", False):
        return _answer(request, cooperative, kind, 413, problem=too_large)
    if upload is None:
        return _answer(request, cooperative, kind, 400, problem=_("请选择要导入的文件。"))
    dry_run = request.POST.get("dry_run") == "on"
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / ("upload" + Path(upload.name).suffix.lower()[:8])
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            result = spec.run(
                user=request.user,
                cooperative=cooperative,
                path=path,
                file_name=upload.name,
                dry_run=dry_run,
                via="web",
            )
    except ImportRejected as exc:
        errors = exc.details.get("errors", [])
        count = exc.details.get("error_count", len(errors))
        return _answer(
            request,
            cooperative,
            kind,
            422,
            rejected=exc,
            errors=errors[:SHOWN_ERRORS],
            error_count=count,
            more=max(0, count - SHOWN_ERRORS),
            token=_keep_report(request.user, exc, upload.name),
            file_name=upload.name,
        )
    except TongzhouError as exc:
        if exc.http_status in (403, 404):
            raise
        return _answer(request, cooperative, kind, exc.http_status, problem=exc.message)
    if dry_run:
        messages.success(
            request, _("试运行完成：文件无误（%(rows)s 行），未写入任何数据。") % {"rows": result.rows}
        )
    else:
        messages.success(request, spec.done(result))
    return redirect(_coop_url(cooperative, kind))


@login_required
@require_GET
def coop_import_template(request: HttpRequest, cooperative_id: int, kind: str, fmt: str) -> HttpResponse:
    """The empty import template of a kind (headers and an example row) as XLSX or CSV."""
    if kind not in KINDS or fmt not in FORMATS:
        raise Http404
    coop_reads.cooperative_get(user=request.user, cooperative_id=cooperative_id)
    spec = KINDS[kind]
    out = tempfile.NamedTemporaryFile(suffix=f".{fmt}")  # noqa: SIM115 - FileResponse closes (and so deletes) it
    spec.write_template(Path(out.name), fmt)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=f"{spec.template_stem}.{fmt}", content_type=FORMATS[fmt]
    )
