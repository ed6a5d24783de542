import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tongzhou.accounts.models import Scope
from tongzhou.core.testing import VILLAGE_A, build_regions


@pytest.mark.django_db
def test_admin_creates_a_village_accountant_from_the_command_line(capsys):
    build_regions()
    call_command(
        "user",
        "create",
        "lisi",
        "--password",
        "Bai-ma-2026!",
        "--role",
        "village_accountant",
        "--region",
        VILLAGE_A,
    )
    user = get_user_model().objects.get(username="lisi")
    assert user.check_password("Bai-ma-2026!")
    assert user.password.startswith("argon2")
    assert list(Scope.objects.filter(user=user).values_list("region_code", "role")) == [
        (VILLAGE_A, "village_accountant")
    ]
    call_command("user", "list")
    assert f"village_accountant@{VILLAGE_A}" in capsys.readouterr().out


@pytest.mark.django_db
def test_grant_on_an_unknown_region_is_refused_and_nothing_changes():
    build_regions()
    call_command("user", "create", "lisi", "--password", "Bai-ma-2026!")
    with pytest.raises(CommandError, match="not_found"):
        call_command("user", "grant", "lisi", "--role", "township_officer", "--region", "520502999")
    assert not Scope.objects.exists()


@pytest.mark.django_db
def test_weak_password_is_refused():
    with pytest.raises(CommandError):
        call_command("user", "create", "lisi", "--password", "123")
    assert not get_user_model().objects.filter(username="lisi").exists()
