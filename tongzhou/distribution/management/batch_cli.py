"""`tongzhou distribute --region CODE --year Y --user U --compute|--post-approved|--pay-posted [--on D]`: the
region's runs computed (every body's draft), posted, or paid in full, at once (`distribution.services.runs_compute_batch`
/ `runs_post_batch` / `runs_pay_batch`), for a township's agency that keeps every village body's books (村账乡代管).
Hooked into the `distribute` command (its --region mode)."""

from __future__ import annotations

from django.utils import timezone

from tongzhou.core.errors import InvalidInput
from tongzhou.distribution.models import PaymentMethod
from tongzhou.distribution.services import runs_compute_batch, runs_pay_batch, runs_post_batch


def region_batch(command, user: str | None, options: dict) -> None:
    """Run the --region mode of `distribute` (errors go back to the command, which reports them)."""
    from .commands.distribute import parse_date, t, yuan

    compute, post, pay = options.get("compute"), options.get("post_approved"), options.get("pay_posted")
    if sum(map(bool, (compute, post, pay))) != 1:
        raise InvalidInput(
            "--region 须与 --compute、--post-approved 或 --pay-posted 之一同用。",
            "--region needs one of --compute, --post-approved or --pay-posted.",
            code="action_required",
        )
    if options.get("action") is not None:
        raise InvalidInput(
            f"--{options['action']} 须与 --run 方案 ID 同用。",
            f"--{options['action']} goes with --run RUN_ID.",
            code="option_invalid",
        )
    if options.get("year") is None:
        raise InvalidInput("请用 --year 指定年度。", "Give the year with --year.", code="year_required")
    if not user:
        raise InvalidInput(
            "请用 --user 指定操作用户。", "Give the acting user with --user.", code="user_required"
        )
    acting = command.acting_user(user)
    on = parse_date(options.get("on"), "--on")
    region = options["region"]
    if compute:
        result = runs_compute_batch(user=acting, region_code=region, year=options["year"], via="cli")
        command.stdout.write(
            t(
                f"已计算：地区 {region} {result.year} 年度 {len(result.runs)} 个分配草稿，{result.lines} 行明细；"
                f"未计算 {len(result.skipped)} 个组织",
                f"Computed: {len(result.runs)} draft runs of {result.year} in region {region}, {result.lines} lines; "
                f"{len(result.skipped)} bodies left out",
            )
        )
        for entry in result.skipped:
            command.stdout.write(
                f"  -  {entry['body_name']}  {entry['code']}: {entry['message_zh']} / {entry['message_en']}"
            )
    elif post:
        result = runs_post_batch(user=acting, region_code=region, year=options["year"], on=on, via="cli")
        command.stdout.write(
            t(
                f"已记账：地区 {region} {result.year} 年度 {len(result.runs)} 个分配方案，凭证 {result.vouchers} 张",
                f"Posted: {len(result.runs)} runs of {result.year} in region {region}, {result.vouchers} vouchers",
            )
        )
    else:
        result = runs_pay_batch(
            user=acting,
            region_code=region,
            year=options["year"],
            on=on or timezone.localdate(),
            method=options.get("method") or PaymentMethod.BANK_TRANSFER,
            reference=options.get("reference") or "",
            via="cli",
        )
        total = yuan(result.amount_fen)
        command.stdout.write(
            t(
                f"已发放：地区 {region} {result.year} 年度 {len(result.runs)} 个分配方案，{result.payments} 笔，"
                f"共 {total} 元；发放完毕 {result.paid_runs} 个",
                f"Paid: {len(result.runs)} runs of {result.year} in region {region}, {result.payments} payments, "
                f"¥{total} in all; {result.paid_runs} runs paid in full",
            )
        )
    for run in result.runs:
        command.stdout.write(f"  {run.pk}  {run.body.name}  {run.get_status_display()}")
