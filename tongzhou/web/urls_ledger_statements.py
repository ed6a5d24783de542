"""URLs of the statements and the year close; web/urls.py adds them to its own (app "web")."""

from django.urls import path, re_path

from . import views_ledger_statements as v

REGION_CODE = r"(?P<code>[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})"
KIND = r"(?P<kind>[a-z-]+)"

urlpatterns = [
    path("books/<int:book_id>/statements/", v.book_statements, name="ledger_statements"),
    re_path(rf"^books/(?P<book_id>[0-9]+)/statements/{KIND}/$", v.book_statement, name="ledger_statement"),
    path("books/<int:book_id>/year-close/", v.book_year_close, name="ledger_year_close"),
    re_path(rf"^r/{REGION_CODE}/statements/{KIND}/$", v.region_statement, name="ledger_region_statement"),
]
