"""`tongzhou ledger … --user U`: the books (账簿) from the command line.

    ledger open COOP --year Y [--month M]                   open the organisation's book from a month
    ledger accounts COOP [--leaf] [--search TEXT]           the accounts with their posted balances
    ledger vouchers COOP [--month YYYY-MM] [--status S]     the vouchers
    ledger new COOP --on YYYY-MM-DD --summary S --line "121 借 1,200.00" --line "114 贷 1,200.00 #37" [--attachments N]
    ledger new COOP --from voucher.json                     制单: a draft voucher (the API's voucher body as a file)
    ledger show VOUCHER                                     one voucher: lines, maker, checker, poster, reversal
    ledger check|uncheck|post|delete VOUCHER                审核, 取消审核, 记账, delete a draft
    ledger reverse VOUCHER [--on YYYY-MM-DD] [--summary S]  红字冲销: a reversing draft of a posted voucher
    ledger close-month|reopen-month COOP --month YYYY-MM    结账, 反结账

Reads go through the scoped ledger selectors and writes through the ledger services (via="cli"), so the CLI sees
and changes exactly what the web and the API let the same user see and change. A refusal is a CommandError that
carries the error's code and its Chinese and English message.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import InvalidInput, NotFound, TongzhouError
from tongzhou.core.money import format_yuan
from tongzhou.ledger import selectors_books as reads
from tongzhou.ledger import services as writes
from tongzhou.ledger.domain.vouchers import line_amount_fen, line_error, voucher_error

COOP_ACTIONS = ("open", "accounts", "vouchers", "new", "close-month", "reopen-month")
VOUCHER_ACTIONS = ("show", "check", "uncheck", "post", "delete", "reverse")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SIDES = {"借": "debit", "贷": "credit", "d": "debit", "c": "credit", "debit": "debit", "credit": "credit"}


def parse_line(line_no: int, text: str) -> dict:
    """One `--line`: "科目 借|贷 金额 [#成员ID | 对方单位]", e.g. "114 贷 1,200.00 #37" or "211 贷 300 赵六"."""
    parts = text.split(None, 3)
    if len(parts) < 3 or parts[1].lower() not in SIDES:
        raise line_error(
            line_no, "line", f"分录“{text}”应写作“科目 借|贷 金额 [#成员ID|对方单位]”。",
            f'The line "{text}" should read "ACCOUNT 借|贷 AMOUNT [#MEMBER_ID|COUNTERPARTY]".', "line_invalid",
        )  # fmt: skip
    code, side, amount = parts[0], SIDES[parts[1].lower()], parts[2]
    party = parts[3].strip() if len(parts) == 4 else ""
    member = None
    if party.startswith("#"):
        if not party[1:].isdigit():
            raise line_error(
                line_no, "member", f"成员编号“{party}”应为 # 加数字。", f'The member "{party}" should be # and a number.',
                "member_invalid",
            )  # fmt: skip
        member, party = int(party[1:]), ""
    fen = line_amount_fen(line_no, side, amount)
    return {
        "account": code,
        "debit_fen": fen if side == "debit" else 0,
        "credit_fen": fen if side == "credit" else 0,
        "member": member,
        "counterparty": party,
    }


def voucher_from_file(path: str) -> dict:
    """A voucher as the API's body in a JSON file: {"date", "summary", "attachments", "lines": [{"account",
    "debit", "credit", "member_id", "counterparty", "summary"}]} (amounts in yuan, as text or numbers)."""
    try:
        body = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"无法读取文件 {path}：{exc.strerror}", f"Cannot read {path}: {exc.strerror}",
                           code="file_unreadable") from None  # fmt: skip
    except ValueError as exc:
        raise InvalidInput(f"文件 {path} 不是有效的 JSON：{exc}", f"{path} is not valid JSON: {exc}",
                           code="file_invalid") from None  # fmt: skip
    if not isinstance(body, dict) or not isinstance(body.get("lines"), list):
        raise voucher_error("lines", "凭证文件须为含 lines 列表的 JSON 对象。",
                            "The voucher file is a JSON object with a list of lines.", "file_invalid")  # fmt: skip
    lines = []
    for i, line in enumerate(body["lines"], start=1):
        if not isinstance(line, dict):
            raise line_error(i, "line", "分录须为 JSON 对象。", "A line is a JSON object.", "line_invalid")
        member = line.get("member_id")
        if member is not None and not (isinstance(member, int) and not isinstance(member, bool)):
            raise line_error(
                i, "member_id", "member_id 须为整数。", "member_id is a whole number.", "member_invalid"
            )
        lines.append(
            {
                "account": str(line.get("account") or ""),
                "debit_fen": line_amount_fen(
                    i, "debit", None if line.get("debit") is None else str(line["debit"])
                ),
                "credit_fen": line_amount_fen(
                    i, "credit", None if line.get("credit") is None else str(line["credit"])
                ),
                "member": member,
                "counterparty": str(line.get("counterparty") or ""),
                "summary": str(line.get("summary") or ""),
            }
        )
    attachments = body.get("attachments", 0)
    if not isinstance(attachments, int) or isinstance(attachments, bool):
        raise voucher_error("attachments", "附单据数须为整数。", "attachments is a whole number.",
                            "attachments_invalid")  # fmt: skip
    return {
        "date": _date(str(body.get("date") or "")),
        "summary": str(body.get("summary") or ""),
        "attachments": attachments,
        "lines": lines,
    }


def _month(text: str | None) -> tuple[int, int]:
    match = MONTH.match(text or "")
    if not match:
        raise InvalidInput(
            "请用 --month YYYY-MM 指定月份。", "Give the month as --month YYYY-MM.", code="month_required"
        )
    return int(match.group(1)), int(match.group(2))


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"日期 {text} 无效，应为 YYYY-MM-DD。", f"The date {text} is not YYYY-MM-DD.", code="date_invalid"
        ) from None


def _who(user) -> str:
    return "—" if user is None else (user.get_full_name() or user.username)


class Command(TongzhouCommand):
    help = "账簿：建账、科目、凭证、审核、记账、冲销、结账 / the books: open, accounts, vouchers, check, post, reverse, close"
    requires_user = True

    def add_arguments(self, parser):
        parser.add_argument("action", choices=COOP_ACTIONS + VOUCHER_ACTIONS)
        parser.add_argument(
            "target", type=int, help="the cooperative's id, or the voucher's id for voucher actions"
        )
        parser.add_argument("--year", type=int, help="open: the first year of the book")
        parser.add_argument("--month", help="open: the first month (1–12); vouchers, close-month: YYYY-MM")
        parser.add_argument("--status", choices=("draft", "posted"), help="vouchers: only this status")
        parser.add_argument("--leaf", action="store_true", help="accounts: only active leaf accounts")
        parser.add_argument("--search", help="accounts: code prefix or part of the name")
        parser.add_argument(
            "--on", help="new: the voucher's date; reverse: the reversing voucher's date (YYYY-MM-DD; today)"
        )
        parser.add_argument("--summary", help="new, reverse: the summary (摘要)")
        parser.add_argument(
            "--line",
            action="append",
            default=[],
            help='new: one line, "ACCOUNT 借|贷 AMOUNT [#MEMBER_ID|COUNTERPARTY]" (repeat for each line)',
        )
        parser.add_argument("--attachments", type=int, default=0, help="new: 附单据数")
        parser.add_argument(
            "--from", dest="from_file", help="new: the voucher as a JSON file (the API's body)"
        )

    def handle(self, *args, action, target, user, **options):
        acting = self.acting_user(user)
        try:
            if action in VOUCHER_ACTIONS:
                voucher = reads.voucher_get(user=acting, voucher_id=target)
                return self._voucher_action(acting, action, voucher, options)
            coop = cooperative_get(user=acting, cooperative_id=target)
            if action == "open":
                return self._open(acting, coop, options)
            book = reads.book_of_cooperative(user=acting, cooperative=coop)
            if book is None:
                raise NotFound("该组织尚未建账。", "The organisation has no books yet.", code="no_book")
            if action == "accounts":
                return self._accounts(acting, book, options)
            if action == "vouchers":
                return self._vouchers(acting, book, options)
            if action == "new":
                return self._new(acting, book, options)
            year, month = _month(options["month"])
            service = writes.period_close if action == "close-month" else writes.period_reopen
            service(user=acting, book=book, year=year, month=month, via="cli")
            done = _("已结账") if action == "close-month" else _("已反结账")
            self.stdout.write(f"{year}-{month:02d} {done}")
        except TongzhouError as exc:
            raise CommandError(f"{exc.code}: {exc.message_zh} / {exc.message_en}", returncode=1) from exc

    # -- the book ----------------------------------------------------------------------------------------------

    def _open(self, user, coop, options) -> None:
        if options["year"] is None:
            raise InvalidInput(
                "请用 --year 指定启用年度。", "Give the first year with --year.", code="year_required"
            )
        month = options["month"] or "1"
        if not month.isdigit():
            raise InvalidInput(
                "启用月份须在 1–12 之间。", "The first month is 1 to 12.", code="month_invalid"
            )
        book = writes.book_open(
            user=user, cooperative=coop, start_year=options["year"], start_month=int(month), via="cli"
        )
        self.stdout.write(
            f"{_('已建账')}: {coop.name} · {book.chart.name}（{book.chart.document}） · "
            f"{book.start_year}-{book.start_month:02d} · {book.accounts.count()} {_('个科目')} (book {book.pk})"
        )

    def _accounts(self, user, book, options) -> None:
        rows = reads.account_rows(user=user, book=book)
        if options["leaf"] or options["search"]:
            text = (options["search"] or "").strip()
            rows = [
                r
                for r in rows
                if (not options["leaf"] or (r.account.is_leaf and r.account.is_active))
                and (r.account.code.startswith(text) or text in r.account.name)
            ]
        self.stdout.write("\t".join((_("科目编号"), _("科目名称"), _("方向"), _("余额"), _("辅助核算"))))
        sides = {"debit": _("借"), "credit": _("贷")}
        for r in rows:
            a = r.account
            flags = [str(a.get_party_display()) if a.party != "none" else ""]
            if not a.is_active:
                flags.append(_("停用"))
            self.stdout.write(
                "\t".join(
                    (
                        "  " * (a.level - 1) + a.code,
                        a.name + (f"（{a.member.display_name}）" if a.member_id else ""),
                        sides.get(r.side, _("平")),
                        format_yuan(abs(r.balance_fen)),
                        " ".join(f for f in flags if f),
                    )
                )
            )
        self.stdout.write(f"{len(rows)} 个科目 / {len(rows)} accounts")

    def _vouchers(self, user, book, options) -> None:
        year = month = None
        if options["month"]:
            year, month = _month(options["month"])
        vouchers = reads.voucher_rows(user=user, book=book, year=year, month=month, status=options["status"])
        self.stdout.write("\t".join(("ID", _("日期"), _("凭证号"), _("状态"), _("金额"), _("摘要"))))
        n = 0
        for v in vouchers.prefetch_related("lines"):
            n += 1
            total = sum(line.debit_fen for line in v.lines.all())
            status = str(v.get_status_display()) + (
                f" {_('已审核')}" if not v.is_posted and v.checker_id else ""
            )
            self.stdout.write(
                "\t".join(
                    (
                        str(v.pk),
                        v.date.isoformat(),
                        str(v.number or "—"),
                        status,
                        format_yuan(total),
                        v.summary,
                    )
                )
            )
        self.stdout.write(f"{n} 张凭证 / {n} vouchers")

    def _new(self, user, book, options) -> None:
        if options["from_file"]:
            if options["line"]:
                raise InvalidInput(
                    "--from 与 --line 只能选其一。",
                    "Give either --from or --line, not both.",
                    code="line_and_file",
                )
            voucher = voucher_from_file(options["from_file"])
        else:
            voucher = {
                "date": _date(options["on"]),
                "summary": options["summary"] or "",
                "attachments": options["attachments"],
                "lines": [parse_line(i, text) for i, text in enumerate(options["line"], start=1)],
            }
        if voucher["date"] is None:
            raise InvalidInput(
                "请指定凭证日期（--on YYYY-MM-DD，或文件中的 date）。",
                "Give the voucher's date (--on YYYY-MM-DD, or date in the file).",
                code="date_required",
            )  # fmt: skip
        draft = writes.voucher_create(user=user, book=book, via="cli", **voucher)
        self.stdout.write(f"{_('已制单')} {draft.pk}（{_('待审核')}）")
        return self._show(reads.voucher_get(user=user, voucher_id=draft.pk))

    # -- one voucher -------------------------------------------------------------------------------------------

    def _voucher_action(self, user, action: str, voucher, options) -> None:
        if action == "show":
            return self._show(voucher)
        if action == "reverse":
            reversal = writes.voucher_reverse(
                user=user, voucher=voucher, date=_date(options["on"]), summary=options["summary"], via="cli"
            )
            self.stdout.write(f"{_('已生成红字冲销凭证')} {reversal.pk}（{_('待审核')}）")
            return self._show(reads.voucher_get(user=user, voucher_id=reversal.pk))
        if action == "delete":
            writes.voucher_delete(user=user, voucher=voucher, via="cli")
            self.stdout.write(f"{_('草稿凭证已删除')}: {voucher.pk}")
            return None
        service = {
            "check": writes.voucher_check,
            "uncheck": writes.voucher_uncheck,
            "post": writes.voucher_post,
        }
        service[action](user=user, voucher=voucher, via="cli")
        return self._show(reads.voucher_get(user=user, voucher_id=voucher.pk))

    def _show(self, voucher) -> None:
        w = self.stdout.write
        number = f"{voucher.date:%Y-%m} 记 {voucher.number} 号" if voucher.number else _("未记账")
        w(
            f"{_('凭证')} {voucher.pk} · {voucher.date.isoformat()} · {number} · {voucher.get_status_display()}"
        )
        w(f"  {_('摘要')}: {voucher.summary} · {_('附单据数')}: {voucher.attachments}")
        for line in voucher.lines.select_related("account", "member").order_by("line_no"):
            party = line.member.display_name if line.member_id else line.counterparty
            side = (
                f"{_('借')} {format_yuan(line.debit_fen)}"
                if line.debit_fen
                else f"{_('贷')} {format_yuan(line.credit_fen)}"
            )
            w(
                f"  {line.line_no}. {line.account.code} {line.account.name}\t{side}"
                + (f"\t{party}" if party else "")
            )
        w(f"  {_('制单')}: {_who(voucher.maker)} {voucher.made_at:%Y-%m-%d %H:%M}")
        w(
            f"  {_('审核')}: {_who(voucher.checker)}"
            + (f" {voucher.checked_at:%Y-%m-%d %H:%M}" if voucher.checked_at else "")
        )
        w(
            f"  {_('记账')}: {_who(voucher.poster)}"
            + (f" {voucher.posted_at:%Y-%m-%d %H:%M}" if voucher.posted_at else "")
        )
        if voucher.reverses_id:
            w(f"  {_('冲销凭证')}: {voucher.reverses_id}")
        reversal = reads.voucher_reversal(voucher)
        if reversal is not None:
            w(f"  {_('已被冲销')}: {reversal.pk}（{_who(reversal.maker)} {reversal.made_at:%Y-%m-%d %H:%M}）")
