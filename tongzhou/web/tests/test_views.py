"""Each page as each persona, through Django's test client: what a user sees, what they may change, and what not."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tongzhou.core.ids import make_resident_id
from tongzhou.core.testing import COUNTY, TOWNSHIP, VILLAGE_A, VILLAGE_B
from tongzhou.households.models import Household, Person

pytestmark = pytest.mark.django_db


def as_user(client, user):
    client.force_login(user)
    return client


def valid_id(seq: int = 321, sex: str = "F") -> str:
    import datetime as dt

    return make_resident_id(COUNTY, dt.date(2001, 4, 5), seq, sex)


def wrong_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")


# Anonymous visitors


@pytest.mark.parametrize(
    "path",
    ["/", f"/r/{VILLAGE_A}/", "/search/?q=王", "/tokens/", "/password/", "/households/1/", "/persons/1/"],
)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, register, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_user_logs_in_with_the_form_and_lands_on_home(client, personas):
    from tongzhou.core.testing import PASSWORD

    response = client.post("/login/", {"username": "cadre_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    assert "白马村" in client.get("/").content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, personas):
    response = client.post("/login/", {"username": "cadre_a", "password": "nope-nope"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_logging_out_needs_a_post_and_ends_the_session(client, personas):
    as_user(client, personas.cadre_a)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


# Home and region pages


def test_home_shows_the_cadres_village_with_its_figures(client, register, personas):
    html = as_user(client, personas.cadre_a).get("/").content.decode()
    assert "白马村" in html
    assert "龙井村" not in html
    assert "村会计 · 白马村" in html  # the scope in the top bar
    assert 'href="/import/"' in html


def test_home_of_the_county_officer_shows_the_county(client, register, personas):
    html = as_user(client, personas.county).get("/").content.decode()
    assert "七星关区" in html


def test_the_cadre_of_village_a_sees_village_a_households(client, register, personas):
    response = as_user(client, personas.cadre_a).get(f"/r/{VILLAGE_A}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "王大山" in html and "李春花" in html
    assert "赵龙井" not in html
    assert "一组" in html and "二组" in html  # villager groups


def test_the_cadre_of_village_a_is_refused_village_b(client, register, personas):
    response = as_user(client, personas.cadre_a).get(f"/r/{VILLAGE_B}/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权" in html
    assert "赵龙井" not in html


def test_the_cadre_of_village_a_is_refused_a_household_of_village_b(client, register, personas):
    response = as_user(client, personas.cadre_a).get(f"/households/{register.longjing_zhao.pk}/")
    assert response.status_code == 403
    assert "赵龙井" not in response.content.decode()


def test_the_cadre_of_village_a_is_refused_a_person_of_village_b(client, register, personas):
    person = register.longjing_zhao.persons.first()
    response = as_user(client, personas.cadre_a).get(f"/persons/{person.pk}/")
    assert response.status_code == 403


def test_a_missing_household_is_a_404_page(client, register, personas):
    response = as_user(client, personas.county).get("/households/999999/")
    assert response.status_code == 404
    assert "找不到该农户" in response.content.decode()


def test_the_township_officer_sees_both_villages(client, register, personas):
    as_user(client, personas.township)
    township = client.get(f"/r/{TOWNSHIP}/").content.decode()
    assert "白马村" in township and "龙井村" in township
    assert "赵龙井" in client.get(f"/r/{VILLAGE_B}/").content.decode()
    assert "王大山" in client.get(f"/r/{VILLAGE_A}/").content.decode()


def test_the_township_page_lists_each_village_with_its_rollup_figures(client, register, personas):
    html = as_user(client, personas.township).get(f"/r/{TOWNSHIP}/").content.decode()
    # 白马村: 2 households with 3 + 2 persons; 龙井村: 1 household with 2 persons
    assert '<td class="num">2</td><td class="num">5</td>' in html
    assert '<td class="num">1</td><td class="num">2</td>' in html


def test_the_cadre_reaches_their_village_through_the_township_without_seeing_village_b(
    client, register, personas
):
    html = as_user(client, personas.cadre_a).get(f"/r/{TOWNSHIP}/").content.decode()
    assert "白马村" in html
    assert "龙井村" not in html
    assert "部分" in html  # no township totals for a user who reads only part of it


def test_the_county_page_breadcrumb_runs_from_the_province(client, register, personas):
    html = as_user(client, personas.county).get(f"/r/{VILLAGE_A}/").content.decode()
    for name in ("贵州省", "毕节市", "七星关区", "同舟镇", "白马村"):
        assert name in html


def test_figures_are_printed_with_thousand_separators(client, register, personas):
    from tongzhou.rollups.models import RegionRegisterFigures

    RegionRegisterFigures.objects.filter(region_code=VILLAGE_A).update(persons=1234567)
    html = as_user(client, personas.cadre_a).get("/").content.decode()
    assert "1,234,567" in html


def test_the_household_list_filters_by_poverty_and_search(client, register, personas):
    as_user(client, personas.cadre_a)
    registered = client.get(f"/r/{VILLAGE_A}/?poverty=registered").content.decode()
    assert "王大山" in registered and "李春花" not in registered
    searched = client.get(f"/r/{VILLAGE_A}/?q=李春").content.decode()
    assert "李春花" in searched and "王大山" not in searched


def test_htmx_asks_only_for_the_household_list(client, register, personas):
    response = as_user(client, personas.cadre_a).get(
        f"/r/{VILLAGE_A}/?q=王", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="household-list"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="household-list"')
    assert "<html" not in html
    assert "王大山" in html and "李春花" not in html


def test_the_household_list_pages_by_fifty(client, register, personas):
    for n in range(3, 56):
        Household.objects.create(
            village_code=VILLAGE_A, county_code=COUNTY, number=f"{n:04d}", head_name=f"户{n}"
        )
    as_user(client, personas.cadre_a)
    first = client.get(f"/r/{VILLAGE_A}/").content.decode()
    assert "0050" in first and "0051" not in first
    assert "第 1 / 2 页" in first
    second = client.get(f"/r/{VILLAGE_A}/?page=2").content.decode()
    assert "0051" in second and "0055" in second


# Search


def test_search_by_the_last_four_digits_of_an_id_number_finds_the_household(client, register, personas):
    person = register.baima_li.persons.get(relation="child")
    html = as_user(client, personas.county).get(f"/search/?q={person.id_number[-4:]}").content.decode()
    assert "李春花" in html


def test_search_by_a_full_id_number_finds_the_household(client, register, personas):
    person = register.longjing_zhao.persons.first()
    html = as_user(client, personas.township).get(f"/search/?q={person.id_number}").content.decode()
    assert "赵龙井" in html and "龙井村" in html


def test_search_never_reaches_outside_the_users_scope(client, register, personas):
    html = as_user(client, personas.cadre_a).get("/search/?q=赵龙井").content.decode()
    assert "没有找到" in html
    assert f"/households/{register.longjing_zhao.pk}/" not in html


def test_search_by_household_number_and_name(client, register, personas):
    as_user(client, personas.cadre_b)
    assert "赵龙井" in client.get("/search/?q=0001").content.decode()
    assert "王大山" not in client.get("/search/?q=0001").content.decode()


# Household page: identifiers per role


def test_the_village_accountant_sees_full_id_numbers_and_phone(client, register, personas):
    head = register.baima_wang.persons.get(relation="head")
    html = as_user(client, personas.cadre_a).get(f"/households/{register.baima_wang.pk}/").content.decode()
    assert head.id_number in html
    assert "13800001234" in html


def test_the_township_officer_sees_masked_id_numbers_and_phone(client, register, personas):
    head = register.baima_wang.persons.get(relation="head")
    html = as_user(client, personas.township).get(f"/households/{register.baima_wang.pk}/").content.decode()
    assert head.id_number not in html
    assert head.masked_id_number in html
    assert "13800001234" not in html
    assert "138****1234" in html


def test_the_persons_table_shows_age_sex_relation_and_labour(client, register, personas):
    html = as_user(client, personas.cadre_a).get(f"/households/{register.baima_wang.pk}/").content.decode()
    for text in ("户主", "子女", "男", "女", "普通劳动力", "健康"):
        assert text in html


def test_the_person_page_masks_the_id_number_for_the_county_officer(client, register, personas):
    person = register.baima_wang.persons.get(relation="head")
    html = as_user(client, personas.county).get(f"/persons/{person.pk}/").content.decode()
    assert person.id_number not in html and person.masked_id_number in html


# Writes


def test_a_cadre_changes_the_household_phone(client, register, personas):
    household = register.baima_wang
    response = as_user(client, personas.cadre_a).post(
        f"/households/{household.pk}/edit/",
        {
            "number": "0001",
            "group_code": VILLAGE_A + "002",
            "phone": "13912345678",
            "address": "白马村一组",
            "poverty_registered_year": "2016",
            "poverty_exit_year": "2019",
            "contracted_land_mu": "3.5",
        },
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.phone == "13912345678"
    assert household.poverty_exit_year == 2019
    assert household.group_code == VILLAGE_A + "002"
    assert "农户信息已保存" in client.get(response["Location"]).content.decode()


def test_a_bad_phone_is_shown_next_to_the_field_and_nothing_is_written(client, register, personas):
    household = register.baima_wang
    response = as_user(client, personas.cadre_a).post(
        f"/households/{household.pk}/edit/",
        {"number": "0001", "phone": "12345", "poverty_registered_year": "2016", "poverty_exit_year": "2013"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "电话号码格式不正确" in html
    assert "年度应在" in html
    household.refresh_from_db()
    assert household.phone == "13800001234"
    assert household.poverty_exit_year is None


def test_the_auditor_may_read_but_not_edit_a_household(client, register, personas):
    household = register.baima_wang
    as_user(client, personas.auditor)
    page = client.get(f"/households/{household.pk}/").content.decode()
    assert "修改农户信息" not in page
    head = household.persons.get(relation="head")
    assert head.id_number in page  # auditors check the register in full
    response = client.post(f"/households/{household.pk}/edit/", {"number": "0001", "phone": "13912345678"})
    assert response.status_code == 403
    household.refresh_from_db()
    assert household.phone == "13800001234"


def test_a_township_officer_saving_without_a_phone_keeps_the_masked_phone(client, register, personas):
    household = register.baima_wang
    response = as_user(client, personas.township).post(
        f"/households/{household.pk}/edit/",
        {"number": "0001", "phone": "", "address": "新住址", "poverty_registered_year": "2016"},
    )
    assert response.status_code == 302
    household.refresh_from_db()
    assert household.phone == "13800001234"
    assert household.address == "新住址"


def test_adding_a_person_with_a_wrong_check_digit_shows_the_error_and_writes_nothing(
    client, register, personas
):
    household = register.baima_li
    before = Person.objects.count()
    response = as_user(client, personas.cadre_a).post(
        f"/households/{household.pk}/persons/",
        {
            "name": "李小花",
            "id_number": wrong_check_digit(valid_id()),
            "relation": "child",
            "ethnicity": "苗族",
            "labour_capacity": "ordinary",
            "disability": "none",
            "health": "healthy",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "身份证号码校验码错误" in html
    assert 'id="add-person" open' in html
    assert Person.objects.count() == before


def test_adding_a_person_with_a_valid_id_number(client, register, personas):
    household = register.baima_li
    number = valid_id()
    response = as_user(client, personas.cadre_a).post(
        f"/households/{household.pk}/persons/",
        {
            "name": "李小花",
            "id_number": number,
            "relation": "child",
            "ethnicity": "苗族",
            "labour_capacity": "ordinary",
            "disability": "none",
            "health": "healthy",
            "migrant_worker": "on",
            "migrant_destination": "浙江宁波",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get(id_number=number)
    assert person.household == household and person.sex == "F" and person.migrant_worker
    assert "李小花" in client.get(f"/households/{household.pk}/").content.decode()


def test_a_cadre_of_village_b_cannot_add_a_person_to_village_a(client, register, personas):
    before = Person.objects.count()
    response = as_user(client, personas.cadre_b).post(
        f"/households/{register.baima_li.pk}/persons/",
        {
            "name": "外人",
            "id_number": valid_id(400),
            "relation": "child",
            "ethnicity": "汉族",
            "labour_capacity": "ordinary",
            "disability": "none",
            "health": "healthy",
        },
    )
    assert response.status_code == 403
    assert Person.objects.count() == before


def test_a_person_is_edited_on_the_person_page(client, register, personas):
    person = register.baima_wang.persons.get(relation="child", name="王小1")
    response = as_user(client, personas.township).post(
        f"/persons/{person.pk}/",
        {
            "name": "王小一",
            "id_number": "",
            "relation": "child",
            "ethnicity": "彝族",
            "labour_capacity": "skilled",
            "disability": "none",
            "health": "chronic",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.ethnicity, person.health) == ("王小一", "彝族", "chronic")


def test_a_household_is_created_from_the_village_page(client, register, personas):
    as_user(client, personas.cadre_a)
    assert f"/r/{VILLAGE_A}/households/new/" in client.get(f"/r/{VILLAGE_A}/").content.decode()
    response = client.post(f"/r/{VILLAGE_A}/households/new/", {"number": "0099", "address": "白马村二组"})
    assert response.status_code == 302
    household = Household.objects.get(village_code=VILLAGE_A, number="0099")
    assert response["Location"] == f"/households/{household.pk}/"


def test_a_duplicate_household_number_is_refused_on_the_form(client, register, personas):
    response = as_user(client, personas.cadre_a).post(f"/r/{VILLAGE_A}/households/new/", {"number": "0001"})
    assert response.status_code == 400
    assert "本村已有户编号 0001" in response.content.decode()
    assert Household.objects.filter(village_code=VILLAGE_A).count() == 2


def test_the_auditor_cannot_create_a_household(client, register, personas):
    response = as_user(client, personas.auditor).post(f"/r/{VILLAGE_A}/households/new/", {"number": "0100"})
    assert response.status_code == 403
    assert not Household.objects.filter(number="0100").exists()


# Tokens and password


def test_a_token_is_shown_once_and_can_be_revoked(client, personas):
    as_user(client, personas.county)
    response = client.post("/tokens/", {"name": "报表脚本"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="new-token">tz_' in html
    listing = client.get("/tokens/").content.decode()
    assert "报表脚本" in listing and 'id="new-token"' not in listing
    token = personas.county.api_tokens.get()
    assert client.post(f"/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_without_a_name_is_refused(client, personas):
    response = as_user(client, personas.county).post("/tokens/", {"name": "  "})
    assert response.status_code == 400
    assert "令牌名称不能为空" in response.content.decode()


def test_a_user_cannot_revoke_someone_elses_token(client, personas):
    from tongzhou.accounts.services import api_token_create

    token, _plain = api_token_create(user=personas.county, name="县里的")
    response = as_user(client, personas.cadre_a).post(f"/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_user_changes_their_password(client, personas):
    from tongzhou.core.testing import PASSWORD

    as_user(client, personas.cadre_a)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "Baima-2026-new", "new_password2": "Baima-2026-new"},
    )
    assert response.status_code == 302
    personas.cadre_a.refresh_from_db()
    assert personas.cadre_a.check_password("Baima-2026-new")


# Language


def test_the_language_switch_gives_english(client, register, personas, english_catalogue):
    as_user(client, personas.cadre_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/r/{VILLAGE_A}/"})
    assert response.status_code == 302
    html = client.get(f"/r/{VILLAGE_A}/").content.decode()
    assert 'lang="en"' in html
    assert "Households" in html and "Search" in html and "Registered poor" in html
    assert "Village accountant" in html
    assert "户数" not in html


def test_errors_are_translated_in_english(client, register, personas, english_catalogue):
    as_user(client, personas.cadre_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(
        f"/households/{register.baima_wang.pk}/edit/", {"number": "0001", "phone": "12345"}
    )
    assert "The phone number is not valid." in response.content.decode()
    denied = client.get(f"/r/{VILLAGE_B}/").content.decode()
    assert "You are not allowed to see data of region" in denied
    assert "Not allowed" in denied
