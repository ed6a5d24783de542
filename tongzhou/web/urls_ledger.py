"""URLs of the book pages (账簿); web/urls.py adds them to its own (app "web")."""

from django.urls import path

from . import views_ledger as v

urlpatterns = [
    path("coops/<int:cooperative_id>/book/", v.book_page, name="ledger_book"),
    path("coops/<int:cooperative_id>/book/open/", v.book_open, name="ledger_book_open"),
    path("books/<int:book_id>/accounts/", v.account_add, name="ledger_account_add"),
    path("books/<int:book_id>/accounts/search/", v.account_search, name="ledger_account_search"),
    path("books/<int:book_id>/vouchers/", v.voucher_list, name="ledger_vouchers"),
    path("books/<int:book_id>/vouchers/new/", v.voucher_new, name="ledger_voucher_new"),
    path("books/<int:book_id>/vouchers/line/", v.voucher_line, name="ledger_voucher_line"),
    path("books/<int:book_id>/vouchers/totals/", v.voucher_totals, name="ledger_voucher_totals"),
    path("books/<int:book_id>/periods/", v.period_list, name="ledger_periods"),
    path(
        "books/<int:book_id>/periods/close/", v.period_action, {"action": "close"}, name="ledger_period_close"
    ),
    path(
        "books/<int:book_id>/periods/reopen/",
        v.period_action,
        {"action": "reopen"},
        name="ledger_period_reopen",
    ),
    path("vouchers/<int:voucher_id>/", v.voucher_detail, name="ledger_voucher"),
    path("vouchers/<int:voucher_id>/edit/", v.voucher_edit, name="ledger_voucher_edit"),
    path(
        "vouchers/<int:voucher_id>/check/", v.voucher_action, {"action": "check"}, name="ledger_voucher_check"
    ),
    path(
        "vouchers/<int:voucher_id>/uncheck/",
        v.voucher_action,
        {"action": "uncheck"},
        name="ledger_voucher_uncheck",
    ),
    path("vouchers/<int:voucher_id>/post/", v.voucher_action, {"action": "post"}, name="ledger_voucher_post"),
    path("vouchers/<int:voucher_id>/reverse/", v.voucher_reverse, name="ledger_voucher_reverse"),
    path("vouchers/<int:voucher_id>/delete/", v.voucher_delete, name="ledger_voucher_delete"),
]
