"""`tongzhou distribute`: surplus distribution (盈余分配) from the command line, in four modes.

    distribute --from plan.xlsx|plan.json [--out result.xlsx|result.json|-]
        试算 / dry run of a plan file: computed by the same rules, without the database and without --user.
    distribute COOP_ID --year Y --user U [--surplus YUAN] [--losses YUAN] [--subsidy-property YUAN]
               [--conversion PCT] [--out sheet.xlsx|sheet.csv]
        计算（重算）分配草稿 / compute the year's draft, or recompute it while it is a draft; the surplus and the
        losses come from the books unless given; shows the steps and the member sheet (or writes the sheet).
    distribute --run RUN_ID --user U ACTION
        --show [--out sheet.xlsx|sheet.csv]                  查看 / the run, its steps and sheet (the default)
        --publish [--on D]                                   公示 / open to members from D (today)
        --approve --assembly-date D --votes-for N --votes-against N [--members N]
                                                             成员大会通过 / record the assembly's vote; N members
                                                             entitled defaults to the body's active members
        --post [--on D]                                      记账 / post the vouchers (on the assembly's date)
        --pay [--member M [--amount YUAN]] [--on D] [--method M] [--reference R]
                                                             发放 / pay what is due on D (today), to everyone or
                                                             to one member
        --reverse [--on D]                                   冲销 / a reversing run (today)
    distribute --region CODE --year Y --user U --compute|--post-approved|--pay-posted [--on D]
        批量 / every approved run of the region's bodies posted, or every posted run paid in full (batch_cli)
    distribute --cascade COUNTY_CODE --year Y --user U [--platform-surplus YUAN] [--household H]
        利益链 / the county's cascade, computed and kept: per body what came in and went out, the totals, and
        with --household one household's money by path. --platform-surplus is the own surplus of the county's
        platform company, which keeps no books here.

Dates are YYYY-MM-DD, amounts yuan ("1,234.50"), rates percent ("10" or "12.5"). The --from mode is dispatched
first and never opens the database. The database modes act as --user: reads go through the scoped selectors and
writes through the distribution services (via="cli"), so the CLI sees and changes exactly what the web and the API
let the same user see and change. A refusal is a CommandError carrying the error's code and its Chinese and English
message (exit status 1), and nothing is changed. Output speaks the CLI's language (TONGZHOU_LANG or LANG).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, DjangoHelpFormatter
from django.utils import timezone, translation

from tongzhou.coops.selectors.cooperatives import cooperative_get, cooperative_list
from tongzhou.coops.selectors.membership import member_list
from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import Conflict, InvalidInput, TongzhouError
from tongzhou.core.money import yuan_to_fen
from tongzhou.distribution import selectors as reads
from tongzhou.distribution import selectors_cascade as cascade_reads
from tongzhou.distribution import services as writes
from tongzhou.distribution.management.batch_cli import region_batch
from tongzhou.distribution.models import BOOKED_STATUSES, DistributionRun, PaymentMethod, RunStatus
from tongzhou.distribution.plan import PlanRejected, compute_plan, result_json, screen, write_xlsx
from tongzhou.distribution.plan.output import COLLECTIVE_STEPS, COOPERATIVE_STEPS
from tongzhou.households.selectors import household_get

# --help ends with the modes and their options as the docstring lists them.
USAGE = (
    "modes / 模式:\n"
    + (__doc__ or "in four modes.\n").split("in four modes.\n", 1)[1].split("\nDates are")[0]
)
SHOWN_ERRORS = 50
OUTPUT_SUFFIXES = (".json", ".xlsx")
SHEET_SUFFIXES = (".csv", ".xlsx")
RUN_ACTIONS = ("show", "publish", "approve", "post", "pay", "reverse")

# Which options each mode takes: an option given to another mode is refused rather than silently ignored.
MODE_OPTIONS = {
    "body": {"year", "surplus", "losses", "subsidy_property", "conversion", "out"},
    "run": {"on", "assembly_date", "votes_for", "votes_against", "members", "member", "amount", "method",
            "reference", "out"},
    "cascade": {"year", "platform_surplus", "household"},
}  # fmt: skip
ACTION_OPTIONS = {
    "show": {"out"},
    "publish": {"on"},
    "approve": {"assembly_date", "votes_for", "votes_against", "members"},
    "post": {"on"},
    "pay": {"on", "member", "amount", "method", "reference"},
    "reverse": {"on"},
}
FLAG = {name: "--" + name.replace("_", "-") for name in set().union(*MODE_OPTIONS.values())}

# The member sheet: (field, Chinese, English, is money). On screen the short list, in a file every column.
COOP_SHEET = (
    ("capital_fen", "出资额", "capital", True),
    ("reserve_share_fen", "公积金份额", "reserve share", True),
    ("subsidy_share_fen", "补助量化份额", "subsidy share", True),
    ("transactions", "交易量（额）", "transactions", False),
    ("reserve_quantified_fen", "本年量化公积金", "reserve quantified", True),
    ("subsidy_equal_share_fen", "平均量化补助", "equal subsidy share", True),
    ("remainder_weight_fen", "剩余盈余分配依据", "remainder weight", True),
    ("patronage_return_fen", "按交易量返还", "patronage return", True),
    ("remainder_share_fen", "剩余盈余返还", "remainder share", True),
    ("collective_share_fen", "村集体分配", "collective share", True),
    ("converted_to_capital_fen", "转为出资", "converted to capital", True),
    ("cash_fen", "应发现金", "cash due", True),
    ("paid_fen", "已发放", "paid", True),
)
COOP_SCREEN = ("capital_fen", "transactions", "patronage_return_fen", "remainder_share_fen",
               "collective_share_fen", "converted_to_capital_fen", "cash_fen", "paid_fen")  # fmt: skip
COLLECTIVE_SHEET = (
    ("income_right_shares", "收益权份额", "income-right shares", False),
    ("income_right_fen", "收益权分配", "income-right share", True),
    ("cash_fen", "应发现金", "cash due", True),
    ("paid_fen", "已发放", "paid", True),
)
STATUS_EN = {s.value: s.value for s in RunStatus}
LEVELS = {
    "county": ("县级平台", "county"),
    "township": ("乡镇联合社", "township"),
    "village": ("村级", "village"),
}
SOURCES = {"ledger": ("账簿", "books"), "run": ("已记账方案", "posted run"), "given": ("填写", "given"),
           "none": ("无", "none")}  # fmt: skip
PATH_KINDS = {
    "patronage_return": ("按交易量返还", "patronage return"),
    "remainder_share": ("剩余盈余返还", "remainder share"),
    "collective_share": ("村集体分配", "collective share"),
    "income_right": ("收益权分配", "income-right share"),
    "secondary": ("二次分配", "secondary distribution"),
}


def english() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


def t(zh: str, en: str) -> str:
    """The CLI's language (TongzhouCommand activates it): the Chinese or the English text."""
    return en if english() else zh


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{part:02d}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(head: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    """Columns aligned for the terminal (a Chinese character is two cells wide)."""
    widths = [max(_width(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    out = []
    for row in [head, *rows]:
        cells = []
        for i, cell in enumerate(row):
            gap = " " * (widths[i] - _width(str(cell)))
            cells.append(gap + str(cell) if i in right else str(cell) + gap)
        out.append("  " + "  ".join(cells).rstrip())
    return out


def parse_date(text: str | None, flag: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{flag} 日期 {text} 无效，应为 YYYY-MM-DD。",
            f"{flag}: the date {text} is not YYYY-MM-DD.",
            code="date_invalid",
            details={"field": flag, "value": text},
        ) from None


def parse_yuan(text: str | None, flag: str) -> int | None:
    if text is None:
        return None
    try:
        return yuan_to_fen(text)
    except InvalidInput:
        raise InvalidInput(
            f"{flag} 金额 {text} 无效，应为元（如 1,234.50，最多两位小数）。",
            f"{flag}: the amount {text} is not yuan (e.g. 1,234.50, at most two decimals).",
            code="amount_invalid",
            details={"field": flag, "value": text},
        ) from None


def parse_percent(text: str | None, flag: str) -> int:
    """A rate in percent ("10", "12.5") as integer basis points."""
    if text is None:
        return 0
    try:
        value = Decimal(text.strip().rstrip("%"))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite():
        value = Decimal(-1)
    bp = value * 100
    if not (0 <= value <= 100) or bp != bp.to_integral_value():
        raise InvalidInput(
            f"{flag} 比例 {text} 无效，应为 0–100 的百分数（最多两位小数）。",
            f"{flag}: the rate {text} is not a percentage from 0 to 100 (at most two decimals).",
            code="rate_invalid",
            details={"field": flag, "value": text},
        )
    return int(bp)


def sheet_target(out: str | None) -> Path | None:
    if out is None:
        return None
    target = Path(out)
    if target.suffix.lower() not in SHEET_SUFFIXES:
        raise InvalidInput(
            "分配明细文件须为 .xlsx 或 .csv。",
            "The sheet file must end in .xlsx or .csv.",
            code="output_type",
            details={"path": out},
        )
    return target


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Django's option order, and the epilog's usage lines kept as written."""


class Command(TongzhouCommand):
    help = (
        "盈余分配 / surplus distribution. "
        "--from 方案文件试算（不读写数据库）/ dry run of a plan file (no database); "
        "COOP_ID --year 计算分配草稿 / compute the year's draft; "
        "--run RUN_ID --show|--publish|--approve|--post|--pay|--reverse 分配方案各步骤 / a run's steps; "
        "--cascade COUNTY --year 全县利益链 / the county's cascade. "
        "数据库模式须 --user / the database modes need --user."
    )
    requires_user = False  # --from needs none; each database mode asks for its --user itself

    def add_arguments(self, parser):
        parser.formatter_class = HelpFormatter
        parser.epilog = USAGE
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "coop_id", nargs="?", type=int, help="合作社（集体经济组织）ID / the body whose year is computed"
        )
        mode.add_argument(
            "--from",
            dest="plan_file",
            type=Path,
            help="分配方案 plan file (.xlsx: sheets 参数 + 成员; .json) — computed without the database",
        )
        mode.add_argument("--run", dest="run_id", type=int, help="分配方案 ID / a distribution run")
        mode.add_argument(
            "--cascade", metavar="COUNTY_CODE", help="县代码（6 位）/ the county's code: its cascade"
        )
        mode.add_argument("--region", help="地区代码：批量记账或发放 / a region's runs at once")
        parser.add_argument(
            "--compute", action="store_true", help="--region：计算各组织的分配草稿 / compute drafts"
        )
        parser.add_argument("--post-approved", action="store_true", help="--region：记账已通过的方案 / post")
        parser.add_argument("--pay-posted", action="store_true", help="--region：发放已记账的方案 / pay")
        parser.add_argument("--user", help="操作用户（按其权限范围执行）/ acting user; every mode but --from")
        parser.add_argument(
            "--out",
            help="--from: 结果 .xlsx/.json，'-' 为 JSON 输出到标准输出 / result file or - for JSON on stdout; "
            "COOP_ID, --run --show: 分配明细 .xlsx/.csv / the member sheet",
        )
        parser.add_argument("--year", type=int, help="年度 / the year (COOP_ID, --cascade)")
        parser.add_argument(
            "--surplus", help="本年盈余（元），缺省取账簿 / the year's surplus in yuan (books)"
        )
        parser.add_argument(
            "--losses", help="待弥补亏损（元），缺省取账簿 / losses to make up in yuan (books)"
        )
        parser.add_argument("--subsidy-property", help="补助、捐赠形成的财产（元）/ subsidy-formed property")
        parser.add_argument(
            "--conversion", help="转为成员出资的比例（%%）/ share converted into capital, percent"
        )
        action = parser.add_mutually_exclusive_group()
        for name, text in (
            ("show", "查看（缺省）/ show the run (default)"),
            ("publish", "公示 / publish to members"),
            ("approve", "登记成员大会通过 / record the assembly's approval"),
            ("post", "记账 / post to the books"),
            ("pay", "发放 / pay what is due"),
            ("reverse", "冲销 / reverse a posted run"),
        ):
            action.add_argument(f"--{name}", dest="action", action="store_const", const=name, help=text)
        parser.add_argument("--on", help="公示、记账、发放、冲销日期 YYYY-MM-DD / the date of the step")
        parser.add_argument("--assembly-date", help="成员大会日期 YYYY-MM-DD / the assembly's date")
        parser.add_argument("--votes-for", type=int, help="赞成票 / votes for")
        parser.add_argument("--votes-against", type=int, help="反对票 / votes against")
        parser.add_argument(
            "--members", type=int, help="有表决权的成员数（缺省：在册成员数）/ members entitled to vote"
        )
        parser.add_argument("--member", type=int, help="发放：成员 ID / pay: one member")
        parser.add_argument("--amount", help="发放：金额（元），缺省全部应发 / pay: amount in yuan (all due)")
        parser.add_argument(
            "--method", choices=PaymentMethod.values, help="发放方式 / payment method (bank_transfer)"
        )
        parser.add_argument("--reference", help="发放凭据号 / payment reference")
        parser.add_argument(
            "--platform-surplus", help="县级平台公司本年盈余（元）/ the platform's own surplus"
        )
        parser.add_argument("--household", type=int, help="农户 ID：显示其分配路径 / one household's paths")

    def handle(self, *args, coop_id=None, plan_file=None, run_id=None, cascade=None, user=None, **options):
        # The file mode is dispatched first: nothing before it may touch the database.
        if plan_file is not None:
            return self._from_file(plan_file, options["out"])
        if options.get("region") is not None:  # a region's runs posted or paid at once (batch_cli)
            try:
                return region_batch(self, user, options)
            except TongzhouError as exc:
                raise CommandError(f"{exc.code}: {exc.message_zh} / {exc.message_en}", returncode=1) from exc
        mode = (
            "body" if coop_id is not None else "run" if run_id is not None else "cascade" if cascade else None
        )
        try:
            if mode is None:
                raise InvalidInput(
                    "请指定模式：--from 方案文件、合作社 ID、--run 方案 ID 或 --cascade 县代码。",
                    "Give a mode: --from PLAN, a cooperative's ID, --run RUN_ID or --cascade COUNTY_CODE.",
                    code="mode_required",
                )
            self._check_options(mode, options)
            if not user:
                raise InvalidInput(
                    "请用 --user 指定操作用户。", "Give the acting user with --user.", code="user_required"
                )
            acting = self.acting_user(user)
            if mode == "body":
                return self._compute(acting, coop_id, options)
            if mode == "run":
                return self._run(acting, run_id, options)
            return self._cascade(acting, cascade, options)
        except TongzhouError as exc:
            raise CommandError(f"{exc.code}: {exc.message_zh} / {exc.message_en}", returncode=1) from exc

    def _check_options(self, mode: str, options: dict) -> None:
        if options["action"] is not None and mode != "run":
            raise InvalidInput(
                f"--{options['action']} 须与 --run 方案 ID 同用。",
                f"--{options['action']} goes with --run RUN_ID.",
                code="option_not_for_mode",
            )
        allowed = MODE_OPTIONS[mode]
        if mode == "run":
            allowed = ACTION_OPTIONS[options["action"] or "show"]
        for name in sorted(set().union(*MODE_OPTIONS.values())):
            if options.get(name) is not None and name not in allowed:
                raise InvalidInput(
                    f"{FLAG[name]} 不适用于此操作。",
                    f"{FLAG[name]} does not apply here.",
                    code="option_not_for_mode",
                    details={"option": FLAG[name]},
                )

    # -- a body's year ---------------------------------------------------------------------------------------

    def _compute(self, user, coop_id: int, options: dict) -> None:
        year = options["year"]
        if year is None:
            raise InvalidInput("请用 --year 指定年度。", "Give the year with --year.", code="year_required")
        target = sheet_target(options["out"])
        surplus = parse_yuan(options["surplus"], "--surplus")
        losses = parse_yuan(options["losses"], "--losses")
        subsidy = parse_yuan(options["subsidy_property"], "--subsidy-property") or 0
        conversion = parse_percent(options["conversion"], "--conversion")
        body = cooperative_get(user=user, cooperative_id=coop_id)
        runs = list(reads.run_list(user=user, body=body, year=year))
        booked = next((r for r in runs if r.status in BOOKED_STATUSES and r.reverses_id is None), None)
        if booked is not None:
            raise Conflict(
                f"{year} 年度的分配方案 {booked.pk} 已记账；一个年度只分配一次，重新计算须先冲销（--run {booked.pk} "
                "--reverse）。",
                f"The distribution run {booked.pk} of {year} is in the books; a year is distributed once, so "
                f"reverse it first (--run {booked.pk} --reverse).",
                code="run_already_posted",
                details={"run": booked.pk},
            )
        # The run the year is about (the web's rule): the newest that is neither reversed nor a reversal.
        active = next((r for r in runs if r.reverses_id is None and r.status != RunStatus.REVERSED), None)
        draft = active if active is not None and active.status == RunStatus.DRAFT else None
        run = writes.run_compute(
            user=user,
            body=body,
            year=year,
            run=draft,
            surplus_fen=surplus,
            losses_to_make_up_fen=losses,
            subsidy_property_fen=subsidy,
            conversion_bp=conversion,
            via="cli",
        )
        done = t("已重新计算分配草稿", "Draft recomputed") if draft else t("已计算分配草稿", "Draft computed")
        self.stdout.write(f"{done}: {t('方案', 'run')} {run.pk}")
        self._show(user, reads.run_get(user=user, run_id=run.pk), target)

    # -- one run ---------------------------------------------------------------------------------------------

    def _run(self, user, run_id: int, options: dict) -> None:
        action = options["action"] or "show"
        on = parse_date(options["on"], "--on")
        target = sheet_target(options["out"])
        if action == "approve" and None in (
            options["assembly_date"],
            options["votes_for"],
            options["votes_against"],
        ):
            raise InvalidInput(
                "登记成员大会通过须给出 --assembly-date、--votes-for 和 --votes-against。",
                "Approving needs --assembly-date, --votes-for and --votes-against.",
                code="approval_incomplete",
            )
        run = reads.run_get(user=user, run_id=run_id)
        if action == "show":
            return self._show(user, run, target)
        if action == "publish":
            writes.run_publish(user=user, run=run, on=on, via="cli")
            done = t("已公示", "Published")
        elif action == "approve":
            done = self._approve(user, run, options)
        elif action == "post":
            writes.run_post(user=user, run=run, on=on, via="cli")
            done = t("已记账", "Posted")
        elif action == "pay":
            done = self._pay(user, run, on, options)
        else:
            reversing = writes.run_reverse(user=user, run=run, on=on, via="cli")
            self.stdout.write(
                t(f"已冲销：冲销方案 {reversing.pk}", f"Reversed: reversing run {reversing.pk}")
                + t("，可重新计算本年度分配。", "; the year may be computed again.")
            )
            run = reversing
            done = None
        if done:
            self.stdout.write(f"{done}: {t('方案', 'run')} {run.pk}")
        return self._show(user, reads.run_get(user=user, run_id=run.pk), None)

    def _approve(self, user, run: DistributionRun, options: dict) -> str:
        assembly = parse_date(options["assembly_date"], "--assembly-date")
        members = options["members"]
        if members is None:
            # The law counts all members (表决权总数 / 全体成员), not those present: the active roll.
            members = member_list(user=user, cooperative=run.body, status="active").count()
            self.stdout.write(
                t(
                    f"有表决权的成员数：{members}（在册成员）",
                    f"Members entitled to vote: {members} (active roll)",
                )
            )
        writes.run_approve(
            user=user,
            run=run,
            assembly_on=assembly,
            votes_for=options["votes_for"],
            votes_against=options["votes_against"],
            members_entitled=members,
            via="cli",
        )
        return t("已登记成员大会通过", "Approval recorded")

    def _pay(self, user, run: DistributionRun, on: dt.date | None, options: dict) -> str:
        amount = parse_yuan(options["amount"], "--amount")
        payments = None
        if options["member"] is not None:
            payments = [{"member": options["member"]}]
            if amount is not None:
                payments[0]["amount_fen"] = amount
        elif amount is not None:
            raise InvalidInput(
                "发放部分金额时请用 --member 指定成员。",
                "Paying an amount needs the member (--member).",
                code="member_required",
            )
        made = writes.run_pay(
            user=user,
            run=run,
            on=on or timezone.localdate(),
            payments=payments,
            method=options["method"] or PaymentMethod.BANK_TRANSFER,
            reference=options["reference"] or "",
            via="cli",
        )
        total = yuan(sum(p.amount_fen for p in made))
        return t(f"已发放 {len(made)} 笔，共 {total} 元", f"Paid {len(made)} payments, ¥{total} in all")

    def _show(self, user, run: DistributionRun, target: Path | None) -> None:
        w = self.stdout.write
        status = run.status if english() else str(run.get_status_display())
        kind = (
            t("收益分配", "income distribution")
            if run.is_collective
            else t("盈余分配", "surplus distribution")
        )
        w(f"{run.body.name} · {run.year} {t('年度', '')}{kind} · {t('方案', 'run')} {run.pk} · {status}")
        facts = []
        if run.reverses_id:
            facts.append(t(f"冲销方案 {run.reverses_id}", f"reverses run {run.reverses_id}"))
        if run.published_on:
            facts.append(
                t(f"公示 {run.published_on}（{run.notice_days} 日）", f"published {run.published_on}"
                  f" ({run.notice_days} days)")
            )  # fmt: skip
        if run.assembly_on:
            facts.append(
                t(
                    f"成员大会 {run.assembly_on}：赞成 {run.votes_for}、反对 {run.votes_against}，共 "
                    f"{run.members_entitled} 名成员",
                    f"assembly {run.assembly_on}: {run.votes_for} for, {run.votes_against} against, of "
                    f"{run.members_entitled} members",
                )
            )
        if run.posted_on:
            vouchers = ", ".join(str(v.pk) for v in run.vouchers.all()) or "—"
            facts.append(
                t(f"记账 {run.posted_on}（凭证 {vouchers}）", f"posted {run.posted_on} (vouchers {vouchers})")
            )
        for v in reads.run_receiver_vouchers(user=user, run=run):
            number = v["number"] if v["number"] is not None else "—"
            facts.append(
                t(
                    f"{v['book__cooperative__name']} 账上：{v['date']} 记 {number} 号，{yuan(int(v['amount_fen'] or 0))} 元"
                    f"（{v['summary']}）",
                    f"in the books of {v['book__cooperative__name']}: {v['date']} No. {number}, "
                    f"¥{yuan(int(v['amount_fen'] or 0))} ({v['summary']})",
                )
            )
        for fact in facts:
            w(f"  {fact}")
        if run.reverses_id:
            return
        source = SOURCES.get(run.inputs.get("surplus_source", ""), ("", ""))
        w(t(f"  本年盈余来源：{source[0]}", f"  surplus from: {source[1]}"))
        now = writes.surplus_in_books_now(user=user, run=run)
        if now is not None:
            then = yuan(int(run.inputs.get("surplus_fen") or 0))
            w(
                t(
                    f"  注意：账簿中的本年盈余已变为 {yuan(now)} 元（方案按 {then} 元计算），方案已过时。",
                    f"  Note: the books' surplus is now ¥{yuan(now)} (the run used ¥{then}): the run is out of date.",
                )
            )
        w("")
        labels = COLLECTIVE_STEPS if run.is_collective else COOPERATIVE_STEPS
        rows = [
            [(en if english() else zh), yuan(int(run.steps[f"{key}_fen"])), article]
            for key, (zh, en, article) in labels.items()
            if f"{key}_fen" in run.steps
            and (int(run.steps[f"{key}_fen"]) or key in ("surplus", "income", "distributable"))
        ]
        for line in table([t("分配步骤", "step"), t("金额（元）", "yuan"), t("依据", "basis")], rows, {1}):
            w(line)
        w("")
        lines = list(reads.run_lines(user=user, run=run))
        columns = COLLECTIVE_SHEET if run.is_collective else COOP_SHEET
        shown = columns if run.is_collective else tuple(c for c in columns if c[0] in COOP_SCREEN)
        head = [
            t("成员ID", "member"),
            t("成员", "name"),
            *(en if english() else zh for _n, zh, en, _m in shown),
        ]
        by_amount = (
            run.inputs.get("bylaws", {}).get("terms", {}).get("transaction_basis", "amount") == "amount"
        )
        body = [
            [str(x.member_id), x.display_name, *(self._cell(x, c, by_amount) for c in shown)] for x in lines
        ]
        sums = [t("合计", "total"), str(len(lines))]
        for name, _zh, _en, money in shown:
            summed = money or (name == "transactions" and by_amount)
            sums.append(yuan(int(sum(getattr(x, name) for x in lines))) if summed else "")
        for line in table(head, [*body, sums], set(range(2, len(head)))):
            w(line)
        if target is not None:
            self._write_sheet(run, lines, columns, target, by_amount)

    @staticmethod
    def _cell(line, column, by_amount: bool) -> str:
        name, _zh, _en, money = column
        value = getattr(line, name)
        if money or (name == "transactions" and by_amount):
            return yuan(int(value))  # 交易额 is kept in fen
        return format(value.normalize(), "f") if value else ""

    def _write_sheet(self, run: DistributionRun, lines: list, columns, target: Path, by_amount: bool) -> None:
        """Every column of the sheet, money as yuan (numbers in XLSX, text with two decimals in CSV)."""
        head = [t("成员ID", "member"), t("成员", "name")]
        head += [
            (en if english() else zh) + ("" if not money else t("（元）", " (yuan)"))
            for _n, zh, en, money in columns
        ]
        rows: list[list[Any]] = []
        for x in lines:
            row: list[Any] = [x.member_id, x.display_name]
            for name, _zh, _en, money in columns:
                value = getattr(x, name)
                if money or (name == "transactions" and by_amount):
                    row.append(Decimal(int(value)) / 100)
                else:
                    row.append(format(value.normalize(), "f"))
            rows.append(row)
        title = f"{run.body.name} {run.year} · {t('分配明细', 'member sheet')} · {t('方案', 'run')} {run.pk}"
        try:
            if target.suffix.lower() == ".csv":
                with target.open(
                    "w", encoding="utf-8-sig", newline=""
                ) as f:  # a BOM: Excel reads the Chinese
                    writer = csv.writer(f)
                    writer.writerow([title])
                    writer.writerow(head)
                    writer.writerows([[f"{c:.2f}" if isinstance(c, Decimal) else c for c in r] for r in rows])
            else:
                from openpyxl import Workbook

                wb = Workbook()
                ws = wb.active
                ws.title = t("分配明细", "sheet")
                ws.append([title])
                ws.append(head)
                for r in rows:
                    ws.append(r)
                    for i, c in enumerate(r, start=1):
                        if isinstance(c, Decimal):
                            ws.cell(ws.max_row, i).number_format = "#,##0.00"
                wb.save(target)
        except OSError as exc:
            raise InvalidInput(
                f"无法写入文件 {target}：{exc.strerror}",
                f"Cannot write the file {target}: {exc.strerror}",
                code="output_unwritable",
                details={"path": str(target)},
            ) from None
        self.stdout.write(t(f"分配明细已写入：{target}", f"Sheet written: {target}"))

    # -- the county's cascade --------------------------------------------------------------------------------

    def _cascade(self, user, county: str, options: dict) -> None:
        year = options["year"]
        if year is None:
            raise InvalidInput("请用 --year 指定年度。", "Give the year with --year.", code="year_required")
        platform_surplus = parse_yuan(options["platform_surplus"], "--platform-surplus")
        household = None
        if options["household"] is not None:
            household = household_get(user=user, household_id=options["household"])
        given = None
        if platform_surplus is not None:
            platforms = list(cooperative_list(user=user, region_code=county, level="county"))
            if len(platforms) != 1:
                raise InvalidInput(
                    f"该县有 {len(platforms)} 个县级平台，--platform-surplus 须恰好对应一个。",
                    f"The county has {len(platforms)} county platforms; --platform-surplus needs exactly one.",
                    code="platform_ambiguous",
                    details={"platforms": [p.pk for p in platforms]},
                )
            given = {platforms[0].pk: platform_surplus}
        run = writes.cascade_compute(
            user=user, region_code=county, year=year, surplus_fen=given, via="cli"
        ).run
        w = self.stdout.write
        w(
            t(
                f"{county} {year} 年度利益链（计算 {run.pk}）",
                f"Cascade of {county}, {year} (computation {run.pk})",
            )
        )
        bodies = list(cascade_reads.cascade_bodies(user=user, cascade=run))
        head = [t("组织", "body"), t("层级", "level"), t("本组织盈余", "own surplus"), t("来源", "from"),
                t("上级分来", "from above"), t("分给成员组织", "to bodies"), t("分给农户", "to households"),
                t("留存", "kept")]  # fmt: skip
        rows = []
        for b in bodies:
            level = LEVELS.get(b.level, (b.level, b.level))
            source = SOURCES.get(b.surplus_source, (b.surplus_source, b.surplus_source))
            name = b.body.name + (t("（亏损）", " (loss)") if b.loss_year else "")
            rows.append([name, t(*level), yuan(b.own_surplus_fen), t(*source), yuan(b.income_from_above_fen),
                         yuan(b.paid_to_bodies_fen), yuan(b.paid_to_households_fen), yuan(b.kept_fen)])  # fmt: skip
        rows.append([t("合计", "total"), "", yuan(run.own_surplus_fen), "", "", "", yuan(run.to_households_fen),
                     yuan(run.kept_fen)])  # fmt: skip
        for line in table(head, rows, {2, 4, 5, 6, 7}):
            w(line)
        totals = cascade_reads.cascade_household_totals(user=user, cascade=run)
        w(
            t(
                f"农户 {totals.households} 户，共分得 {yuan(totals.total_fen)} 元：源自县级平台 "
                f"{yuan(totals.from_county_fen)}，乡镇联合社 {yuan(totals.from_township_fen)}，村级组织 "
                f"{yuan(totals.from_village_fen)}；其中转为出资 {yuan(totals.converted_to_capital_fen)}。",
                f"{totals.households} households received ¥{yuan(totals.total_fen)}: made by the county platform "
                f"{yuan(totals.from_county_fen)}, township unions {yuan(totals.from_township_fen)}, village "
                f"bodies {yuan(totals.from_village_fen)}; of it converted into capital "
                f"{yuan(totals.converted_to_capital_fen)}.",
            )
        )
        if household is not None:
            self._household(user, run, household, {b.body_id: b.body.name for b in bodies})

    def _household(self, user, run, household, names: dict[int, str]) -> None:
        w = self.stdout.write
        line = (
            cascade_reads.cascade_households(user=user, cascade=run, region_code=household.village_code)
            .filter(household=household)
            .first()
        )
        who = (
            f"{household.head_name}（{household.pk}）"
            if not english()
            else f"{household.head_name} ({household.pk})"
        )
        if line is None or not line.total_fen:
            w(t(f"{who}：本年度未经利益链分得收入。", f"{who}: nothing reached this household this year."))
            return
        w(
            t(
                f"{who}：共 {yuan(line.total_fen)} 元（现金 {yuan(line.cash_fen)}，转为出资 "
                f"{yuan(line.converted_to_capital_fen)}）",
                f"{who}: ¥{yuan(line.total_fen)} in all (cash {yuan(line.cash_fen)}, converted into capital "
                f"{yuan(line.converted_to_capital_fen)})",
            )
        )
        rows = []
        for path, fen in sorted(line.by_path.items(), key=lambda item: (-item[1], item[0])):
            ids, _bar, kind = path.partition("|")
            chain = " → ".join(names.get(int(i), i) for i in ids.split(">"))
            rows.append([chain, t(*PATH_KINDS.get(kind, (kind, kind))), yuan(fen)])
        for text in table([t("路径（从源头到付款组织）", "path (origin to payer)"), t("方式", "as"), t("元", "yuan")],
                          rows, {2}):  # fmt: skip
            w(text)

    # -- the plan file ---------------------------------------------------------------------------------------

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
        en = english()
        errors = exc.details.get("errors", [])
        for e in errors[:SHOWN_ERRORS]:
            where = e["where_en"] if en else e["where_zh"]
            reason = e["reason_en"] if en else e["reason_zh"]
            article = e.get("article", "")
            if article and article not in reason:
                reason += f" ({article})" if en else f"（{article}）"
            self.stderr.write(f"  {where}: {reason}" if en else f"  {where}：{reason}")
        if len(errors) > SHOWN_ERRORS:
            self.stderr.write(
                f"  … {len(errors)} errors in all." if en else f"  …… 共 {len(errors)} 处错误。"
            )
