"""URLs of the cascade view (利益链); web/urls.py adds them to its own (app "web")."""

from django.urls import re_path

from . import views_cascade as v
from . import views_distribution_batch as b

# A county, township or village: the cascade is a county's, seen from the region asked for.
CODE = r"(?P<code>[0-9]{6}|[0-9]{9}|[0-9]{12})"
YEAR = r"(?P<year>[0-9]{4})"

urlpatterns = [
    re_path(rf"^r/{CODE}/distribution/{YEAR}/$", v.cascade_page, name="cascade"),
    re_path(rf"^r/{CODE}/distribution/{YEAR}/compute/$", v.cascade_compute_view, name="cascade_compute"),
    re_path(
        rf"^r/{CODE}/distribution/{YEAR}/runs-compute/$",
        b.distribution_runs_batch,
        {"action": "compute"},
        name="distribution_runs_compute",
    ),
    re_path(
        rf"^r/{CODE}/distribution/{YEAR}/post/$",
        b.distribution_runs_batch,
        {"action": "post"},
        name="distribution_runs_post",
    ),
    re_path(
        rf"^r/{CODE}/distribution/{YEAR}/pay/$",
        b.distribution_runs_batch,
        {"action": "pay"},
        name="distribution_runs_pay",
    ),
    re_path(
        rf"^r/{CODE}/distribution/{YEAR}/households/(?P<household_id>[0-9]+)/$",
        v.cascade_household,
        name="cascade_household",
    ),
]
