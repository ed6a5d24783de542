"""`tongzhou import transactions FILE --user U --cooperative ID`, run as a user runs it."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tongzhou.coops.models import MemberTransaction
from tongzhou.coops.tests.test_transactions_import import baima, good_rows, write_csv  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_importing_a_good_file_prints_a_summary_and_writes_the_transactions(personas, baima, tmp_path):  # noqa: F811
    cooperative = baima[0]
    path = write_csv(tmp_path / "交易.csv", good_rows(baima))
    out, _ = run(
        "import", "transactions", str(path), "--user", "cadre_a", "--cooperative", str(cooperative.pk)
    )
    assert "4 行 rows" in out and "成员交易 3" in out and "非成员交易 1" in out and "¥4,575.00" in out
    assert MemberTransaction.objects.count() == 4


def test_a_dry_run_prints_the_counts_and_writes_nothing(personas, baima, tmp_path):  # noqa: F811
    path = write_csv(tmp_path / "a.csv", good_rows(baima))
    out, _ = run(
        "import",
        "transactions",
        str(path),
        "--user",
        "cadre_a",
        "--cooperative",
        str(baima[0].pk),
        "--dry-run",
    )
    assert "dry run" in out and "成员交易 3" in out
    assert not MemberTransaction.objects.exists()


def test_a_rejected_file_exits_1_prints_the_errors_and_writes_the_report(personas, baima, tmp_path):  # noqa: F811
    rows = good_rows(baima)
    rows[0][10] = "1900.00"
    report = tmp_path / "errors.xlsx"
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import",
            "transactions",
            str(write_csv(tmp_path / "a.csv", rows)),
            "--user",
            "cadre_a",
            "--cooperative",
            str(baima[0].pk),
            "--report",
            str(report),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert excinfo.value.returncode == 1
    assert "第2行" in err.getvalue() and "金额（元）" in err.getvalue()
    lines = list(load_workbook(report).active.iter_rows(values_only=True))
    assert lines[1][:3] == (2, "金额（元）", "1900.00")
    assert not MemberTransaction.objects.exists()


def test_reimporting_the_same_file_says_it_was_imported_before(personas, baima, tmp_path):  # noqa: F811
    path = write_csv(tmp_path / "a.csv", good_rows(baima))
    args = ("import", "transactions", str(path), "--user", "cadre_a", "--cooperative", str(baima[0].pk))
    run(*args)
    with pytest.raises(CommandError) as excinfo:
        run(*args)
    assert "已经导入过" in str(excinfo.value) and "imported before" in str(excinfo.value)
    assert MemberTransaction.objects.count() == 4


@pytest.mark.parametrize("username", ["cadre_b", "auditor", "outsider"])
def test_a_user_without_write_scope_is_refused(personas, baima, tmp_path, username):  # noqa: F811
    path = write_csv(tmp_path / "a.csv", good_rows(baima))
    with pytest.raises(CommandError) as excinfo:
        run("import", "transactions", str(path), "--user", username, "--cooperative", str(baima[0].pk))
    assert excinfo.value.returncode == 1 and "无权" in str(excinfo.value)
    assert not MemberTransaction.objects.exists()


def test_the_cooperative_must_be_given_and_exist(personas, baima, tmp_path):  # noqa: F811
    path = write_csv(tmp_path / "a.csv", good_rows(baima))
    with pytest.raises(CommandError, match="--cooperative"):
        run("import", "transactions", str(path), "--user", "cadre_a")
    with pytest.raises(CommandError, match="不存在"):
        run("import", "transactions", str(path), "--user", "cadre_a", "--cooperative", "999999")
