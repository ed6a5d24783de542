"""Every write to the books: charts loaded from data, books opened, sub-accounts added, vouchers drafted, checked,
posted and reversed, months closed and reopened. Scoped to the book's region, validated, audited, one transaction
each."""

from .books import book_account_add, book_account_set_active, book_open
from .charts import chart_in_force, charts_load_shipped
from .periods import period_close, period_reopen
from .vouchers import (
    voucher_check,
    voucher_create,
    voucher_delete,
    voucher_post,
    voucher_reverse,
    voucher_uncheck,
    voucher_update,
)

__all__ = [
    "book_account_add",
    "book_account_set_active",
    "book_open",
    "chart_in_force",
    "charts_load_shipped",
    "period_close",
    "period_reopen",
    "voucher_check",
    "voucher_create",
    "voucher_delete",
    "voucher_post",
    "voucher_reverse",
    "voucher_uncheck",
    "voucher_update",
]
