"""`tongzhou token create|list|revoke`, checked against the API it opens."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def me(token: str):
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_created_token_is_printed_once_and_opens_the_api(personas):
    output = run("create", "--user", "cadre_a", "--name", "报表脚本")
    token = output.strip().splitlines()[-1]
    assert token.startswith("tz_")
    assert me(token).json()["user"]["username"] == "cadre_a"
    listing = run("list", "--user", "cadre_a")
    assert "报表脚本" in listing and "active" in listing
    assert token not in listing


def test_a_revoked_token_no_longer_opens_the_api(personas):
    token = run("create", "--user", "cadre_a", "--name", "old").strip().splitlines()[-1]
    token_id = run("list", "--user", "cadre_a").splitlines()[1].split("\t")[0]
    assert "已吊销" in run("revoke", "--user", "cadre_a", "--id", token_id)
    assert me(token).status_code == 401
    assert "revoked" in run("list", "--user", "cadre_a")


def test_an_unknown_user_or_token_is_a_command_error(personas):
    with pytest.raises(CommandError, match="nobody"):
        run("create", "--user", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        run("revoke", "--user", "cadre_a", "--id", "999")
    with pytest.raises(CommandError):
        run("create", "--user", "cadre_a", "--name", " ")
