"""Pages of the region tree: home, region (prefecture → county → township → village), search.

Every read goes through a scoped selector. Figures come from the rollups (O(children) rows), never from counting
households for a page; a figure is shown only where the user may read the whole region it sums up.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from tongzhou.households import selectors as household_selectors
from tongzhou.regions import selectors as region_selectors
from tongzhou.regions.models import Level
from tongzhou.regions.scope import access_for

from .forms import HouseholdListFilter

PAGE_SIZE = 50

FIGURE_COLUMNS = (
    ("households", _("户数")),
    ("persons", _("人数")),
    ("registered_poor_households", _("建档立卡户")),
    ("exited_poverty_households", _("已脱贫户")),
    ("migrant_workers", _("外出务工")),
    ("elderly_persons", _("60岁及以上")),
    ("women", _("女性")),
    ("villages", _("村数")),
)


def _readable_figures(user, codes: list[str]) -> dict:
    """Rollup rows for the codes the user may read in full; a region only partly in scope shows none."""
    access = access_for(user)
    allowed = [c for c in codes if access.can_read(c)]
    return region_selectors.region_figures(allowed)


def _region_names(user, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(region_selectors.region_list(user=user).filter(code__in=codes).values_list("code", "name"))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roots = region_selectors.region_roots(user=request.user)
    figures = _readable_figures(request.user, [r.code for r in roots])
    rows = [(region, figures.get(region.code)) for region in roots]
    return render(request, "web/home.html", {"rows": rows})


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    region = region_selectors.region_get(user=user, code=code)
    access = access_for(user)
    children = list(region_selectors.region_children(user=user, code=code))
    figures = _readable_figures(user, [code, *(c.code for c in children)])
    context = {
        "region": region,
        "ancestors": region_selectors.region_ancestors(region),
        "figures": figures.get(code),
        "reads_all": access.can_read(code),
        "can_write": access.can_write(code),
        "figure_columns": FIGURE_COLUMNS,
    }
    if region.level == Level.VILLAGE:
        return _village_page(request, region, children, context)
    context["children"] = [(child, figures.get(child.code)) for child in children]
    return render(request, "web/region.html", context)


def _village_page(request: HttpRequest, village, groups, context: dict) -> HttpResponse:
    filters = HouseholdListFilter(request.GET or None)
    q = poverty = group = ""
    if filters.is_valid():
        q = filters.cleaned_data["q"]
        poverty = filters.cleaned_data["poverty"]
        group = filters.cleaned_data["group"]
    if group and not (group.startswith(village.code) and len(group) == 15):
        group = ""
    households = household_selectors.household_list(
        user=request.user, region_code=group or village.code, q=q or None, poverty=poverty or None
    )
    page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
    group_names = {g.code: g.name for g in groups}
    context.update(
        {
            "groups": groups,
            "group_names": group_names,
            "current_group": group,
            "filters": filters if filters.is_bound else HouseholdListFilter(),
            "page_obj": page,
            "q": q,
            "poverty": poverty,
        }
    )
    if request.htmx and request.htmx.target == "household-list":
        response = render(request, "web/_household_list.html", context)
    else:
        response = render(request, "web/village.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:50]
    page = None
    village_names: dict[str, str] = {}
    if q:
        households = household_selectors.household_list(user=request.user, q=q)
        page = Paginator(households, PAGE_SIZE).get_page(request.GET.get("page"))
        village_names = _region_names(request.user, {h.village_code for h in page.object_list})
    return render(request, "web/search.html", {"q": q, "page_obj": page, "village_names": village_names})
