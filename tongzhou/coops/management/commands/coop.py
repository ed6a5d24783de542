"""`tongzhou coop list|show|accounts|convert-poverty-shares … --user U`: cooperatives from the command line.

    coop list [--region CODE]                          the cooperatives the user may read
    coop show ID                                       bylaws in force, members by status, share capital by class
    coop accounts ID --year Y [--output F.csv|F.xlsx]  member accounts (成员账户, Art. 43)
    coop accounts --region CODE --year Y [--output F]  every member account of a region's cooperatives, streamed
    coop convert-poverty-shares ID --on YYYY-MM-DD     fiscal poverty-fund shares → cash shares when due

Reads go through the scoped selectors and writes through the services, so the CLI sees and changes exactly what
the web and the API let the same user see and change.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongzhou.coops.models import Level, MemberStatus
from tongzhou.coops.selectors.cooperatives import bylaws_for, cooperative_get, cooperative_list
from tongzhou.coops.selectors.membership import MEMBER_STATUSES, member_list
from tongzhou.coops.selectors.region_accounts import EXPORT_HEADERS, export_row, region_member_accounts
from tongzhou.coops.selectors.shares import holdings_at, member_accounts
from tongzhou.coops.services.shares import poverty_shares_convert
from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import InvalidInput, NotFound
from tongzhou.core.money import fen_to_yuan_str, format_yuan
from tongzhou.households.domain import parse_date

ACTIONS = ("list", "show", "accounts", "convert-poverty-shares")
ACCOUNT_HEADERS = (
    "成员编号",
    "成员名称",
    "状态",
    "出资额（元）",
    "量化公积金份额（元）",
    "量化财政补助份额（元）",
    "交易额（元）",
    "交易量",
)


def _bp(bp: int) -> str:
    return f"{bp / 100:g}%"


def _year_and_path(year: int | None, output: str | None) -> tuple[int, Path | None]:
    if year is None:
        raise InvalidInput("请用 --year 指定年度。", "Give the year with --year.", code="year_required")
    path = Path(output) if output else None
    if path is not None and path.suffix.lower() not in (".csv", ".xlsx"):
        raise InvalidInput("导出文件须为 .csv 或 .xlsx。", "The output file must end in .csv or .xlsx.")
    return year, path


class Command(TongzhouCommand):
    help = "合作社：列表、详情、成员账户、扶贫股转换 / cooperatives: list, show, member accounts, poverty-share conversion"
    requires_user = True

    def add_arguments(self, parser):
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("cooperative", nargs="?", type=int, help="the cooperative's id (all but list)")
        parser.add_argument(
            "--region",
            help="list: only cooperatives of this region code and below; accounts: every member account of them",
        )
        parser.add_argument("--level", choices=Level.values, help="list: only cooperatives of this level")
        parser.add_argument("--year", type=int, help="accounts: the year")
        parser.add_argument("--output", help="accounts: write FILE.csv (UTF-8 with BOM) or FILE.xlsx")
        parser.add_argument("--on", help="convert-poverty-shares: the date of the conversion (YYYY-MM-DD)")

    def handle(self, *args, action, cooperative, user, **options):
        acting = self.acting_user(user)
        if action == "list":
            return self._list(acting, options["region"], options["level"])
        if action == "accounts" and cooperative is None and options["region"]:
            return self._region_accounts(acting, options["region"], options["year"], options["output"])
        if cooperative is None:
            raise InvalidInput(
                f"coop {action} 须指定合作社编号 ID。",
                f"coop {action} needs the cooperative's id.",
                code="cooperative_required",
            )
        coop = cooperative_get(user=acting, cooperative_id=cooperative)
        if action == "show":
            return self._show(acting, coop)
        if action == "accounts":
            return self._accounts(acting, coop, options["year"], options["output"])
        return self._convert(acting, coop, options["on"])

    # -- list --------------------------------------------------------------------------------------------------

    def _list(self, user, region: str | None, level: str | None) -> None:
        coops = cooperative_list(user=user, region_code=region, level=level).annotate(
            live_members=Count("members", filter=Q(members__status__in=MEMBER_STATUSES))
        )
        self.stdout.write(
            "\t".join(("ID", _("名称"), _("层级"), _("地区代码"), _("成员"), _("统一社会信用代码")))
        )
        n = 0
        for c in coops:
            n += 1
            self.stdout.write(
                "\t".join(
                    (
                        str(c.pk),
                        c.name,
                        str(c.get_level_display()),
                        c.region_code,
                        str(c.live_members),
                        c.credit_code,
                    )
                )
            )
        self.stdout.write(f"{n} 个合作社 / {n} cooperatives")

    # -- show --------------------------------------------------------------------------------------------------

    def _show(self, user, coop) -> None:
        today = timezone.localdate()
        w = self.stdout.write
        w(f"{coop.name}（ID {coop.pk}）")
        w(f"  {_('层级')}: {coop.get_level_display()} · {_('组织形式')}: {coop.get_legal_form_display()}")
        w(f"  {_('地区代码')}: {coop.region_code} · {_('统一社会信用代码')}: {coop.credit_code}")
        w(f"  {_('成立日期')}: {coop.founded_on.isoformat()} · {_('理事长')}: {coop.chairperson_name or '—'}")
        try:
            bylaws = bylaws_for(user=user, cooperative=coop, on_date=today)
        except NotFound:
            w(f"{_('现行章程')}: {_('无')}")
        else:
            w(f"{_('现行章程')}: {_('生效日期')} {bylaws.effective_from.isoformat()}")
            w(
                f"  {_('公积金提取比例')} {_bp(bylaws.reserve_rate_bp)} · "
                f"{_('按交易量返还比例')} {_bp(bylaws.patronage_share_bp)} · "
                f"{_('退社提前通知（月）')} {bylaws.exit_notice_months} · "
                f"{_('允许向非成员转让股份')} {_('是') if bylaws.transfer_to_non_members else _('否')} · "
                f"{_('扶贫股转换年限')} {bylaws.poverty_share_conversion_years}"
            )
        counts = dict(
            member_list(user=user, cooperative=coop).order_by().values_list("status").annotate(n=Count("id"))
        )
        w(f"{_('成员')}:")
        for status in MemberStatus:
            w(f"  {status.label}: {counts.get(status.value, 0)}")
        held = holdings_at(user=user, cooperative=coop, on=today)
        w(f"{_('股本（按类别）')} {today.isoformat()}:")
        for share_class in coop.share_classes.order_by("id"):
            units = sum(h.units_centi for (_m, c), h in held.items() if c == share_class.pk)
            amount = sum(h.amount_fen for (_m, c), h in held.items() if c == share_class.pk)
            w(f"  {share_class.name}: {units / 100:g} {share_class.unit_name} · {format_yuan(amount)}")

    # -- accounts ----------------------------------------------------------------------------------------------

    def _accounts(self, user, coop, year: int | None, output: str | None) -> None:
        year, path = _year_and_path(year, output)
        accounts = member_accounts(user=user, cooperative=coop, year=year)
        rows = (
            [
                member.pk,
                member.display_name,
                str(member.get_status_display()),
                fen_to_yuan_str(account.capital_fen),
                fen_to_yuan_str(account.reserve_share_fen),
                fen_to_yuan_str(account.subsidy_share_fen),
                fen_to_yuan_str(account.transactions_amount_fen),
                f"{account.transactions_quantity:f}",
            ]
            for member, account in accounts
        )
        self._write_accounts(ACCOUNT_HEADERS, rows, path, year)

    def _region_accounts(self, user, region: str, year: int | None, output: str | None) -> None:
        """Every member account of the cooperatives of a region, streamed from one statement to the output."""
        year, path = _year_and_path(year, output)
        accounts = region_member_accounts(user=user, code=region, year=year)
        statuses = {value: str(label) for value, label in MemberStatus.choices}
        rows = (export_row(a, statuses) for a in accounts)
        self._write_accounts(EXPORT_HEADERS, rows, path, year, where=region)

    def _write_accounts(self, headers, rows, path: Path | None, year: int, where: str = "") -> None:
        count = 0
        if path is None:
            self.stdout.write("\t".join(headers))
            for row in rows:
                self.stdout.write("\t".join(str(v) for v in row))
                count += 1
        elif path.suffix.lower() == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                for row in rows:
                    writer.writerow(row)
                    count += 1
        else:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet(f"成员账户 {year}")
            sheet.append(headers)
            for row in rows:
                sheet.append(row)
                count += 1
            workbook.save(path)
        region = f" {where}" if where else ""
        target = f" → {path}" if path else ""
        self.stderr.write(f"{count} 个成员账户 / {count} member accounts ({year}{region}){target}")

    # -- convert-poverty-shares --------------------------------------------------------------------------------

    def _convert(self, user, coop, on_text: str | None) -> None:
        on = parse_date(on_text) if on_text else None
        if not isinstance(on, dt.date):
            raise InvalidInput(
                "请用 --on YYYY-MM-DD 指定转换日期。",
                "Give the date with --on YYYY-MM-DD.",
                code="date_required",
            )
        entries = poverty_shares_convert(user=user, cooperative=coop, on=on, via="cli")
        members = len(entries) // 2
        amount = sum(e.amount_fen for e in entries if e.amount_fen > 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"{on.isoformat()}：{members} 户的财政扶贫资金股转为现金股，计 {format_yuan(amount)} / "
                f"{members} members' fiscal poverty-fund shares converted to cash shares, {format_yuan(amount)}."
            )
        )
