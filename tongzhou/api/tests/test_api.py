"""The API through its real endpoints: authentication, scoping for every persona, masking, errors, paging, docs."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tongzhou.accounts.services import api_token_create, api_token_revoke
from tongzhou.core.testing import (
    COUNTY,
    TOWNSHIP,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
    build_household,
    person_id,
)
from tongzhou.households.models import Household, Person

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


class Caller:
    """Calls the API as one user with a fresh personal token (or anonymously)."""

    def __init__(self, user=None, *, token: str | None = None, lang: str = "zh-hans") -> None:
        self.client = Client()
        self.lang = lang
        self.token = (
            token if token is not None else (api_token_create(user=user, name="test")[1] if user else None)
        )

    def _headers(self) -> dict[str, str]:
        headers = {"Accept-Language": self.lang}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, **params):
        return self.client.get(BASE + path, params, headers=self._headers())

    def post(self, path: str, body):
        data = body if isinstance(body, str) else json.dumps(body)
        return self.client.post(BASE + path, data, content_type="application/json", headers=self._headers())

    def patch(self, path: str, body):
        return self.client.patch(
            BASE + path, json.dumps(body), content_type="application/json", headers=self._headers()
        )


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


@pytest.fixture
def register(personas):
    """Two households in village A, one in B, one in C (another township), each with a head and a child."""
    return {
        "a1": build_household(village_code=VILLAGE_A, number="A001", head_name="王大山", members=1),
        "a2": build_household(
            village_code=VILLAGE_A,
            number="A002",
            head_name="李春花",
            members=1,
            poverty_registered_year=2015,
            poverty_exit_year=2019,
        ),
        "b1": build_household(village_code=VILLAGE_B, number="B001", head_name="张龙井", members=1),
        "c1": build_household(village_code=VILLAGE_C, number="C001", head_name="赵青山", members=1),
    }


def villages_listed(caller: Caller, path: str = "/households") -> set[str]:
    response = caller.get(path, page_size=500)
    assert response.status_code == 200, response.content
    return {row["village_code"] for row in response.json()["results"]}


def new_household(village: str, number: str = "N001") -> dict:
    return {"village_code": village, "number": number, "phone": "13912345678", "contracted_land_mu": "3.5"}


# ------------------------------------------------------------------ authentication


def test_a_valid_token_identifies_its_user(personas):
    response = Caller(personas.township).get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "township"
    assert body["roles"] == ["township_officer"]
    assert body["scopes"] == [
        {
            "region_code": TOWNSHIP,
            "region_name": "同舟镇",
            "role": "township_officer",
            "role_label": "乡镇干部",
        }
    ]
    assert body["read_roots"] == [TOWNSHIP] and body["write_roots"] == [TOWNSHIP]


def test_a_revoked_token_is_refused_with_401(personas):
    token, plain = api_token_create(user=personas.cadre_a, name="phone")
    assert Caller(token=plain).get("/me").status_code == 200
    api_token_revoke(user=personas.cadre_a, token_id=token.pk)
    response = Caller(token=plain).get("/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


@pytest.mark.parametrize("bad", ["tz_not-a-real-token", "not-even-prefixed", "tz_"])
def test_an_unknown_token_is_refused_with_401(personas, bad):
    response = Caller(token=bad).get("/households")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_of_a_deactivated_user_is_refused(personas):
    caller = Caller(personas.cadre_a)
    personas.cadre_a.is_active = False
    personas.cadre_a.save()
    assert caller.get("/me").status_code == 401


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/me"),
        ("get", "/regions"),
        ("get", f"/regions/{VILLAGE_A}"),
        ("get", f"/regions/{TOWNSHIP}/children"),
        ("get", "/households"),
        ("get", "/households/1"),
        ("post", "/households"),
        ("patch", "/households/1"),
        ("get", "/persons"),
        ("get", "/persons/1"),
        ("post", "/persons"),
        ("patch", "/persons/1"),
    ],
)
def test_the_anonymous_visitor_gets_401_everywhere(personas, method, path):
    caller = Caller()
    response = caller.get(path) if method == "get" else getattr(caller, method)(path, {})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_the_web_session_reads_and_writes_with_its_csrf_token(personas, register):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.cadre_a)
    assert client.get(BASE + "/me").json()["user"]["username"] == "cadre_a"
    body = json.dumps(new_household(VILLAGE_A))
    refused = client.post(BASE + "/households", body, content_type="application/json")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"
    client.get(BASE + "/docs")  # any page with a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    created = client.post(
        BASE + "/households", body, content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert created.status_code == 201, created.content


def test_a_bad_token_with_no_session_is_401_even_for_writes(personas):
    response = Caller(token="tz_wrong").post("/households", new_household(VILLAGE_A))
    assert response.status_code == 401


# ------------------------------------------------------------------ scoping per persona


def test_a_village_cadre_lists_only_their_village(personas, register):
    cadre = Caller(personas.cadre_a)
    assert villages_listed(cadre) == {VILLAGE_A}
    assert villages_listed(cadre, "/persons") == {VILLAGE_A}
    assert cadre.get("/households").json()["count"] == 2
    assert [r["code"] for r in cadre.get("/regions", level="village").json()["results"]] == [VILLAGE_A]


def test_a_village_cadre_is_refused_the_other_villages_household_and_person(personas, register):
    cadre = Caller(personas.cadre_a)
    b1 = register["b1"]
    assert cadre.get(f"/households/{b1.pk}").status_code == 403
    assert error_of(cadre.get(f"/persons/{b1.persons.first().pk}"))["code"] == "forbidden"
    assert cadre.get("/households", region=VILLAGE_B).status_code == 403
    assert cadre.patch(f"/households/{b1.pk}", {"address": "x"}).status_code == 403
    assert Household.objects.get(pk=b1.pk).address != "x"


def test_a_village_cadre_registers_in_their_village_but_not_in_another(personas, register):
    cadre = Caller(personas.cadre_a)
    created = cadre.post("/households", new_household(VILLAGE_A))
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["village_code"], body["number"], body["contracted_land_mu"]) == (VILLAGE_A, "N001", "3.50")
    assert body["phone"] == "13912345678"
    refused = cadre.post("/households", new_household(VILLAGE_B))
    assert refused.status_code == 403
    assert error_of(refused)["details"] == {"region_code": VILLAGE_B, "write": True}
    assert not Household.objects.filter(village_code=VILLAGE_B, number="N001").exists()


def test_a_village_cadre_adds_a_person_to_their_household_but_not_to_another(personas, register):
    cadre = Caller(personas.cadre_a)
    pid = person_id()
    created = cadre.post(
        "/persons",
        {"household_id": register["a1"].pk, "name": "王小二", "id_number": pid, "relation": "子女"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["id_number"] == pid and created.json()["relation"] == "child"
    refused = cadre.post(
        "/persons",
        {"household_id": register["b1"].pk, "name": "张小二", "id_number": person_id(), "relation": "child"},
    )
    assert refused.status_code == 403
    assert not Person.objects.filter(name="张小二").exists()


def test_a_township_officer_sees_both_villages_and_not_the_other_township(personas, register):
    officer = Caller(personas.township)
    assert villages_listed(officer) == {VILLAGE_A, VILLAGE_B}
    assert officer.get(f"/households/{register['c1'].pk}").status_code == 403
    assert officer.post("/households", new_household(VILLAGE_B)).status_code == 201
    children = officer.get(f"/regions/{TOWNSHIP}/children").json()
    assert [r["code"] for r in children] == [VILLAGE_A, VILLAGE_B]


def test_a_county_officer_sees_every_village_of_the_county(personas, register):
    officer = Caller(personas.county)
    assert villages_listed(officer) == {VILLAGE_A, VILLAGE_B, VILLAGE_C}
    assert officer.get("/households", region=VILLAGE_C).json()["count"] == 1
    assert officer.patch(f"/households/{register['c1'].pk}", {"address": "青山村三组"}).status_code == 200


def test_the_auditor_reads_everything_in_the_county_but_writes_nothing(personas, register):
    auditor = Caller(personas.auditor)
    assert villages_listed(auditor) == {VILLAGE_A, VILLAGE_B, VILLAGE_C}
    a1 = register["a1"]
    assert auditor.get(f"/households/{a1.pk}").status_code == 200
    assert auditor.post("/households", new_household(VILLAGE_A)).status_code == 403
    assert auditor.patch(f"/households/{a1.pk}", {"address": "改"}).status_code == 403
    person = a1.persons.first()
    assert auditor.patch(f"/persons/{person.pk}", {"name": "改名"}).status_code == 403
    response = auditor.post(
        "/persons", {"household_id": a1.pk, "name": "新人", "id_number": person_id(), "relation": "child"}
    )
    assert response.status_code == 403
    assert error_of(response)["details"]["write"] is True


def test_the_administrator_reads_and_writes_the_whole_prefecture(personas, register):
    admin = Caller(personas.admin)
    assert villages_listed(admin) == {VILLAGE_A, VILLAGE_B, VILLAGE_C}
    assert admin.post("/households", new_household(VILLAGE_C)).status_code == 201


def test_an_outsider_sees_empty_lists_and_is_refused_every_object(personas, register):
    outsider = Caller(personas.outsider)
    for path in ("/households", "/persons", "/regions"):
        response = outsider.get(path)
        assert response.status_code == 200
        assert response.json()["count"] == 0 and response.json()["results"] == []
    assert outsider.get(f"/households/{register['a1'].pk}").status_code == 403
    assert outsider.get(f"/regions/{VILLAGE_A}").status_code == 403
    assert outsider.post("/households", new_household(VILLAGE_A)).status_code == 403
    assert outsider.get("/me").json()["scopes"] == []


# ------------------------------------------------------------------ masking


@pytest.mark.parametrize(
    "persona, masked",
    [
        ("cadre_a", False),
        ("secretary_a", False),
        ("township", True),
        ("county", True),
        ("auditor", False),
        ("admin", False),
    ],
)
def test_identifiers_are_masked_per_role(personas, register, persona, masked):
    caller = Caller(getattr(personas, persona))
    household = register["a1"]
    head = household.persons.get(relation="head")
    detail = caller.get(f"/households/{household.pk}").json()
    shown = next(p for p in detail["persons"] if p["id"] == head.pk)
    listed = next(
        p for p in caller.get("/persons", household=household.pk).json()["results"] if p["id"] == head.pk
    )
    single = caller.get(f"/persons/{head.pk}").json()
    for person in (shown, listed, single):
        assert person["identifiers_masked"] is masked
        if masked:
            assert person["id_number"] == head.id_number[:4] + "*" * 10 + head.id_number[-4:]
            assert person["birth_date"] is None
        else:
            assert person["id_number"] == head.id_number
            assert person["birth_date"] == head.birth_date.isoformat()
        assert person["age"] > 50
    assert detail["phone"] == ("138****1234" if masked else "13800001234")
    assert detail["identifiers_masked"] is masked


# ------------------------------------------------------------------ validation and errors


def test_a_wrong_check_digit_answers_400_with_the_field(personas, register):
    good = person_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = Caller(personas.cadre_a).post(
        "/persons", {"household_id": register["a1"].pk, "name": "错号", "id_number": bad, "relation": "child"}
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_fields"
    assert "id_number" in error["details"]["fields"]
    assert not Person.objects.filter(name="错号").exists()


def test_an_id_number_registered_elsewhere_answers_409(personas, register):
    taken = register["b1"].persons.first().id_number
    response = Caller(personas.cadre_a).post(
        "/persons",
        {"household_id": register["a1"].pk, "name": "重号", "id_number": taken, "relation": "child"},
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate_id_number"


def test_a_household_number_taken_in_the_village_answers_409(personas, register):
    response = Caller(personas.cadre_a).post("/households", new_household(VILLAGE_A, "A001"))
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate_household"


def test_an_unknown_field_answers_422_naming_it(personas, register):
    response = Caller(personas.cadre_a).post("/households", {**new_household(VILLAGE_A), "income": 5})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert any(d["loc"][-1] == "income" for d in error["details"])
    patch = Caller(personas.cadre_a).patch(f"/households/{register['a1'].pk}", {"village_code": VILLAGE_B})
    assert patch.status_code == 422


def test_bad_field_values_answer_400_with_every_field(personas, register):
    response = Caller(personas.cadre_a).post(
        "/households",
        {"village_code": VILLAGE_A, "number": "N 1", "phone": "12345", "contracted_land_mu": "1.234"},
    )
    assert response.status_code == 400
    assert set(error_of(response)["details"]["fields"]) == {"number", "phone", "contracted_land_mu"}


def test_a_missing_field_and_a_body_that_is_not_json_answer_422(personas, register):
    caller = Caller(personas.cadre_a)
    missing = caller.post("/households", {"village_code": VILLAGE_A})
    assert missing.status_code == 422
    assert any(d["loc"][-1] == "number" for d in error_of(missing)["details"])
    garbage = caller.post("/households", "{not json")
    assert garbage.status_code in (400, 422)
    error_of(garbage)


def test_an_unknown_household_answers_404_and_an_unknown_path_too(personas):
    caller = Caller(personas.admin)
    assert error_of(caller.get("/households/999999"))["code"] == "not_found"
    unknown = caller.get("/no/such/thing")
    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "not_found"


def test_messages_follow_accept_language(personas, register):
    url = f"/households/{register['b1'].pk}"
    english = error_of(Caller(personas.cadre_a, lang="en").get(url))["message"]
    chinese = error_of(Caller(personas.cadre_a, lang="zh-CN").get(url))["message"]
    assert english.startswith("You are not allowed to see data of region")
    assert chinese.startswith("您无权查看")
    assert Caller(lang="en").get("/me").json()["error"]["message"].startswith("Log in")
    bad = Caller(personas.cadre_a, lang="en").post(
        "/households", {"village_code": VILLAGE_A, "number": "N 1"}
    )
    assert error_of(bad)["message"] == "These fields are not valid: household number."
    assert error_of(bad)["details"]["fields"]["number"]["message_en"].startswith("A household number")


# ------------------------------------------------------------------ paging, details, updates


def test_lists_are_paged_with_count_and_a_page_past_the_end_is_empty(personas):
    for n in range(7):
        build_household(number=f"P{n:03d}")
    caller = Caller(personas.cadre_a)
    third = caller.get("/households", page=3, page_size=3).json()
    assert (third["count"], third["page"], third["page_size"]) == (7, 3, 3)
    assert [h["number"] for h in third["results"]] == ["P006"]
    assert caller.get("/households", page=9, page_size=3).json()["results"] == []
    assert caller.get("/households").json()["page_size"] == 50
    too_big = caller.get("/households", page_size=501)
    assert too_big.status_code == 422
    assert error_of(too_big)["details"][0]["loc"][-1] == "page_size"
    assert caller.get("/households", page=0).status_code == 422


def test_list_filters_narrow_the_scoped_rows(personas, register):
    county = Caller(personas.county)
    assert [h["number"] for h in county.get("/households", poverty="exited").json()["results"]] == ["A002"]
    assert [h["number"] for h in county.get("/households", q="张").json()["results"]] == ["B001"]
    last4 = register["c1"].persons.get(relation="head").id_number[-4:]
    assert [h["number"] for h in county.get("/households", q=last4).json()["results"]] == ["C001"]
    assert county.get("/persons", region=VILLAGE_B).json()["count"] == 2
    assert county.get("/regions", parent=TOWNSHIP).json()["count"] == 2
    assert [r["code"] for r in county.get("/regions", q="青山").json()["results"]] == [VILLAGE_C]


def test_a_region_shows_its_figures_only_to_those_who_read_all_of_it(personas, register):
    village = Caller(personas.cadre_a).get(f"/regions/{VILLAGE_A}").json()
    assert village["name"] == "白马村" and village["level"] == "village" and village["can_write"] is True
    assert [a["code"] for a in village["ancestors"]][-2:] == [COUNTY, TOWNSHIP]
    assert (village["figures"]["households"], village["figures"]["persons"]) == (2, 4)
    assert village["figures"]["exited_poverty_households"] == 1
    township_for_cadre = Caller(personas.cadre_a).get(f"/regions/{TOWNSHIP}").json()
    assert township_for_cadre["figures"] is None and township_for_cadre["can_write"] is False
    township = Caller(personas.auditor).get(f"/regions/{TOWNSHIP}").json()
    assert township["figures"]["households"] == 3 and township["can_write"] is False
    assert Caller(personas.cadre_a).get(f"/regions/{VILLAGE_B}").status_code == 403
    assert Caller(personas.admin).get("/regions/520502100299").status_code == 404


def test_a_household_is_changed_field_by_field(personas, register):
    caller = Caller(personas.cadre_a)
    a1 = register["a1"]
    response = caller.patch(
        f"/households/{a1.pk}", {"contracted_land_mu": "2.5", "poverty_registered_year": 2016}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["contracted_land_mu"] == "2.50" and body["poverty_status"] == "registered"
    assert body["number"] == "A001" and len(body["persons"]) == 2
    a1.refresh_from_db()
    assert str(a1.contracted_land_mu) == "2.50" and a1.poverty_registered_year == 2016
    exit_before = caller.patch(f"/households/{a1.pk}", {"poverty_exit_year": 2015})
    assert exit_before.status_code == 400
    assert "poverty_exit_year" in error_of(exit_before)["details"]["fields"]


def test_a_person_is_changed_and_the_head_name_follows(personas, register):
    caller = Caller(personas.cadre_a)
    head = register["a1"].persons.get(relation="head")
    response = caller.patch(
        f"/persons/{head.pk}", {"name": "王大海", "migrant_worker": True, "migrant_destination": "广东东莞"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["migrant_worker"] is True
    assert caller.get(f"/households/{register['a1'].pk}").json()["head_name"] == "王大海"
    second_head = caller.patch(
        f"/persons/{register['a1'].persons.get(relation='child').pk}", {"relation": "head"}
    )
    assert second_head.status_code == 409


def test_writes_through_the_api_are_audited_as_api(personas, register):
    from tongzhou.accounts.models import AuditEvent

    Caller(personas.cadre_a).post("/households", new_household(VILLAGE_A))
    event = AuditEvent.objects.get(action="household.create")
    assert (event.via, event.user, event.region_code) == ("api", personas.cadre_a, VILLAGE_A)


# ------------------------------------------------------------------ OpenAPI and docs


def test_openapi_json_is_served_and_lists_every_path(db):
    response = Client().get(BASE + "/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["info"]["title"] == "同舟 Tongzhou API"
    assert set(document["paths"]) >= {
        "/api/v1/me",
        "/api/v1/regions",
        "/api/v1/regions/{code}",
        "/api/v1/regions/{code}/children",
        "/api/v1/households",
        "/api/v1/households/{household_id}",
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
    }
    households = document["paths"]["/api/v1/households"]
    assert set(households) == {"get", "post"}
    assert "201" in households["post"]["responses"] and "409" in households["post"]["responses"]
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["summary"] and operation["description"] and operation["tags"]
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    household_schema = document["components"]["schemas"]["HouseholdOut"]
    assert household_schema["properties"]["contracted_land_mu"]["description"]


def test_the_docs_page_loads_nothing_from_another_host(db):
    response = Client().get(BASE + "/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/api/v1/docs/assets/") for s in sources)
    for source in sources:
        asset = Client().get(source)
        assert asset.status_code == 200
        assert b"cdn.jsdelivr" not in b"".join(asset.streaming_content)
    assert Client().get(BASE + "/docs/assets/..%2Fsettings.py").status_code == 404


def test_a_wrong_method_is_answered_in_the_error_format(personas, register):
    caller = Caller(personas.cadre_a)
    response = caller.client.delete(f"{BASE}/households/{register['a1'].pk}", headers=caller._headers())
    assert response.status_code == 405
    error = error_of(response)
    assert error["code"] == "method_not_allowed"
    assert "GET" in error["details"]["allowed"]
    assert Household.objects.filter(pk=register["a1"].pk).exists()
