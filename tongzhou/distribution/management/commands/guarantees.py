"""`tongzhou guarantees`: guaranteed payments (保底收益) of a body's year from the command line.

    guarantees COOP_ID --year Y --user U
        试算 / the year's guaranteed payments per member and share class (the bylaws in force on 31 December, the
        units held that day), and the year's bookings; nothing is written.
    guarantees COOP_ID --year Y --user U --book [--on D] [--pay [--paid-on D]]
        记账 / book them as a cost before the surplus (Dr 经营支出 / Cr 成员往来, on 31 December unless --on);
        with --pay, pay them at once (Dr 成员往来 / Cr 银行存款, on --paid-on or the booking's date), each household
        member's line becoming its income line.
    guarantees --booking ID --user U --pay [--on D] | --reverse [--on D]
        发放 / pay a booking in full; 冲销 / reverse an unpaid booking in red ink.

Dates are YYYY-MM-DD. Reads and writes go through the distribution services as --user (via="cli"): the CLI sees
and changes what the web and the API let the same user see and change. A refusal is a CommandError carrying the
error's code and its Chinese and English message (exit status 1), and nothing is changed.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from tongzhou.coops.selectors.cooperatives import cooperative_get
from tongzhou.core.commands import TongzhouCommand
from tongzhou.core.errors import InvalidInput, TongzhouError
from tongzhou.distribution.models import GuaranteeBooking
from tongzhou.distribution.services import guarantees as service

from .distribute import parse_date, t, table, yuan


def _units(centi: int) -> str:
    return f"{centi // 100}.{centi % 100:02d}"


class Command(TongzhouCommand):
    help = (
        "保底收益 / guaranteed payments: COOP_ID --year Y 试算 / preview; --book [--pay] 记账（并发放）/ book (and "
        "pay); --booking ID --pay|--reverse 发放或冲销 / pay or reverse a booking. 须 --user / needs --user."
    )

    def add_arguments(self, parser):
        parser.add_argument("coop_id", nargs="?", type=int, help="合作社（集体经济组织）ID / the body")
        parser.add_argument("--booking", type=int, help="保底收益记录 ID / a booking")
        parser.add_argument("--user", help="操作用户（按其权限范围执行）/ acting user")
        parser.add_argument("--year", type=int, help="年度 / the year")
        parser.add_argument("--book", action="store_true", help="记账 / book the year's guaranteed payments")
        parser.add_argument("--pay", action="store_true", help="发放 / pay (with --book, or a --booking)")
        parser.add_argument(
            "--reverse", action="store_true", help="冲销未发放的记录 / reverse an unpaid booking"
        )
        parser.add_argument("--on", help="记账（发放、冲销）日期 YYYY-MM-DD / the date of the step")
        parser.add_argument("--paid-on", help="--book --pay: 发放日期 / the payment's date")

    def handle(self, *args, coop_id=None, booking=None, user=None, **options):
        try:
            if not user:
                raise InvalidInput(
                    "请用 --user 指定操作用户。", "Give the acting user with --user.", code="user_required"
                )
            if (coop_id is None) == (booking is None):
                raise InvalidInput(
                    "请指定合作社 ID 或 --booking 记录 ID（二选一）。",
                    "Give a cooperative's ID or --booking ID (one of them).",
                    code="mode_required",
                )
            acting = self.acting_user(user)
            if booking is not None:
                return self._booking(acting, booking, options)
            return self._body(acting, coop_id, options)
        except TongzhouError as exc:
            raise CommandError(f"{exc.code}: {exc.message_zh} / {exc.message_en}", returncode=1) from exc

    def _refuse(self, flag: str) -> None:
        raise InvalidInput(
            f"{flag} 不适用于此操作。", f"{flag} does not apply here.", code="option_not_for_mode"
        )

    def _body(self, user, coop_id: int, options: dict) -> None:
        year = options["year"]
        if year is None:
            raise InvalidInput("请用 --year 指定年度。", "Give the year with --year.", code="year_required")
        if options["reverse"]:
            self._refuse("--reverse")
        if not options["book"]:
            for name in ("pay", "on", "paid_on"):
                if options[name]:
                    self._refuse("--" + name.replace("_", "-"))
        elif options["paid_on"] and not options["pay"]:
            self._refuse("--paid-on")
        body = cooperative_get(user=user, cooperative_id=coop_id)
        if options["book"]:
            booking = service.guarantees_book(
                user=user,
                body=body,
                year=year,
                on=parse_date(options["on"], "--on"),
                pay=options["pay"],
                paid_on=parse_date(options["paid_on"], "--paid-on"),
                via="cli",
            )
            done = t("已记账并发放", "Booked and paid") if booking.paid_on else t("已记账", "Booked")
            self.stdout.write(f"{done}: {t('保底收益记录', 'booking')} {booking.pk}")
            return self._show(booking)
        preview = service.guarantees_preview(user=user, body=body, year=year)
        self.stdout.write(
            t(
                f"{body.name} {year} 年度保底收益（试算，{preview.bylaws.effective_from} 起施行的章程）",
                f"{body.name}: guaranteed payments of {year} (preview; bylaws in force from "
                f"{preview.bylaws.effective_from})",
            )
        )
        self._lines(
            [
                (x.member.pk, x.member.display_name, x.share_class, x.units_centi, x.rate_fen, x.amount_fen)
                for x in preview.lines
            ],
            preview.total_fen,
        )
        for booking in service.guarantee_list(user=user, body=body, year=year):
            self.stdout.write(self._state(booking))

    def _booking(self, user, booking_id: int, options: dict) -> None:
        for name in ("year", "paid_on"):
            if options[name]:
                self._refuse("--" + name.replace("_", "-"))
        if options["book"]:
            self._refuse("--book")
        booking = service.guarantee_get(user=user, booking_id=booking_id)
        on = parse_date(options["on"], "--on")
        if options["pay"] and options["reverse"]:
            self._refuse("--reverse")
        if options["pay"]:
            booking = service.guarantees_pay(user=user, booking=booking, on=on, via="cli")
            self.stdout.write(t("已发放", "Paid") + f": {booking.paid_on}")
        elif options["reverse"]:
            booking = service.guarantees_reverse(user=user, booking=booking, on=on, via="cli")
            self.stdout.write(t("已冲销", "Reversed") + f": {booking.reversed_on}")
        elif on is not None:
            self._refuse("--on")
        self._show(booking)

    def _state(self, booking: GuaranteeBooking) -> str:
        if booking.reversed_on:
            state = t(f"已于 {booking.reversed_on} 冲销", f"reversed on {booking.reversed_on}")
        elif booking.paid_on:
            state = t(f"已于 {booking.paid_on} 发放", f"paid on {booking.paid_on}")
        else:
            state = t("未发放", "not paid")
        return t(
            f"记录 {booking.pk}：{booking.booked_on} 记账 {yuan(booking.total_fen)} 元，{state}",
            f"booking {booking.pk}: booked {booking.booked_on}, {yuan(booking.total_fen)} yuan, {state}",
        )

    def _show(self, booking: GuaranteeBooking) -> None:
        self.stdout.write(self._state(booking))
        vouchers = [
            *booking.vouchers.all(),
            *booking.payment_vouchers.all(),
            *booking.reversal_vouchers.all(),
        ]
        if vouchers:
            numbers = ", ".join(
                f"{v.date} #{v.number}" for v in sorted(vouchers, key=lambda v: (v.date, v.pk))
            )
            self.stdout.write(t("凭证", "vouchers") + f": {numbers}")
        self._lines(
            [
                (x.member_id, x.display_name, x.share_class, x.units_centi, x.rate_fen, x.amount_fen)
                for x in booking.lines.order_by("member_id", "share_class")
            ],
            booking.total_fen,
        )

    def _lines(self, rows: list[tuple], total: int) -> None:
        head = [
            t("成员编号", "member"),
            t("成员", "name"),
            t("股份类别", "class"),
            t("持有量", "units"),
            t("标准（元）", "rate"),
            t("保底收益（元）", "amount"),
        ]
        body = [
            [str(m), name, kind, _units(units), yuan(rate), yuan(amount)]
            for m, name, kind, units, rate, amount in rows
        ]
        body.append(["", t("合计", "total"), "", "", "", yuan(total)])
        for line in table(head, body, right={0, 3, 4, 5}):
            self.stdout.write(line)
