from django.urls import path, re_path

from . import views, views_account, views_register

app_name = "web"

REGION_CODE = r"(?P<code>[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views_account.LoginView.as_view(), name="login"),
    path("logout/", views_account.LogoutView.as_view(), name="logout"),
    path("password/", views_account.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", views_account.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views_account.token_revoke, name="token_revoke"),
    path("search/", views.search, name="search"),
    re_path(rf"^r/{REGION_CODE}/$", views.region_detail, name="region"),
    re_path(rf"^r/{REGION_CODE}/households/new/$", views_register.household_create, name="household_create"),
    path("households/<int:household_id>/", views_register.household_detail, name="household"),
    path("households/<int:household_id>/edit/", views_register.household_edit, name="household_edit"),
    path("households/<int:household_id>/persons/", views_register.person_add, name="person_add"),
    path("persons/<int:person_id>/", views_register.person_detail, name="person"),
]

from . import urls_import  # noqa: E402 - the register import's pages

urlpatterns += urls_import.urlpatterns

from . import urls_coops  # noqa: E402 - the cooperative pages

urlpatterns += urls_coops.urlpatterns

from . import urls_ledger  # noqa: E402 - the book pages (账簿)

urlpatterns += urls_ledger.urlpatterns

from . import urls_ledger_statements  # noqa: E402 - the statements and the year close

urlpatterns += urls_ledger_statements.urlpatterns

from . import urls_distribution  # noqa: E402 - the distribution pages (盈余分配)

urlpatterns += urls_distribution.urlpatterns

from . import urls_cascade  # noqa: E402 - the cascade view (利益链) of a county, township or village

urlpatterns += urls_cascade.urlpatterns

from . import views_distribution_plan  # noqa: E402 - 分配方案试算: a plan file computed without the database

urlpatterns += [
    path("distribution/plan/", views_distribution_plan.plan_page, name="distribution_plan"),
    path(
        "distribution/plan/example-<str:body>.<str:fmt>",
        views_distribution_plan.plan_example,
        name="distribution_plan_example",
    ),
]
