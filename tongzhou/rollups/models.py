"""Figures kept per region code, so a page reads O(children) rows whatever the size of the prefecture."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionRegisterFigures(models.Model):
    """Register counts for one region (village and every ancestor), kept by the register services."""

    region_code = models.CharField(max_length=15, primary_key=True)
    households = models.BigIntegerField(_("户数"), default=0)
    persons = models.BigIntegerField(_("人数"), default=0)
    registered_poor_households = models.BigIntegerField(_("建档立卡户"), default=0)
    exited_poverty_households = models.BigIntegerField(_("已脱贫户"), default=0)
    registered_poor_persons = models.BigIntegerField(_("建档立卡人口"), default=0)
    migrant_workers = models.BigIntegerField(_("外出务工人数"), default=0)
    elderly_persons = models.BigIntegerField(_("60岁及以上人数"), default=0)
    women = models.BigIntegerField(_("女性人数"), default=0)
    villages = models.BigIntegerField(_("村数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.region_code}: {self.households} households, {self.persons} persons"


class RegionCoopFigures(models.Model):
    """Cooperative coverage for one region (village and every ancestor), kept by the cooperative services.

    Members count when active or under exit notice; a region's figures cover the cooperatives located in it and
    below. Share capital sums the share ledger over capital classes; subsidy shares over the others (Art. 44).
    """

    region_code = models.CharField(max_length=15, primary_key=True)
    villages_with_cooperative = models.BigIntegerField(_("有合作社的村数"), default=0)
    cooperatives = models.BigIntegerField(_("合作社数"), default=0)
    members = models.BigIntegerField(_("成员数"), default=0)
    household_members = models.BigIntegerField(_("农户成员数"), default=0)
    registered_poor_households = models.BigIntegerField(_("入社建档立卡户"), default=0)
    registered_poor_members = models.BigIntegerField(_("建档立卡户成员数"), default=0)
    cadre_members = models.BigIntegerField(_("村两委干部成员数"), default=0)
    women_members = models.BigIntegerField(_("女性成员数"), default=0)
    share_capital_fen = models.BigIntegerField(_("股金（分）"), default=0)
    subsidy_shares_fen = models.BigIntegerField(_("财政补助与捐赠股（分）"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.region_code}: {self.cooperatives} cooperatives, {self.members} members"
