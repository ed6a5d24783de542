"""Fixtures for the web tests: a register with households in village A and B, and the English catalogue compiled."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tongzhou.core.testing import VILLAGE_A, VILLAGE_B, build_household

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"


@dataclass
class Register:
    baima_wang: object
    baima_li: object
    longjing_zhao: object


@pytest.fixture
def register(personas):
    from tongzhou.regions.services import regions_load_shipped

    regions_load_shipped()  # a transactional test before this one may have flushed the shipped regions
    return Register(
        baima_wang=build_household(
            village_code=VILLAGE_A,
            number="0001",
            head_name="王大山",
            members=2,
            poverty_registered_year=2016,
            group_code=VILLAGE_A + "001",
        ),
        baima_li=build_household(village_code=VILLAGE_A, number="0002", head_name="李春花", members=1),
        longjing_zhao=build_household(village_code=VILLAGE_B, number="0001", head_name="赵龙井", members=1),
    )


@pytest.fixture(scope="session")
def english_catalogue():
    """The English .mo compiled from django.po when it is missing or older (the Makefile does this too)."""
    po = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        if shutil.which("msgfmt") is None:
            pytest.skip("msgfmt (gettext) is not installed; run `make` to compile the catalogue")
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
        from django.utils import translation
        from django.utils.translation import trans_real

        # Forget catalogues loaded before the .mo existed.
        trans_real._translations = {}
        trans_real._default = None
        translation.deactivate()
    return mo


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is right for people and slow for eight personas per test; the web tests need only a working hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
