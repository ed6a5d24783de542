"""Roles and what each may do. Pure data: which roles read, write, and see full personal identifiers."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_ACCOUNTANT = "village_accountant", _("村会计")
    VILLAGE_SECRETARY = "village_secretary", _("村党支部书记")
    TOWNSHIP_OFFICER = "township_officer", _("乡镇干部")
    COUNTY_OFFICER = "county_officer", _("县级干部")
    AUDITOR = "auditor", _("审计人员")
    ADMINISTRATOR = "administrator", _("系统管理员")


# Who may change the register of the regions in their scope. Auditors only read.
WRITING_ROLES = frozenset(
    {
        Role.VILLAGE_ACCOUNTANT,
        Role.VILLAGE_SECRETARY,
        Role.TOWNSHIP_OFFICER,
        Role.COUNTY_OFFICER,
        Role.ADMINISTRATOR,
    }
)
# Who sees ID numbers and phones in full: those who keep the register, the auditor who checks it, the administrator.
FULL_IDENTIFIER_ROLES = frozenset(
    {Role.VILLAGE_ACCOUNTANT, Role.VILLAGE_SECRETARY, Role.AUDITOR, Role.ADMINISTRATOR}
)
# The level of region each role is normally granted at (used to validate grants).
ROLE_LEVELS = {
    Role.VILLAGE_ACCOUNTANT: {"village"},
    Role.VILLAGE_SECRETARY: {"village"},
    Role.TOWNSHIP_OFFICER: {"township"},
    Role.COUNTY_OFFICER: {"county"},
    Role.AUDITOR: {"province", "prefecture", "county", "township", "village"},
    Role.ADMINISTRATOR: {"province", "prefecture", "county"},
}
