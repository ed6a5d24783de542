"""URLs of the cooperative pages; web/urls.py adds them to its own (app "web")."""

from django.urls import path, re_path

from . import views_coop_accounts, views_coop_imports, views_coop_shares, views_coops

REGION_CODE = r"(?P<code>[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})"

urlpatterns = [
    path("coops/", views_coops.coop_list, name="coop_list"),
    path("coops/new/", views_coops.coop_create, name="coop_create"),
    re_path(rf"^coops/region/{REGION_CODE}/$", views_coops.coop_region_block, name="coop_region"),
    path("coops/<int:cooperative_id>/", views_coops.coop_detail, name="coop"),
    path("coops/<int:cooperative_id>/bylaws/", views_coops.coop_bylaws_adopt, name="coop_bylaws_adopt"),
    path("coops/<int:cooperative_id>/members/", views_coops.coop_member_apply, name="coop_member_apply"),
    path(
        "coops/<int:cooperative_id>/members/<int:member_id>/approve/",
        views_coops.coop_member_approve,
        name="coop_member_approve",
    ),
    path(
        "coops/<int:cooperative_id>/members/<int:member_id>/reject/",
        views_coops.coop_member_reject,
        name="coop_member_reject",
    ),
    path(
        "coops/<int:cooperative_id>/members/<int:member_id>/exit/",
        views_coops.coop_member_exit,
        name="coop_member_exit",
    ),
    path(
        "coops/<int:cooperative_id>/share-classes/",
        views_coops.coop_share_class_create,
        name="coop_share_class_create",
    ),
    path(
        "coops/<int:cooperative_id>/shares/subscribe/",
        views_coops.coop_share_subscribe,
        name="coop_share_subscribe",
    ),
    path(
        "coops/<int:cooperative_id>/shares/transfer/",
        views_coops.coop_share_transfer,
        name="coop_share_transfer",
    ),
    path(
        "coops/<int:cooperative_id>/shares/inherit/",
        views_coop_shares.coop_share_inherit,
        name="coop_share_inherit",
    ),
    path(
        "coops/<int:cooperative_id>/shares/convert/",
        views_coop_shares.coop_share_convert,
        name="coop_share_convert",
    ),
    path(
        "coops/<int:cooperative_id>/shares/redeem/",
        views_coop_shares.coop_share_redeem,
        name="coop_share_redeem",
    ),
    path(
        "coops/<int:cooperative_id>/members/<int:member_id>/exit-settlement/",
        views_coop_shares.coop_member_exit_settle,
        name="coop_member_exit_settle",
    ),
    path(
        "coops/<int:cooperative_id>/transactions/",
        views_coops.coop_transaction_record,
        name="coop_transaction_record",
    ),
    # Imports of members, share subscriptions and transactions (web/views_coop_imports.py)
    path(
        "coops/<int:cooperative_id>/members/import/",
        views_coop_imports.coop_import,
        {"kind": "members"},
        name="coop_members_import",
    ),
    path(
        "coops/<int:cooperative_id>/shares/import/",
        views_coop_imports.coop_import,
        {"kind": "shares"},
        name="coop_shares_import",
    ),
    path(
        "coops/<int:cooperative_id>/transactions/import/",
        views_coop_imports.coop_import,
        {"kind": "transactions"},
        name="coop_transactions_import",
    ),
    re_path(
        r"^coops/(?P<cooperative_id>[0-9]+)/(?P<kind>members|shares|transactions)/import/"
        r"template\.(?P<fmt>xlsx|csv)$",
        views_coop_imports.coop_import_template,
        name="coop_import_template",
    ),
    # Member accounts of a whole region (web/views_coop_accounts.py)
    re_path(
        r"^coops/region/(?P<code>[0-9]{2,12})/accounts/$",
        views_coop_accounts.coop_region_accounts,
        name="coop_region_accounts",
    ),
    re_path(
        r"^coops/region/(?P<code>[0-9]{2,12})/accounts\.(?P<fmt>xlsx|csv)$",
        views_coop_accounts.coop_region_accounts_download,
        name="coop_region_accounts_download",
    ),
]
