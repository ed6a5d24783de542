"""URLs of the register import page; web/urls.py adds them to its own (app "web")."""

from django.urls import path

from . import views_import

urlpatterns = [
    path("import/", views_import.import_page, name="import"),
    path("import/template.<str:fmt>", views_import.import_template, name="import_template"),
    path("import/report/<str:token>.<str:fmt>", views_import.import_report, name="import_report"),
]
