"""The cooperative API through its real endpoints: every endpoint's happy path, scoping per persona, bad input
answered with a clear error that changes nothing, and money shown as a yuan string and as fen."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tongzhou.accounts.models import AuditEvent
from tongzhou.coops.models import Bylaws, Cooperative, Member, MemberTransaction, ShareClass, ShareEntry
from tongzhou.coops.testing import (
    build_bylaws,
    build_cooperative,
    build_member,
    build_share_class,
    credit_code,
)
from tongzhou.core.testing import TOWNSHIP, VILLAGE_A, VILLAGE_B, build_household
from tongzhou.rollups.coverage import coop_figures_refresh

from .calling import BASE, Caller, error_of

pytestmark = pytest.mark.django_db


@dataclass
class Baima:
    coop: Cooperative
    other: Cooperative  # in village B
    cash: ShareClass
    wang: Member  # registered poor in 2015, out of poverty in 2018
    li: Member
    zhao_household: object  # registered poor, not a member
    zhang_household: object  # applies through the API


@pytest.fixture
def baima(personas) -> Baima:
    coop = build_cooperative()
    build_bylaws(coop)
    other = build_cooperative(region_code=VILLAGE_B, name="龙井村茶叶专业合作社", industry="tea")
    build_bylaws(other)
    wang = build_household(
        number="A001", head_name="王大山", poverty_registered_year=2015, poverty_exit_year=2018
    )
    li = build_household(number="A002", head_name="李春花")
    zhao = build_household(number="A003", head_name="赵青山", poverty_registered_year=2016)
    zhang = build_household(number="A004", head_name="张龙井")
    baima = Baima(
        coop=coop,
        other=other,
        cash=build_share_class(coop),  # ¥100.00 a share
        wang=build_member(coop, wang, is_village_cadre=True),
        li=build_member(coop, li),
        zhao_household=zhao,
        zhang_household=zhang,
    )
    coop_figures_refresh(village_codes=[VILLAGE_A, VILLAGE_B])
    return baima


def coop_path(baima: Baima, rest: str = "") -> str:
    return f"/coops/{baima.coop.pk}{rest}"


def subscribe(caller: Caller, baima: Baima, member: Member, units: str = "10", on: str = "2024-03-01"):
    body = {
        "member_id": member.pk,
        "share_class_id": baima.cash.pk,
        "units": units,
        "on": on,
        "reason": "入股",
    }
    return caller.post(coop_path(baima, "/shares/subscriptions"), body)


COCOONS = {
    "kind": "sale_to_coop",
    "on": "2024-05-20",
    "product": "鲜茧",
    "grade": "一级",
    "quantity": "42.5",
    "unit": "kg",
    "unit_price": "46.00",
}


def new_coop(region: str = VILLAGE_A, **fields) -> dict:
    body = {
        "name": "白马村食用菌专业合作社",
        "credit_code": credit_code(),
        "level": "village",
        "legal_form": "farmers_cooperative",
        "region_code": region,
        "founded_on": "2020-03-01",
        "industry": "edible_fungi",
        "board": [{"name": "王大山", "position": "理事"}],
    }
    body.update(fields)
    return body


# ------------------------------------------------------------------ cooperatives


def test_a_cadre_registers_reads_lists_and_changes_a_cooperative_of_their_village(personas, baima):
    cadre = Caller(personas.cadre_a)
    created = cadre.post("/coops", new_coop())
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["level"], body["region_code"], body["county_code"]) == ("village", VILLAGE_A, "520502")
    assert body["board"] == [{"name": "王大山", "position": "理事", "person_id": None}]
    assert cadre.get(f"/coops/{body['id']}").json()["name"] == "白马村食用菌专业合作社"
    listed = cadre.get("/coops", page_size=500).json()
    assert listed["count"] == 2 and {c["region_code"] for c in listed["results"]} == {VILLAGE_A}
    changed = cadre.patch(
        f"/coops/{body['id']}", {"name": "白马村菌业合作社", "party_organisation_name": "白马村党支部"}
    )
    assert changed.status_code == 200 and changed.json()["name"] == "白马村菌业合作社"
    assert AuditEvent.objects.get(action="cooperative.create").via == "api"


def test_a_chairperson_is_named_by_their_person_id(personas, baima):
    head = baima.wang.household.persons.get(relation="head")
    changed = Caller(personas.cadre_a).patch(coop_path(baima), {"chairperson_id": head.pk})
    assert changed.status_code == 200, changed.content
    assert (changed.json()["chairperson_id"], changed.json()["chairperson_name"]) == (head.pk, "王大山")


def test_a_credit_code_with_a_wrong_check_character_answers_400_naming_the_field_and_saves_nothing(
    personas, baima
):
    good = credit_code()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    before = Cooperative.objects.count()
    response = Caller(personas.cadre_a, lang="en").post("/coops", new_coop(credit_code=wrong))
    assert response.status_code == 400
    assert "credit_code" in error_of(response)["details"]["fields"]
    assert Cooperative.objects.count() == before
    patched = Caller(personas.cadre_a).patch(coop_path(baima), {"credit_code": wrong})
    assert patched.status_code == 400 and "credit_code" in error_of(patched)["details"]["fields"]
    baima.coop.refresh_from_db()
    assert baima.coop.credit_code != wrong


def test_a_credit_code_already_registered_answers_409(personas, baima):
    response = Caller(personas.cadre_a).post("/coops", new_coop(credit_code=baima.other.credit_code))
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate_credit_code"


def test_a_level_that_does_not_fit_the_region_code_answers_400(personas):
    response = Caller(personas.township).post("/coops", new_coop(region=TOWNSHIP, level="village"))
    assert response.status_code == 400 and "region_code" in error_of(response)["details"]["fields"]
    union = Caller(personas.township).post(
        "/coops", new_coop(region=TOWNSHIP, level="township", name="同舟镇联合社", industry="mixed")
    )
    assert union.status_code == 201, union.content


# ------------------------------------------------------------------ bylaws


def test_a_new_bylaws_version_is_adopted_and_listed_newest_first(personas, baima):
    cadre = Caller(personas.cadre_a)
    body = {
        "effective_from": "2025-01-01",
        "adopted_on": "2024-12-20",
        "patronage_share_bp": 7000,
        "remainder_split": {"members": 6000, "collective": 4000},
        "guaranteed_payments": [{"share_class": "land", "basis": "per_mu", "amount": "300.00"}],
        "transfer_to_non_members": True,
    }
    created = cadre.post(coop_path(baima, "/bylaws"), body)
    assert created.status_code == 201, created.content
    assert created.json()["guaranteed_payments"] == [
        {"share_class": "land", "basis": "per_mu", "amount": "300.00", "amount_fen": 30000}
    ]
    versions = cadre.get(coop_path(baima, "/bylaws")).json()
    assert [v["effective_from"] for v in versions] == ["2025-01-01", "2017-04-01"]
    assert versions[0]["patronage_share_bp"] == 7000 and versions[0]["reserve_rate_bp"] == 1000


def test_a_patronage_share_under_60_percent_answers_400_citing_article_44_and_adopts_nothing(personas, baima):
    body = {"effective_from": "2025-01-01", "adopted_on": "2024-12-20", "patronage_share_bp": 5000}
    response = Caller(personas.cadre_a).post(coop_path(baima, "/bylaws"), body)
    assert response.status_code == 400
    field = error_of(response)["details"]["fields"]["patronage_share_bp"]
    assert "Art. 44" in field["article"] and field["code"] == "patronage_below_floor"
    assert Bylaws.objects.filter(cooperative=baima.coop).count() == 1


def test_bylaws_taking_effect_on_the_latest_versions_date_answer_409(personas, baima):
    body = {"effective_from": "2017-04-01", "adopted_on": "2017-03-20"}
    response = Caller(personas.cadre_a).post(coop_path(baima, "/bylaws"), body)
    assert response.status_code == 409 and error_of(response)["code"] == "bylaws_not_latest"
    assert Bylaws.objects.filter(cooperative=baima.coop).count() == 1


# ------------------------------------------------------------------ members


def test_a_household_applies_is_approved_and_listed_by_status(personas, baima):
    cadre = Caller(personas.cadre_a)
    applied = cadre.post(
        coop_path(baima, "/members"), {"applied_on": "2024-02-01", "household_id": baima.zhang_household.pk}
    )
    assert applied.status_code == 201, applied.content
    member = applied.json()
    assert (member["status"], member["display_name"], member["kind"]) == ("applied", "张龙井", "household")
    assert cadre.get(coop_path(baima, "/members"), status="applied").json()["count"] == 1
    approved = cadre.post(coop_path(baima, f"/members/{member['id']}/approve"), {"joined_on": "2024-02-15"})
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert approved.json()["joined_on"] == "2024-02-15"
    assert cadre.get(coop_path(baima, "/members"), status="active").json()["count"] == 3


def test_an_application_is_rejected_with_its_reason(personas, baima):
    cadre = Caller(personas.cadre_a)
    applied = cadre.post(
        coop_path(baima, "/members"), {"applied_on": "2024-02-01", "household_id": baima.zhao_household.pk}
    ).json()
    rejected = cadre.post(coop_path(baima, f"/members/{applied['id']}/reject"), {"reason": "材料不全"})
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["notes"]) == ("rejected", "材料不全")


def test_a_household_applying_twice_answers_409_and_another_villages_household_is_refused(personas, baima):
    cadre = Caller(personas.cadre_a)
    twice = cadre.post(
        coop_path(baima, "/members"), {"applied_on": "2024-02-01", "household_id": baima.wang.household_id}
    )
    assert twice.status_code == 409
    b_household = build_household(village_code=VILLAGE_B, number="B001", head_name="张三")
    elsewhere = cadre.post(
        coop_path(baima, "/members"), {"applied_on": "2024-02-01", "household_id": b_household.pk}
    )
    assert elsewhere.status_code == 403
    assert Member.objects.filter(cooperative=baima.coop).count() == 2


def test_a_member_gives_notice_and_is_settled_with_capital_returned_both_ways(personas, baima):
    cadre = Caller(personas.cadre_a)
    assert subscribe(cadre, baima, baima.li, units="10").status_code == 201
    notice = cadre.post(coop_path(baima, f"/members/{baima.li.pk}/exit-notice"), {"notice_on": "2024-03-01"})
    assert notice.status_code == 200, notice.content
    assert (notice.json()["status"], notice.json()["exit_effective_on"]) == ("exit_notified", "2024-12-31")
    early = cadre.post(coop_path(baima, f"/members/{baima.li.pk}/exit-settlement"), {"on": "2024-06-01"})
    assert early.status_code == 400 and "on" in error_of(early)["details"]["fields"]
    settled = cadre.post(
        coop_path(baima, f"/members/{baima.li.pk}/exit-settlement"),
        {"on": "2025-01-02", "reserve_share": "55.50"},
    )
    assert settled.status_code == 200, settled.content
    body = settled.json()
    assert body["status"] == "exited"
    assert (body["exit_capital_returned"], body["exit_capital_returned_fen"]) == ("1000.00", 100000)
    assert (body["exit_reserve_returned"], body["exit_reserve_returned_fen"]) == ("55.50", 5550)


def test_a_member_path_under_another_cooperative_answers_404(personas, baima):
    other_member = build_member(baima.other, build_household(village_code=VILLAGE_B, number="B009"))
    response = Caller(personas.township).post(
        coop_path(baima, f"/members/{other_member.pk}/approve"), {"joined_on": "2024-01-01"}
    )
    assert response.status_code == 404


def test_identifiers_of_members_are_masked_for_the_township_and_shown_to_the_village_accountant(
    personas, baima
):
    full = Caller(personas.cadre_a).get(coop_path(baima, "/members")).json()["results"][0]
    masked = Caller(personas.township).get(coop_path(baima, "/members")).json()["results"][0]
    assert full["identifiers_masked"] is False and "*" not in full["person_id_number"]
    assert masked["identifiers_masked"] is True and "*" in masked["person_id_number"]


# ------------------------------------------------------------------ shares


def test_a_share_class_is_created_with_its_value_shown_both_ways(personas, baima):
    cadre = Caller(personas.cadre_a)
    created = cadre.post(
        coop_path(baima, "/share-classes"), {"kind": "land", "name": "土地股", "unit_value": "1200.00"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["unit_value"], body["unit_value_fen"], body["unit_name"]) == ("1200.00", 120000, "亩")
    assert [c["kind"] for c in cadre.get(coop_path(baima, "/share-classes")).json()] == ["cash", "land"]
    again = cadre.post(
        coop_path(baima, "/share-classes"), {"kind": "land", "name": "土地股", "unit_value": "1.00"}
    )
    assert again.status_code == 409


def test_a_negative_share_value_answers_400_and_creates_no_class(personas, baima):
    response = Caller(personas.cadre_a).post(
        coop_path(baima, "/share-classes"), {"kind": "labour", "name": "劳务股", "unit_value": "-5.00"}
    )
    assert response.status_code == 400 and "unit_value_fen" in error_of(response)["details"]["fields"]
    assert ShareClass.objects.filter(cooperative=baima.coop).count() == 1


def test_subscription_transfer_redemption_and_holdings_walk_the_ledger(personas, baima):
    cadre = Caller(personas.cadre_a)
    subscribed = subscribe(cadre, baima, baima.wang, units="10")
    assert subscribed.status_code == 201, subscribed.content
    assert subscribed.json()[0]["amount"] == "1000.00" and subscribed.json()[0]["amount_fen"] == 100000
    transfer = {
        "from_member_id": baima.wang.pk,
        "to_member_id": baima.li.pk,
        "share_class_id": baima.cash.pk,
        "units": "2.5",
        "on": "2024-04-01",
        "reason": "转让",
    }
    moved = cadre.post(coop_path(baima, "/shares/transfers"), transfer)
    assert moved.status_code == 201, moved.content
    assert [(e["entry_type"], e["units"], e["amount"]) for e in moved.json()] == [
        ("transfer_out", "-2.50", "-250.00"),
        ("transfer_in", "2.50", "250.00"),
    ]
    redeemed = cadre.post(
        coop_path(baima, "/shares/redemptions"),
        {
            "member_id": baima.li.pk,
            "share_class_id": baima.cash.pk,
            "units": "1",
            "on": "2024-05-01",
            "reason": "退股",
        },
    )
    assert redeemed.status_code == 201 and redeemed.json()[0]["amount_fen"] == -10000
    holdings = cadre.get(coop_path(baima, "/shares/holdings"), on="2024-12-31").json()
    assert [(h["member_name"], h["units"], h["amount"]) for h in holdings["holdings"]] == [
        ("王大山", "7.50", "750.00"),
        ("李春花", "1.50", "150.00"),
    ]
    assert (holdings["total_amount"], holdings["total_amount_fen"]) == ("900.00", 90000)
    before = cadre.get(coop_path(baima, "/shares/holdings"), on="2024-03-31").json()["holdings"]
    assert [h["units"] for h in before] == ["10.00"]
    ledger = cadre.get(coop_path(baima, "/shares/ledger"), member=baima.li.pk).json()
    assert ledger["count"] == 2


def test_a_transfer_of_more_than_held_answers_400_and_writes_no_entry(personas, baima):
    cadre = Caller(personas.cadre_a, lang="en")
    subscribe(cadre, baima, baima.wang, units="2")
    transfer = {
        "from_member_id": baima.wang.pk,
        "to_member_id": baima.li.pk,
        "share_class_id": baima.cash.pk,
        "units": "3",
        "on": "2024-04-01",
        "reason": "转让",
    }
    response = cadre.post(coop_path(baima, "/shares/transfers"), transfer)
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"]["units"]["code"] == "more_than_held"
    assert "fewer" in error_of(response)["message"]
    assert ShareEntry.objects.count() == 1


def test_an_heir_inherits_every_holding(personas, baima):
    cadre = Caller(personas.cadre_a)
    subscribe(cadre, baima, baima.wang, units="4")
    inherited = cadre.post(
        coop_path(baima, "/shares/inheritances"),
        {
            "deceased_member_id": baima.wang.pk,
            "heir_member_id": baima.li.pk,
            "on": "2024-06-01",
            "reason": "继承",
        },
    )
    assert inherited.status_code == 201, inherited.content
    assert [(e["entry_type"], e["amount"]) for e in inherited.json()] == [
        ("inheritance_out", "-400.00"),
        ("inheritance_in", "400.00"),
    ]


def test_poverty_fund_shares_convert_to_cash_shares_once_the_years_have_passed(personas, baima):
    poverty = build_share_class(baima.coop, kind="fiscal_poverty", unit_value_fen=100_00, transferable=False)
    cadre = Caller(personas.cadre_a)
    body = {
        "member_id": baima.wang.pk,
        "share_class_id": poverty.pk,
        "units": "20",
        "on": "2018-03-01",
        "reason": "财政扶贫资金量化",
    }
    assert cadre.post(coop_path(baima, "/shares/subscriptions"), body).status_code == 201
    converted = cadre.post(coop_path(baima, "/shares/conversions"), {"on": "2024-06-01"})
    assert converted.status_code == 201, converted.content
    assert [(e["entry_type"], e["share_class_kind"], e["amount"]) for e in converted.json()] == [
        ("conversion_out", "fiscal_poverty", "-2000.00"),
        ("conversion_in", "cash", "2000.00"),
    ]
    assert cadre.post(coop_path(baima, "/shares/conversions"), {"on": "2024-06-02"}).json() == []


# ------------------------------------------------------------------ transactions and accounts


def test_a_transaction_is_recorded_with_money_shown_both_ways_and_listed_by_filters(personas, baima):
    cadre = Caller(personas.cadre_a)
    recorded = cadre.post(coop_path(baima, "/transactions"), {"member_id": baima.wang.pk, **COCOONS})
    assert recorded.status_code == 201, recorded.content
    body = recorded.json()
    assert (body["amount"], body["amount_fen"]) == ("1955.00", 195500)
    assert (body["unit_price"], body["unit_price_fen"], body["quantity"]) == ("46.00", 4600, "42.500")
    outside = cadre.post(coop_path(baima, "/transactions"), {"counterparty_name": "外村收购点", **COCOONS})
    assert outside.status_code == 201 and outside.json()["is_member"] is False
    assert cadre.get(coop_path(baima, "/transactions"), year=2024).json()["count"] == 2
    assert cadre.get(coop_path(baima, "/transactions"), is_member="false").json()["count"] == 1
    assert cadre.get(coop_path(baima, "/transactions"), member=baima.wang.pk).json()["count"] == 1
    assert cadre.get(coop_path(baima, "/transactions"), year=2023).json()["count"] == 0


def test_the_same_transaction_twice_answers_409_and_is_kept_once(personas, baima):
    cadre = Caller(personas.cadre_a)
    assert (
        cadre.post(coop_path(baima, "/transactions"), {"member_id": baima.wang.pk, **COCOONS}).status_code
        == 201
    )
    again = cadre.post(coop_path(baima, "/transactions"), {"member_id": baima.wang.pk, **COCOONS})
    assert again.status_code == 409 and error_of(again)["code"] == "duplicate_transaction"
    assert MemberTransaction.objects.count() == 1


def test_a_negative_price_answers_400_naming_the_field_and_records_nothing(personas, baima):
    response = Caller(personas.cadre_a).post(
        coop_path(baima, "/transactions"), {"member_id": baima.wang.pk, **COCOONS, "unit_price": "-46.00"}
    )
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"]["unit_price"]["code"] == "negative"
    assert MemberTransaction.objects.count() == 0


def test_a_transaction_in_a_closed_year_answers_400_and_records_nothing(personas, baima):
    Cooperative.objects.filter(pk=baima.coop.pk).update(closed_through_year=2023)
    response = Caller(personas.cadre_a).post(
        coop_path(baima, "/transactions"), {"member_id": baima.wang.pk, **COCOONS, "on": "2023-09-01"}
    )
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"]["on"]["code"] == "closed_year"
    assert MemberTransaction.objects.count() == 0
    shares = subscribe(Caller(personas.cadre_a), baima, baima.wang, on="2023-09-01")
    assert shares.status_code == 400 and error_of(shares)["details"]["fields"]["on"]["code"] == "year_closed"
    assert ShareEntry.objects.count() == 0


def test_member_accounts_show_capital_and_transactions_of_the_year(personas, baima):
    cadre = Caller(personas.cadre_a)
    subscribe(cadre, baima, baima.wang, units="10")
    cadre.post(coop_path(baima, "/transactions"), {"member_id": baima.wang.pk, **COCOONS})
    accounts = cadre.get(coop_path(baima, "/member-accounts"), year=2024)
    assert accounts.status_code == 200
    wang = next(a for a in accounts.json() if a["member_id"] == baima.wang.pk)
    assert (wang["capital"], wang["capital_fen"]) == ("1000.00", 100000)
    assert (wang["transactions_amount"], wang["transactions_amount_fen"]) == ("1955.00", 195500)
    assert wang["transactions_quantity"] == "42.500" and wang["subsidy_share"] == "0.00"
    assert cadre.get(coop_path(baima, "/member-accounts")).status_code == 422


def test_coverage_reports_the_registered_poor_household_that_has_not_joined(personas, baima):
    coverage = Caller(personas.cadre_a).get(coop_path(baima, "/coverage")).json()
    assert (coverage["registered_poor"], coverage["registered_poor_members"]) == (2, 1)
    assert coverage["registered_poor_not_members"] == [baima.zhao_household.pk]
    assert coverage["all_registered_poor_are_members"] is False and coverage["cadre_members"] == 1


def test_region_coop_figures_are_shown_only_to_those_who_read_all_of_the_region(personas, baima):
    subscribe(Caller(personas.cadre_a), baima, baima.wang, units="10")
    figures = Caller(personas.township).get(f"/regions/{TOWNSHIP}/coop-figures")
    assert figures.status_code == 200, figures.content
    body = figures.json()
    assert (body["cooperatives"], body["villages_with_cooperative"], body["members"]) == (2, 2, 2)
    assert (body["share_capital"], body["share_capital_fen"]) == ("1000.00", 100000)
    assert Caller(personas.cadre_a).get(f"/regions/{VILLAGE_A}/coop-figures").json()["cadre_members"] == 1
    assert Caller(personas.cadre_a).get(f"/regions/{TOWNSHIP}/coop-figures").status_code == 403
    assert Caller(personas.outsider).get(f"/regions/{TOWNSHIP}/coop-figures").status_code == 403


# ------------------------------------------------------------------ scoping per persona


def write_calls(baima: Baima) -> list[tuple[str, str, dict]]:
    wang, li, cash = baima.wang.pk, baima.li.pk, baima.cash.pk
    share = {"share_class_id": cash, "units": "1", "on": "2024-03-01", "reason": "r"}
    return [
        ("post", "/coops", new_coop()),
        ("patch", coop_path(baima), {"name": "改名"}),
        ("post", coop_path(baima, "/bylaws"), {"effective_from": "2025-01-01", "adopted_on": "2024-12-01"}),
        (
            "post",
            coop_path(baima, "/members"),
            {"applied_on": "2024-02-01", "household_id": baima.zhang_household.pk},
        ),
        ("post", coop_path(baima, f"/members/{wang}/exit-notice"), {"notice_on": "2024-03-01"}),
        (
            "post",
            coop_path(baima, "/share-classes"),
            {"kind": "land", "name": "土地股", "unit_value": "1.00"},
        ),
        ("post", coop_path(baima, "/shares/subscriptions"), {"member_id": wang, **share}),
        (
            "post",
            coop_path(baima, "/shares/transfers"),
            {"from_member_id": wang, "to_member_id": li, **share},
        ),
        ("post", coop_path(baima, "/shares/redemptions"), {"member_id": wang, **share}),
        ("post", coop_path(baima, "/shares/conversions"), {"on": "2024-06-01"}),
        ("post", coop_path(baima, "/transactions"), {"member_id": wang, **COCOONS}),
    ]


READ_PATHS = [
    "",
    "/bylaws",
    "/members",
    "/share-classes",
    "/shares/ledger",
    "/shares/holdings",
    "/transactions",
    "/coverage",
]


def everything_counted() -> tuple[int, ...]:
    return (
        Cooperative.objects.count(),
        Bylaws.objects.count(),
        Member.objects.count(),
        ShareClass.objects.count(),
        ShareEntry.objects.count(),
        MemberTransaction.objects.count(),
    )


def test_the_cadre_of_another_village_is_refused_every_read_and_write(personas, baima):
    cadre_b = Caller(personas.cadre_b)
    before = everything_counted()
    for rest in READ_PATHS:
        assert cadre_b.get(coop_path(baima, rest)).status_code == 403, rest
    for method, path, body in write_calls(baima):
        response = getattr(cadre_b, method)(path, body)
        assert response.status_code == 403, (path, response.content)
        assert error_of(response)["code"] == "forbidden"
    assert everything_counted() == before
    assert [c["region_code"] for c in cadre_b.get("/coops").json()["results"]] == [VILLAGE_B]


@pytest.mark.parametrize("persona", ["township", "county", "admin"])
def test_the_township_county_and_administrator_read_and_write_both_villages(personas, baima, persona):
    caller = Caller(getattr(personas, persona))
    assert caller.get("/coops").json()["count"] == 2
    for rest in READ_PATHS:
        assert caller.get(coop_path(baima, rest)).status_code == 200, rest
    assert (
        caller.post(coop_path(baima, "/transactions"), {"member_id": baima.wang.pk, **COCOONS}).status_code
        == 201
    )


def test_the_auditor_reads_everything_and_every_write_answers_403_changing_nothing(personas, baima):
    auditor = Caller(personas.auditor)
    for rest in READ_PATHS:
        assert auditor.get(coop_path(baima, rest)).status_code == 200, rest
    assert auditor.get(coop_path(baima, "/member-accounts"), year=2024).status_code == 200
    before = everything_counted()
    for method, path, body in write_calls(baima):
        response = getattr(auditor, method)(path, body)
        assert response.status_code == 403, (path, response.content)
    assert everything_counted() == before
    baima.coop.refresh_from_db()
    assert baima.coop.name == "白马村蚕桑专业合作社"


def test_an_outsider_sees_no_cooperative_and_is_refused_each_one(personas, baima):
    outsider = Caller(personas.outsider)
    assert outsider.get("/coops").json()["count"] == 0
    for rest in READ_PATHS:
        assert outsider.get(coop_path(baima, rest)).status_code == 403, rest
    before = everything_counted()
    for method, path, body in write_calls(baima):
        assert getattr(outsider, method)(path, body).status_code == 403, path
    assert everything_counted() == before


def test_the_anonymous_visitor_gets_401_on_every_cooperative_endpoint(personas, baima):
    anonymous = Caller()
    for rest in [*READ_PATHS, "/member-accounts"]:
        response = anonymous.get(coop_path(baima, rest))
        assert response.status_code == 401, rest
        assert error_of(response)["code"] == "unauthenticated"
    assert anonymous.get("/coops").status_code == 401
    assert anonymous.get(f"/regions/{VILLAGE_A}/coop-figures").status_code == 401
    for method, path, body in write_calls(baima):
        assert getattr(anonymous, method)(path, body).status_code == 401, path


def test_an_unknown_cooperative_answers_404_and_an_unknown_field_422(personas, baima):
    cadre = Caller(personas.cadre_a)
    assert error_of(cadre.get("/coops/999999"))["code"] == "not_found"
    unknown = cadre.post("/coops", {**new_coop(), "colour": "red"})
    assert unknown.status_code == 422 and error_of(unknown)["code"] == "validation_error"


def test_the_openapi_document_lists_every_cooperative_endpoint_in_both_languages(db):
    document = Client().get(BASE + "/openapi.json").json()
    coop_paths = {
        p: ops
        for p, ops in document["paths"].items()
        if ("/coops" in p and not p.endswith("/book") and "/distribution" not in p and "/guarantee" not in p)
        or p.endswith(("/coop-figures", "/member-accounts"))
    }
    assert len(coop_paths) == 23  # 20, the imports and their templates, a region's member accounts
    for operations in coop_paths.values():
        for operation in operations.values():
            assert operation["tags"] == ["合作社 Cooperatives"]
            assert " / " in operation["summary"] and operation["description"]
    assert "201" in document["paths"]["/api/v1/coops"]["post"]["responses"]
