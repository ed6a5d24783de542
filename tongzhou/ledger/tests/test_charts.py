"""Charts of accounts are data: the shipped files, loaded by the data migration, versioned by effective date."""

import datetime as dt
import json

import pytest

from tongzhou.core.errors import InvalidInput
from tongzhou.ledger.models import Chart, ChartAccount
from tongzhou.ledger.services import chart_in_force
from tongzhou.ledger.services.charts import CHARTS_DIR, load_chart_file

pytestmark = pytest.mark.django_db


def test_the_cooperative_chart_has_the_standards_48_accounts_and_two_optional_ones():
    chart = Chart.objects.get(key="farmers_cooperative-2021")
    assert (chart.document, chart.effective_from) == ("财会〔2021〕37号", dt.date(2023, 1, 1))
    accounts = ChartAccount.objects.filter(chart=chart)
    assert accounts.filter(optional=False).count() == 48
    assert set(accounts.filter(optional=True).values_list("code", flat=True)) == {"109", "122"}
    by_code = {a.code: a for a in accounts}
    assert (by_code["114"].name, by_code["114"].party) == ("成员往来", "member")
    assert (by_code["152"].account_class, by_code["152"].normal_balance) == ("asset", "credit")
    assert (by_code["331"].name, by_code["331"].account_class) == ("本年盈余", "equity")
    assert (by_code["401"].account_class, by_code["531"].account_class) == ("cost", "profit_and_loss")
    assert all(a.confirmed for a in accounts)


def test_the_collective_chart_has_42_accounts_whose_codes_are_marked_unconfirmed():
    chart = Chart.objects.get(key="collective_organisation-2023")
    assert (chart.document, chart.effective_from) == ("财会〔2023〕14号", dt.date(2024, 1, 1))
    accounts = ChartAccount.objects.filter(chart=chart)
    assert accounts.count() == 42
    assert not accounts.filter(confirmed=True).exists()
    assert all(a.note for a in accounts)
    names = set(accounts.values_list("name", flat=True))
    # the 2023 revision added these and dropped 应付福利费 and 农业税附加返还收入
    assert {
        "公益支出",
        "无形资产",
        "待处理财产损溢",
        "专项应付款",
        "应交税费",
        "税金及附加",
        "所得税费用",
    } <= names
    assert not names & {"应付福利费", "农业税附加返还收入", "发包及上交收入"}
    counts = {c: accounts.filter(account_class=c).count() for c in ("asset", "liability", "equity", "cost")}
    assert counts == {"asset": 19, "liability": 8, "equity": 4, "cost": 1}


def test_the_chart_in_force_follows_the_date():
    assert chart_in_force("farmers_cooperative", dt.date(2025, 6, 1)).version == "2021"
    with pytest.raises(InvalidInput) as info:
        chart_in_force("collective_organisation", dt.date(2023, 12, 31))
    assert info.value.code == "no_chart_in_force"
    with pytest.raises(InvalidInput):
        chart_in_force("company", dt.date(2025, 1, 1))


def test_a_later_revision_is_a_new_data_file_and_takes_over_from_its_date(tmp_path):
    data = json.loads((CHARTS_DIR / "farmers_cooperative-2021.json").read_text(encoding="utf-8"))
    data.update(key="farmers_cooperative-2030", version="2030", effective_from="2030-01-01")
    data["accounts"].append(
        {"code": "190", "name": "示例新科目", "class": "asset", "normal_balance": "debit"}
    )
    path = tmp_path / "farmers_cooperative-2030.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    load_chart_file(path)
    load_chart_file(path)  # idempotent
    assert chart_in_force("farmers_cooperative", dt.date(2029, 12, 31)).version == "2021"
    newer = chart_in_force("farmers_cooperative", dt.date(2030, 1, 1))
    assert newer.version == "2030"
    assert newer.accounts.count() == 51
