"""URLs of the distribution pages (盈余分配); web/urls.py adds them to its own (app "web")."""

from django.urls import path

from . import views_distribution as v
from . import views_guarantees as g

urlpatterns = [
    path("coops/<int:cooperative_id>/distribution/", v.distribution_index, name="distribution_index"),
    path(
        "coops/<int:cooperative_id>/distribution/<int:year>/", v.distribution_year, name="distribution_year"
    ),
    path(
        "coops/<int:cooperative_id>/distribution/<int:year>/compute/",
        v.distribution_compute,
        name="distribution_compute",
    ),
    path(
        "coops/<int:cooperative_id>/distribution/<int:year>/published/",
        v.distribution_published,
        name="distribution_published",
    ),
    path(
        "distribution/runs/<int:run_id>/publish/",
        v.distribution_action,
        {"action": "publish"},
        name="distribution_publish",
    ),
    path(
        "distribution/runs/<int:run_id>/approve/",
        v.distribution_action,
        {"action": "approve"},
        name="distribution_approve",
    ),
    path(
        "distribution/runs/<int:run_id>/post/",
        v.distribution_action,
        {"action": "post"},
        name="distribution_post",
    ),
    path(
        "distribution/runs/<int:run_id>/reverse/",
        v.distribution_action,
        {"action": "reverse"},
        name="distribution_reverse",
    ),
    path("distribution/runs/<int:run_id>/pay/", v.distribution_pay, name="distribution_pay"),
    path(
        "coops/<int:cooperative_id>/distribution/<int:year>/guarantees/",
        g.distribution_guarantees,
        name="distribution_guarantees",
    ),
    path(
        "coops/<int:cooperative_id>/distribution/<int:year>/guarantees/book/",
        g.distribution_guarantees_book,
        name="distribution_guarantees_book",
    ),
    path(
        "distribution/guarantees/<int:booking_id>/pay/",
        g.distribution_guarantees_step,
        {"action": "pay"},
        name="distribution_guarantees_pay",
    ),
    path(
        "distribution/guarantees/<int:booking_id>/reverse/",
        g.distribution_guarantees_step,
        {"action": "reverse"},
        name="distribution_guarantees_reverse",
    ),
]
